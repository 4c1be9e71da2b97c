import { describe, expect, it } from 'vitest'
import { formatPhone, maskPhone } from './phone'

describe('phones on screen', () => {
  it('masks a number one way whether the console or the core (for a role that sees contacts masked) hid it', () => {
    expect(maskPhone('+8615212343498')).toBe('+86 152****3498')
    expect(maskPhone('+86152****3498')).toBe('+86 152****3498')
    expect(formatPhone('+86152****3498')).toBe('+86 152****3498')
    expect(maskPhone('+8657188886666')).toBe(maskPhone('+86571****6666'))
    // A foreign number: the console's mask equals the core's.
    expect(maskPhone('+14155552671')).toBe('+141****2671')
    expect(maskPhone('+141****2671')).toBe('+141****2671')
    expect(formatPhone('+8613812345678')).toBe('+86 138 1234 5678')
  })
})
