import { describe, expect, it } from 'vitest'
import { clip, displayWidth, renderTable } from '../../../src-main/cli/table'

describe('terminal tables', () => {
  it('counts Chinese characters as two columns so the columns line up', () => {
    expect(displayWidth('王芳')).toBe(4)
    expect(displayWidth('ab')).toBe(2)
    const table = renderTable(['行 Row', '列 Column', '原因 Reason'], [['3', '手机', '不是有效的电话号码'], ['12', 'phone', 'bad']])
    const lines = table.split('\n')
    // the third column starts at the same display column on every line
    const starts = lines.map((line) => {
      const parts = line.split(/ {2,}/)
      return displayWidth(line.slice(0, line.lastIndexOf(parts[parts.length - 1])))
    })
    expect(new Set(starts).size).toBe(1)
    expect(lines[2]).toContain('不是有效的电话号码')
  })

  it('clips long values but never the reason', () => {
    expect(clip('很长很长的备注很长很长的备注', 10)).toBe('很长很长…')
    const long = '原因'.repeat(40)
    const table = renderTable(['值 Value', '原因 Reason'], [['备注'.repeat(40), long]], 20)
    expect(table).toContain(long)
    expect(table).toContain('…')
    expect(table).not.toContain('备注'.repeat(11))
  })
})
