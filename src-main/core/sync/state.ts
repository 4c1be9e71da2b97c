import type { SyncConflict, SyncRefusedEntry, SyncRound } from '../../../src-shared/contracts/sync'
import type { LedgerEntryWire } from '../../../src-shared/ledgerWire'
import type { PushConflict, PushRefusal } from '../../../src-shared/syncProtocol'
import type { Db } from '../db/connection'
import { SYNC_REFUSED, SYNC_UNKNOWN_MEMBERS, toSyncConflict, toSyncRefusedEntry, toSyncState, type SyncConflictRow, type SyncRefusedRow, type SyncState, type SyncStateRow } from '../db/tables/sync'
import { insertRowIfNew, upsertRow } from '../db/tables/table'

export type { SyncState }

export function readSyncState(db: Db): SyncState {
  return toSyncState(db.prepare('SELECT * FROM sync_state WHERE id = 1').get() as SyncStateRow)
}

export const isEnrolled = (s: SyncState): boolean => Boolean(s.serverUrl && s.token)

export function saveEnrolment(
  db: Db,
  e: { serverUrl: string; team: string; deviceId: string; deviceName: string; token: string; serverId: string; at: string },
): void {
  db.prepare(
    `UPDATE sync_state SET server_url = ?, team = ?, device_id = ?, device_name = ?, token = ?, server_id = ?,
       entries_cursor = 0, statuses_cursor = 0, records_pushed = 0, records_cursor = 0, enrolled_at = ?,
       records_snapshot_at = NULL, records_snapshot_record = NULL, records_snapshot_after = NULL, records_snapshot_done = 0, records_snapshot_total = 0, records_snapshot_taken = 0, revoked_at = NULL, last_error_code = NULL,
       last_error_message = NULL, last_error_at = NULL, failures = 0 WHERE id = 1`,
  ).run(e.serverUrl, e.team, e.deviceId, e.deviceName, e.token, e.serverId, e.at)
}

/** Forgets the server and the token; the ledger, its outbox and the history stay. */
export function clearEnrolment(db: Db): void {
  db.prepare(
    `UPDATE sync_state SET server_url = NULL, team = NULL, device_id = NULL, device_name = NULL, token = NULL,
       entries_cursor = 0, statuses_cursor = 0, records_pushed = 0, records_cursor = 0, enrolled_at = NULL,
       records_snapshot_at = NULL, records_snapshot_record = NULL, records_snapshot_after = NULL, records_snapshot_done = 0, records_snapshot_total = 0, records_snapshot_taken = 0, revoked_at = NULL, failures = 0,
       last_error_code = NULL, last_error_message = NULL, last_error_at = NULL WHERE id = 1`,
  ).run()
}

export function saveCursor(db: Db, cursor: { entries: number; statuses: number }): void {
  db.prepare('UPDATE sync_state SET entries_cursor = ?, statuses_cursor = ? WHERE id = 1').run(cursor.entries, cursor.statuses)
}

/** A new server instance (reset or restored): its cursors start from zero. */
export function adoptServer(db: Db, serverId: string): void {
  db.prepare('UPDATE sync_state SET server_id = ?, entries_cursor = 0, statuses_cursor = 0 WHERE id = 1').run(serverId)
}

export function recordAttempt(db: Db, at: string): void {
  db.prepare('UPDATE sync_state SET last_attempt_at = ? WHERE id = 1').run(at)
}

export function recordSuccess(db: Db, round: SyncRound): void {
  db.prepare(
    `UPDATE sync_state SET last_success_at = ?, failures = 0, last_error_code = NULL, last_error_message = NULL,
       last_error_at = NULL, last_round = ? WHERE id = 1`,
  ).run(round.finishedAt, JSON.stringify(round))
}

export function recordFailure(db: Db, error: { code: string; message: string }, at: string, revoked: boolean): void {
  db.prepare(
    `UPDATE sync_state SET failures = failures + 1, last_error_code = ?, last_error_message = ?, last_error_at = ?,
       revoked_at = CASE WHEN ? THEN COALESCE(revoked_at, ?) ELSE revoked_at END WHERE id = 1`,
  ).run(error.code, error.message, at, revoked ? 1 : 0, at)
}

