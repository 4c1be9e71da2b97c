import { describe, expect, it } from 'vitest'
import { assertNoPersonalData } from './publish'

/** The marks customerMarks reads from a studio with a customer 陈兰 (WeChat chenlan_88, one phone) and the members 陈兰岚 and 王芳. */
const marks = { names: ['陈兰', 'chenlan_88'], exact: new Set(['8613800138000']), members: ['陈兰岚', '王芳'] }
const where = { owner: '陈兰岚', field: '文案 5' }
const refusal = (text: string) => {
  try {
    assertNoPersonalData(marks, text, where)
    return null
  } catch (err) {
    return err as { code: string; message: string; details: unknown }
  }
}

describe('what a member’s page may show', () => {
  it('a member’s own name is shown even where a customer’s name is part of it', () => {
    expect(refusal('陈兰岚今天推荐洗衣液，团购价 ¥59')).toBeNull()
    expect(refusal('找陈兰岚或王芳下单')).toBeNull()
  })

  it('a customer’s name beside a member’s, a WeChat id or a phone number is refused with where it is', () => {
    expect(refusal('陈兰岚推荐：陈兰上周也买了')).toMatchObject({ code: 'personal_data', details: { owner: '陈兰岚', field: '文案 5', why: 'customer name' } })
    expect(refusal('加我微信 chenlan_88')).toMatchObject({ code: 'personal_data', details: { why: 'customer name' } })
    expect(refusal('电话 138 0013 8000')).toMatchObject({ code: 'personal_data', details: { why: 'phone number' } })
  })
})
