import { describe, expect, it } from 'vitest'
import { bilingualHalf } from './bilingual'

describe('one half of a bilingual message', () => {
  it('gives the reader’s language, wherever the cut falls', () => {
    const cases: [string, string, string][] = [
      ['不是有效的电话号码 / not a valid phone number', '不是有效的电话号码', 'not a valid phone number'],
      ['陈姐 登录 / 陈姐 signed in', '陈姐 登录', '陈姐 signed in'],
      ['按 CSV / XLSX 导出 / export as CSV or XLSX', '按 CSV / XLSX 导出', 'export as CSV or XLSX'],
      ['导出失败（磁盘已满）/ export failed (disk full) / retry later', '导出失败（磁盘已满）', 'export failed (disk full) / retry later'],
      ['与第 2 行的手机号重复 / same phone as row 2', '与第 2 行的手机号重复', 'same phone as row 2'],
    ]
    for (const [text, zh, en] of cases) {
      expect(bilingualHalf(text, 'zh'), text).toBe(zh)
      expect(bilingualHalf(text, 'en'), text).toBe(en)
    }
  })

  it('leaves a message in one language whole', () => {
    for (const text of ['只有中文', 'English only / with a slash', 'CSV / Excel', '']) {
      expect(bilingualHalf(text, 'zh')).toBe(text)
      expect(bilingualHalf(text, 'en')).toBe(text)
    }
  })
})