// ---------------------------------------------------------------- conflicts
export function recordConflicts(db: Db, conflicts: PushConflict[], local: Map<string, LedgerEntryWire>, at: string): void {
  // A conflict named again keeps when it was first seen.
  const insert = db.prepare(
    `INSERT INTO sync_conflicts (entry_id, fields, local_json, server_json, detected_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (entry_id) DO UPDATE SET fields = excluded.fields, local_json = excluded.local_json, server_json = excluded.server_json`,
  )
  for (const c of conflicts) {
    const mine = local.get(c.id)
    insert.run(c.id, JSON.stringify(c.fields), mine ? JSON.stringify(mine) : null, JSON.stringify(c.server), at)
  }
}

export function listConflicts(db: Db): SyncConflict[] {
  return (db.prepare('SELECT * FROM sync_conflicts ORDER BY detected_at DESC, entry_id').all() as SyncConflictRow[]).map(toSyncConflict)
}

export const conflictCount = (db: Db): number => (db.prepare('SELECT count(*) AS n FROM sync_conflicts').get() as { n: number }).n

// ---------------------------------------------------------------- refused by the server
/** Entries the server will not store as they are: kept here with its reason (they have left the outbox). */
export function recordRefused(db: Db, refused: PushRefusal[], local: Map<string, LedgerEntryWire>, at: string): void {
  for (const r of refused) {
    const mine = local.get(r.id)
    if (mine) upsertRow(db, SYNC_REFUSED, ['entry_id'], { entry_id: r.id, code: r.code, reason: r.reason, local_json: JSON.stringify(mine), refused_at: at })
  }
}

/** The server took these after all (offered again after a reset): they are refused no more. */
export function clearRefused(db: Db, ids: string[]): void {
  if (ids.length) db.prepare('DELETE FROM sync_refused WHERE entry_id IN (SELECT value FROM json_each(?))').run(JSON.stringify(ids))
}

export function listRefused(db: Db): SyncRefusedEntry[] {
  return (db.prepare('SELECT * FROM sync_refused ORDER BY refused_at DESC, entry_id').all() as SyncRefusedRow[]).map(toSyncRefusedEntry)
}

export const refusedCount = (db: Db): number => (db.prepare('SELECT count(*) AS n FROM sync_refused').get() as { n: number }).n

// ---------------------------------------------------------------- members named by the team, unknown here
export function recordUnknownMembers(db: Db, codes: string[], at: string): void {
  for (const code of codes) insertRowIfNew(db, SYNC_UNKNOWN_MEMBERS, { member_code: code, first_seen_at: at })
}

/** Codes still unknown: a member created since (an import, by hand) drops out by itself. */
export function unknownMembers(db: Db): { count: number; codes: string[] } {
  const where = 'WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.invite_code = u.member_code)'
  const count = (db.prepare(`SELECT count(*) AS n FROM sync_unknown_members u ${where}`).get() as { n: number }).n
  const codes = (db.prepare(`SELECT member_code FROM sync_unknown_members u ${where} ORDER BY first_seen_at, member_code LIMIT 20`).all() as { member_code: string }[]).map(
    (r) => r.member_code,
  )
  return { count, codes }
}

/** A cleared studio (demo, empty) must never sync into the team's ledger by accident: it starts unenrolled. */
export function clearSyncStudio(db: Db): void {
  clearEnrolment(db)
  db.prepare('UPDATE sync_state SET server_id = NULL, last_success_at = NULL, last_attempt_at = NULL, last_round = NULL WHERE id = 1').run()
  db.prepare('DELETE FROM sync_conflicts').run()
  db.prepare('DELETE FROM sync_refused').run()
  db.prepare('DELETE FROM sync_unknown_members').run()
  db.prepare('DELETE FROM sync_record_issues').run()
  db.prepare('DELETE FROM record_conflicts').run()
}
