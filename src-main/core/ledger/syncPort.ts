import type { LedgerEntryWire, LedgerStatusChange } from '../../../src-shared/ledgerWire'
import type { Db } from '../db/connection'
import { LEDGER_ENTRY_WIRE_COLUMNS, toLedgerEntryWire, type LedgerEntryWireRow } from '../db/tables/ledger'
import { bookedPeriodOf, deviceId } from './entries'
import { orderNoOfKey } from './posting'
import { recordRemoteWithdrawal } from './settlement'

export { deviceId } from './entries'

/** Entries the team's server does not have yet, oldest first (the outbox is their pending_sync mark). */
export function outboxBatch(db: Db, limit: number): LedgerEntryWire[] {
  return (db.prepare(`SELECT ${LEDGER_ENTRY_WIRE_COLUMNS} FROM ledger_entries INDEXED BY ledger_outbox WHERE pending_sync = 1 ORDER BY rowid LIMIT ?`).all(limit) as LedgerEntryWireRow[]).map(
    toLedgerEntryWire,
  )
}

/** The server holds these ids (stored now or before): they leave the outbox. */
export function markAccepted(db: Db, ids: string[]): void {
  const mark = db.prepare('UPDATE ledger_entries SET pending_sync = 0 WHERE id = ? AND pending_sync = 1')
  db.transaction(() => {
    for (const id of ids) mark.run(id)
  })()
}

export function outboxCount(db: Db): number {
  return (db.prepare('SELECT COUNT(*) AS n FROM ledger_entries INDEXED BY ledger_outbox WHERE pending_sync = 1').get() as { n: number }).n
}

/**
 * Entries other workstations of the team posted, as the server passed them on: each
 * stored once (an id already here — the same sale imported here too — is skipped),
 * never put into the outbox. Order-line, refund and correction entries are linked to
 * this workstation's copy of the order by its number, so posting here counts them in
 * what the order already holds. An entry of a month closed here counts in the first
 * open month (an adjustment), as one posted here would. A withdrawal request entered on
 * another workstation becomes a request here too. A member unknown here is kept by
 * code and reported. A correction to the team's scheme version (ledger/posting.ts) of an
 * entry this workstation posted itself with other money, already at the team's rate (its
 * amount is the server's plus the correction), is not stored: counted on top it would pay
 * the difference twice; the conflict on that entry is settled and it stays here.
 */
export function applyRemoteEntries(db: Db, entries: LedgerEntryWire[]): { inserted: number; unknownMembers: string[] } {
  const insert = db.prepare(
    `INSERT OR IGNORE INTO ledger_entries (id, member_code, kind, amount_fen, source_type, source_key, reverses_id, scheme_id, scheme_version,
       period, booked_period, occurred_at, memo, device_id, origin, order_id, pending_sync, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'remote', ?, 0, ?)`,
  )
  const booked = bookedPeriodOf(db)
  const orderByNo = db.prepare('SELECT id FROM orders WHERE order_no = ?').pluck()
  const known = db.prepare('SELECT 1 FROM members WHERE invite_code = ?').pluck()
  const amountHere = db.prepare('SELECT amount_fen FROM ledger_entries WHERE id = ?').pluck()
  const conflictOf = db.prepare('SELECT server_json FROM sync_conflicts WHERE entry_id = ?').pluck()
  const keptHere = db.prepare('UPDATE ledger_entries SET pending_sync = 0 WHERE id = ?')
  const conflictSettled = db.prepare('DELETE FROM sync_conflicts WHERE entry_id = ?')
  /** Entries pulled now whose id is here with other money: the server's amount. */
  const otherHere = new Map<string, number>()
  const unknown = new Set<string>()
  const now = new Date().toISOString()
  let inserted = 0
  db.transaction(() => {
    for (const e of entries) {
      if (e.sourceType === 'correction' && e.schemeId !== null && e.reversesId !== null) {
        const here = amountHere.get(e.reversesId) as number | undefined
        const conflict = conflictOf.get(e.reversesId) as string | undefined
        const server = otherHere.get(e.reversesId) ?? (conflict === undefined ? undefined : (JSON.parse(conflict) as LedgerEntryWire).amountFen)
        if (here !== undefined && server !== undefined && here !== server && here === server + e.amountFen) {
          keptHere.run(e.reversesId)
          conflictSettled.run(e.reversesId)
          continue
        }
      }
      const orderNo = e.sourceType === 'order_line' || e.sourceType === 'refund' || e.sourceType === 'correction' ? orderNoOfKey(e.sourceKey) : null
      const orderId = orderNo ? ((orderByNo.get(orderNo) as string | undefined) ?? null) : null
      const r = insert.run(
        e.id,
        e.memberCode,
        e.kind,
        e.amountFen,
        e.sourceType,
        e.sourceKey,
        e.reversesId,
        e.schemeId,
        e.schemeVersion,
        e.period,
        booked(e.period),
        e.occurredAt,
        e.memo,
        e.deviceId,
        orderId,
        now,
      )
      if (!r.changes) {
        const here = amountHere.get(e.id) as number | undefined
        if (here !== undefined && here !== e.amountFen) otherHere.set(e.id, e.amountFen)
      } else {
        inserted++
        if (!known.get(e.memberCode)) unknown.add(e.memberCode)
        if (e.sourceType === 'withdrawal') recordRemoteWithdrawal(db, e)
      }
    }
  })()
  return { inserted, unknownMembers: [...unknown] }
}

/**
 * The server's decisions (approved, paid, rejected), applied in the server's own
 * order: a change older than the one already applied is ignored, and a paid entry
 * never moves again. Entries not here yet are skipped (they arrive with a pull).
 */
export function applyStatusChanges(db: Db, changes: LedgerStatusChange[]): { applied: number } {
  const update = db.prepare(
    `UPDATE ledger_entries SET status = ?, status_seq = ?, status_note = ? WHERE id = ? AND status_seq < ? AND (status <> 'paid' OR ? = 'paid')`,
  )
  let applied = 0
  db.transaction(() => {
    for (const c of changes) applied += update.run(c.status, c.seq, c.note, c.entryId, c.seq, c.status).changes
  })()
  return { applied }
}

/**
 * The server lost data (a reset): every entry goes back into the outbox — those
 * pulled from other workstations too (they carry their own device id), so the
 * team's books come back even if that workstation is gone.
 */
export function requeueAll(db: Db): number {
  return db.prepare('UPDATE ledger_entries SET pending_sync = 1 WHERE pending_sync = 0').run().changes
}

/** The port the sync works through (src-main/core/sync/port.ts). */
export const ledgerSyncPort = { outboxBatch, markAccepted, outboxCount, applyRemoteEntries, applyStatusChanges, deviceId, requeueAll }
