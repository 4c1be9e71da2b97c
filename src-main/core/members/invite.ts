import type { Db } from '../db/connection'
import { readSettings } from '../settings/settings'

/**
 * A member's invite link as their QR codes encode it: the studio's shop link (a
 * setting), the member's code, and the tracking code (ref=CODE) that attributes
 * orders to them; `source` says what carried it (a day's pack, an onboarding kit).
 */
export function inviteUrl(db: Db, code: string, source: string): string {
  const base = readSettings(db).inviteBaseUrl
  const sep = base.endsWith('/') || base.endsWith('=') ? '' : '/'
  return `${base}${sep}${encodeURIComponent(code)}?ref=${encodeURIComponent(code)}&s=${encodeURIComponent(source.replace(/-/g, ''))}`
}
