import type { Db } from '../db/connection'
import type { MemberPageStateRow } from '../db/tables/memberPages'
import { readSyncState } from '../sync/state'

/** The exchange's own row (0013 member_page_state). */
export interface PagesState {
  publicUrl: string | null
  serverId: string | null
  ticksCursor: number
  withdrawalsCursor: number
  lastExchangeAt: string | null
  lastError: { code: string; message: string; at: string } | null
}

export function readPagesState(db: Db): PagesState {
  const r = db.prepare('SELECT * FROM member_page_state WHERE id = 1').get() as MemberPageStateRow
  return {
    publicUrl: r.public_url,
    serverId: r.server_id,
    ticksCursor: r.ticks_cursor,
    withdrawalsCursor: r.withdrawals_cursor,
    lastExchangeAt: r.last_exchange_at,
    lastError: r.last_error_code ? { code: r.last_error_code, message: r.last_error_message ?? '', at: r.last_error_at ?? '' } : null,
  }
}

/**
 * Where members' phones open their pages: the server's own public address when it has
 * one (`orchard server --public-url`), else the address this workstation syncs with.
 */
export function publicBase(db: Db): string | null {
  const sync = readSyncState(db)
  if (!sync.serverUrl || !sync.token) return null
  return (readPagesState(db).publicUrl ?? sync.serverUrl).replace(/\/+$/, '')
}

export function savePublicUrl(db: Db, url: string | null): void {
  db.prepare('UPDATE member_page_state SET public_url = ? WHERE id = 1').run(url)
}

/** A new server instance (reset, restored, or another server): the ticks are read again from its start. */
export function adoptPagesServer(db: Db, serverId: string): void {
  const s = readPagesState(db)
  if (s.serverId === serverId) return
  db.transaction(() => {
    db.prepare('UPDATE member_page_state SET server_id = ?, ticks_cursor = 0, withdrawals_cursor = 0 WHERE id = 1').run(serverId)
    // What the old instance held is not this one's: links, live codes and packs go again.
    db.prepare('UPDATE member_page_links SET pushed = 0').run()
    db.prepare('UPDATE group_live_codes SET pushed_hash = NULL').run()
  })()
}

export function saveTicksCursor(db: Db, cursor: number): void {
  db.prepare('UPDATE member_page_state SET ticks_cursor = ? WHERE id = 1').run(cursor)
}

export function saveWithdrawalsCursor(db: Db, cursor: number): void {
  db.prepare('UPDATE member_page_state SET withdrawals_cursor = ? WHERE id = 1').run(cursor)
}

export function recordExchange(db: Db, at: string, error: { code: string; message: string } | null): void {
  db.prepare('UPDATE member_page_state SET last_exchange_at = ?, last_error_code = ?, last_error_message = ?, last_error_at = ? WHERE id = 1').run(
    at,
    error?.code ?? null,
    error?.message ?? null,
    error ? at : null,
  )
}

/** A studio replaced or emptied starts with no links, codes or publications of the one before. */
export function clearPagesStudio(db: Db): void {
  for (const table of ['member_page_links', 'group_live_codes', 'group_contact_qr', 'pack_publications', 'group_scan_counts']) db.prepare(`DELETE FROM ${table}`).run()
  db.prepare('UPDATE member_page_state SET public_url = NULL, server_id = NULL, ticks_cursor = 0, withdrawals_cursor = 0, last_exchange_at = NULL, last_error_code = NULL, last_error_message = NULL, last_error_at = NULL WHERE id = 1').run()
}
