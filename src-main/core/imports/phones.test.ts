import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { normalizePhone } from '../customers/phone'
import { normalizePhoneCell } from './phones'

/** Pieces phone cells are made of: digits, the separators people type, prefixes, full-width forms and stray characters. */
const piece = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[0-9]{1,4}$/) },
  { weight: 3, arbitrary: fc.constantFrom(' ', '-', '  ', ' - ') },
  { weight: 2, arbitrary: fc.constantFrom('+', '+86', '86', '0086', '+86 ', '0', '00', '+1', '+852') },
  { weight: 1, arbitrary: fc.constantFrom('(', ')', '.', '\u3000', '\t', '１', '３', '８', '＋', 'x', 'a', '转', '、', '/') },
)
const mobile = fc.tuple(fc.constantFrom('3', '4', '5', '6', '7', '8', '9', '0', '2'), fc.stringMatching(/^[0-9]{9}$/)).map(([b, rest]) => `1${b}${rest}`)
const spelled = fc.tuple(mobile, fc.constantFrom('', '+86', '+86 ', '86', '0086', '+', '+852 ', '0'), fc.constantFrom('plain', 'spaces', 'dashes', 'mixed')).map(([m, prefix, style]) => {
  const body = style === 'plain' ? m : style === 'spaces' ? `${m.slice(0, 3)} ${m.slice(3, 7)} ${m.slice(7)}` : style === 'dashes' ? `${m.slice(0, 3)}-${m.slice(3, 7)}-${m.slice(7)}` : `${m.slice(0, 3)} -${m.slice(3)}`
  return prefix + body
})

describe('phone cells', () => {
  it('normalise exactly as normalizePhone does, over many spellings', () => {
    fc.assert(
      fc.property(fc.oneof(spelled, fc.array(piece, { minLength: 0, maxLength: 8 }).map((p) => p.join(''))), (raw) => {
        expect(normalizePhoneCell(raw)).toEqual(normalizePhone(raw))
      }),
      { numRuns: 20_000 },
    )
  })

  it('take the short way for mainland mobiles and the long way for the rest', () => {
    expect(normalizePhoneCell('13800138000')).toEqual({ ok: true, e164: '+8613800138000' })
    expect(normalizePhoneCell('138 0013 8000')).toEqual({ ok: true, e164: '+8613800138000' })
    expect(normalizePhoneCell('+86 138-0013-8000')).toEqual({ ok: true, e164: '+8613800138000' })
    expect(normalizePhoneCell('008613800138000')).toEqual({ ok: true, e164: '+8613800138000' })
    expect(normalizePhoneCell('8613800138000')).toEqual({ ok: true, e164: '+8613800138000' })
    expect(normalizePhoneCell('0571-88886666')).toEqual({ ok: true, e164: '+8657188886666' })
    expect(normalizePhoneCell('１３８００１３８０００')).toEqual({ ok: true, e164: '+8613800138000' })
    expect(normalizePhoneCell('+1 650 253 0000')).toEqual(normalizePhone('+1 650 253 0000'))
    expect(normalizePhoneCell('12345')).toMatchObject({ ok: false })
    expect(normalizePhoneCell('')).toMatchObject({ ok: false })
    expect(normalizePhoneCell('138x0013')).toMatchObject({ ok: false })
  })
})
