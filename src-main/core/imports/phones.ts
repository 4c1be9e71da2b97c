import { normalizePhone, type PhoneResult } from '../customers/phone'

/**
 * normalizePhone for a phone cell of an import, where nearly every number is a
 * mainland mobile typed as 13812345678, 138 1234 5678, 138-1234-5678 or
 * +86 13812345678. Those are read in one pass over the characters; anything else
 * (other characters, other countries, landlines, mistakes) goes through
 * normalizePhone itself, so the result is always the one it gives.
 */
export function normalizePhoneCell(raw: string): PhoneResult {
  const n = raw.length
  // '+', digits, spaces and dashes only, the '+' before any digit: normalizePhone would
  // drop the spaces and dashes and keep the rest as it is.
  let digits = ''
  let plus = false
  let runStart = -1
  for (let i = 0; i < n; i++) {
    const c = raw.charCodeAt(i)
    if (c >= 48 && c <= 57) {
      if (runStart < 0) runStart = i
      continue
    }
    if (runStart >= 0) {
      digits += raw.slice(runStart, i)
      runStart = -1
    }
    if (c === 32 || c === 45) continue
    if (c === 43 && !plus && digits === '') {
      plus = true
      continue
    }
    return normalizePhone(raw)
  }
  if (runStart >= 0) digits = runStart === 0 ? raw : digits + raw.slice(runStart)
  let national = digits
  if (plus) {
    if (!digits.startsWith('86')) return normalizePhone(raw)
    national = digits.slice(2)
  } else if (digits.startsWith('0086')) national = digits.slice(4)
  else if (digits.length === 13 && digits.startsWith('86')) national = digits.slice(2)
  if (isMainlandMobile(national)) return { ok: true, e164: `+86${national}` }
  return normalizePhone(raw)
}

/** 1[3-9] followed by nine digits (the string holds digits only). */
function isMainlandMobile(s: string): boolean {
  if (s.length !== 11 || s.charCodeAt(0) !== 49) return false
  const second = s.charCodeAt(1)
  return second >= 51 && second <= 57
}
