import { describe, expect, it } from 'vitest'
import { bpToPercent, fenToYuanText, parseYuanToFen, percentToBp, yuan } from './money'

describe('money as people type and read it', () => {
  it('reads yuan as typed into integer fen, never through a float', () => {
    expect(parseYuanToFen('12')).toBe(1200)
    expect(parseYuanToFen('12.5')).toBe(1250)
    expect(parseYuanToFen('¥1,299.90')).toBe(129990)
    expect(parseYuanToFen('￥ 0.35')).toBe(35)
    // 12.35 × 100 is 1234.9999… as a float; as text it is 1235.
    expect(parseYuanToFen('12.35')).toBe(1235)
    for (const bad of ['', 'abc', '1.234', '-5', '12元']) expect(parseYuanToFen(bad), bad).toBeNull()
    expect(fenToYuanText(129990)).toBe('1299.90')
    expect(parseYuanToFen(fenToYuanText(7))).toBe(7)
    expect(yuan(-210)).toBe('-¥2.10')
    expect(percentToBp(12.35)).toBe(1235)
    expect(bpToPercent(1235)).toBe(12.35)
  })
})
