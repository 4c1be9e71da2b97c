import { parsePhoneNumberFromString } from 'libphonenumber-js/min'

/** +86 138****5678: enough to recognise a number in a list without showing it whole (PIPL: mask what the screen does not need). */
export function maskPhone(e164: string): string {
  const m = e164.match(/^\+86(\d{3})\d{4}(\d{4})$/)
  if (m) return `+86 ${m[1]}****${m[2]}`
  return e164.length > 7 ? `${e164.slice(0, e164.length - 8)}****${e164.slice(-4)}` : e164
}

/**
 * +86 138 1234 5678, +86 571 8888 6666: a whole number grouped the way it is read out. Anything
 * else (a number masked for this profile, one that does not parse) is shown as it came.
 */
export function formatPhone(e164: string): string {
  if (!/^\+\d{6,15}$/.test(e164)) return e164
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164
}
