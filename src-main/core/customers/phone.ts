import { parsePhoneNumberFromString } from 'libphonenumber-js/max'

export type PhoneResult = { ok: true; e164: string } | { ok: false; reason: string }

// Mainland mobiles are 1[3-9]xxxxxxxxx: the overwhelming majority of a studio's numbers.
// They take a fast path; everything else goes through libphonenumber's full metadata.
const CN_MOBILE = /^1[3-9]\d{9}$/

/**
 * Normalises a phone number to E.164, assuming +86 when no country code is given.
 * Accepts the ways people type numbers in spreadsheets: spaces, dashes, brackets,
 * a leading 0086 / +86 / 86, full-width digits.
 */
export function normalizePhone(raw: string): PhoneResult {
  const cleaned = raw
    .replace(/[\uFF10-\uFF19]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0))
    .replace(/\uFF0B/g, '+')
    .replace(/[\s\-().\u3000]/g, '')
  if (!cleaned) return { ok: false, reason: '号码为空 / empty phone number' }
  if (!/^\+?\d+$/.test(cleaned)) return { ok: false, reason: '号码含有非数字字符 / phone number contains letters or symbols' }
  let national = cleaned
  if (national.startsWith('+86')) national = national.slice(3)
  else if (national.startsWith('0086')) national = national.slice(4)
  else if (national.length === 13 && national.startsWith('86')) national = national.slice(2)
  if (CN_MOBILE.test(national)) return { ok: true, e164: `+86${national}` }

  const withPlus = cleaned.startsWith('00') ? `+${cleaned.slice(2)}` : cleaned
  const parsed = parsePhoneNumberFromString(withPlus, 'CN')
  if (!parsed || !parsed.isValid()) {
    return { ok: false, reason: '不是有效的电话号码 / not a valid phone number' }
  }
  return { ok: true, e164: parsed.number }
}
