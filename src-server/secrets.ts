import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto'

/**
 * Tokens and codes. The server stores only SHA-256 hashes: a copy of its database
 * (a backup, a stolen disk) lets nobody act as a device or as the admin. Tokens are
 * 32 random bytes, so a plain hash is enough — there is nothing to brute-force.
 */
export const hashSecret = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex')

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex')
  const y = Buffer.from(b, 'hex')
  return x.length === y.length && timingSafeEqual(x, y)
}

/** A device token; the workstation makes its own (see EnrolRequest.tokenHash) — the server never issues one. */
export const newDeviceToken = (): string => `ord_${randomBytes(32).toString('base64url')}`
export const newAdminToken = (): string => `ora_${randomBytes(32).toString('base64url')}`
export const newDeviceId = (): string => `dev_${randomBytes(8).toString('hex')}`
export const newServerId = (): string => `srv_${randomBytes(12).toString('hex')}`

/** Crockford's base32: no I, L, O or U, so a code read aloud or typed from paper survives. */
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

/** A one-time enrolment code, e.g. K7QF-2MXD-9TPA-4RWE: 80 bits, easy to type. */
export function newEnrolmentCode(): string {
  let raw = ''
  for (let i = 0; i < 16; i++) raw += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]
  return raw.match(/.{4}/g)!.join('-')
}

/** What was typed → the canonical code: case, dashes and spaces do not matter; O/I/L read as 0/1/1. */
export function normaliseEnrolmentCode(typed: string): string {
  return typed
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1')
}
