import { parsePhoneNumberFromString } from 'libphonenumber-js/min'

/**
 * +86 138****5678: enough to recognise a number in a list without showing it whole (PIPL: mask
 * what the screen does not need). A number the core already masked for this profile
 * (+86138****5678) is shown the same way, so every role sees one format.
 */
export function maskPhone(phone: string): string {
  const m = phone.match(/^\+86\s?(\d{3})(?:\d{4}|\*{4})(\d{4})$/)
  if (m) return `+86 ${m[1]}****${m[2]}`
  if (phone.includes('****')) return phone
  return phone.length > 7 ? `${phone.slice(0, phone.length - 8)}****${phone.slice(-4)}` : phone
}

/**
 * +86 138 1234 5678, +86 571 8888 6666: a whole number grouped the way it is read out. Anything
 * masked for this profile reads as the list masks it (+86 138****5678); one that does not parse as it came.
 */
export function formatPhone(e164: string): string {
  if (e164.includes('****')) return maskPhone(e164)
  if (!/^\+\d{6,15}$/.test(e164)) return e164
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164
}
