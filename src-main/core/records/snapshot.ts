import { isSyncedRecord, SNAPSHOT_ORDER, type PulledRecordChange, type SnapshotRecord, type SyncedRecord } from '../../../src-shared/recordsProtocol'
import type { Db } from '../db/connection'
import { indexCustomerLists } from '../db/tables/customers'
import { SYNC_RECORD_ISSUES } from '../db/tables/sync'
import { insertNumberedRow } from '../db/tables/table'
import { applyPulledRecords, recordColumns, writeRecordRows } from './sync'

/**
 * A new workstation's start from the team's book: the server's records as of one
 * sequence (`at`), written page by page in large transactions without change rows (they
 * are the team's, not this workstation's to send), then the changes after `at` as usual.
 * Where the snapshot stands lives in sync_state (0023), written in the same transaction
 * as each page: a workstation stopped half-way goes on from the page after the last one
 * it wrote, and writes no record twice.
 */

export interface SnapshotState {
  /** The sequence the snapshot is as of (null: none under way). */
  at: number | null
  /** Where the next page starts. */
  record: SyncedRecord | null
  after: string
  /** Records written so far, and how many the server counted at `at`. */
  done: number
  total: number
}

export function snapshotState(db: Db): SnapshotState {
  const r = db
    .prepare(
      'SELECT records_snapshot_at AS at, records_snapshot_record AS record, records_snapshot_after AS after, records_snapshot_done AS done, records_snapshot_total AS total FROM sync_state WHERE id = 1',
    )
    .get() as { at: number | null; record: string | null; after: string | null; done: number; total: number }
  return { at: r.at, record: r.record !== null && isSyncedRecord(r.record) ? r.record : null, after: r.after ?? '', done: r.done, total: r.total }
}

/** Forgets a snapshot under way (a new server, a new enrolment): the next one starts from its first page. */
export function clearSnapshot(db: Db): void {
  db.prepare(
    'UPDATE sync_state SET records_snapshot_at = NULL, records_snapshot_record = NULL, records_snapshot_after = NULL, records_snapshot_done = 0, records_snapshot_total = 0 WHERE id = 1',
  ).run()
}

/** A workstation that has pulled nothing yet takes the snapshot first (or goes on with the one under way). */
export const needsSnapshot = (db: Db): boolean =>
  (db.prepare('SELECT (records_cursor = 0 AND records_snapshot_taken = 0) OR records_snapshot_at IS NOT NULL AS yes FROM sync_state WHERE id = 1').get() as { yes: number })
    .yes === 1

export interface SnapshotPageResult {
  written: number
  notApplied: number
  /** Records this workstation did not hold before the page (its own, sent just before, come back too). */
  fresh: number
}

/**
 * Writes one page in the caller's transaction and moves the snapshot's place past it.
 * New records go in through one prepared insert per kind (and a customer's phones and
 * tags with them); a record this workstation holds already (its own, offered again after
 * a server reset), one missing a field, or a page a unique key refuses (a phone, SKU or
 * invite code another record here holds) goes through the team's ordinary write, record
 * by record: its fields changed here and not yet sent stay, and what cannot be taken is
 * kept with its reason. References are checked once at the end (finishSnapshot), so the
 * caller runs this with foreign key checks off.
 */
export function writeSnapshotPage(
  db: Db,
  page: { at: number; records: SnapshotRecord[]; next: { record: SyncedRecord; after: string } | null; total: number | null },
  stamp: string,
): SnapshotPageResult {
  const result: SnapshotPageResult = { written: 0, notApplied: 0, fresh: 0 }
  const byKind = new Map<SyncedRecord, SnapshotRecord[]>()
  for (const r of page.records) {
    const list = byKind.get(r.record)
    if (list) list.push(r)
    else byKind.set(r.record, [r])
  }
  for (const [record, records] of byKind) {
    const { table, fields } = recordColumns(record)
    const held = new Set(
      (db.prepare(`SELECT id FROM ${table} WHERE id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(records.map((r) => r.id))) as { id: string }[]).map(
        (r) => r.id,
      ),
    )
    result.fresh += records.filter((r) => !held.has(r.id)).length
    const slow: SnapshotRecord[] = []
    const fast: { id: string; values: unknown[]; record: SnapshotRecord }[] = []
    for (const r of records) {
      // A scheme's version goes the way a pulled one does: checked for compliance before it is taken.
      const values =
        held.has(r.id) || record === 'schemeVersion' || fields.some((f) => !Object.hasOwn(r.value, f.field)) ? null : fields.map((f) => f.encode(r.value[f.field]))
      if (!values || values.includes(undefined)) slow.push(r)
      else fast.push({ id: r.id, values, record: r })
    }
    if (fast.length) {
      const columns = ['id', ...fields.map((f) => f.column), 'created_at', 'updated_at']
      const insert = db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`)
      const bulk = db.transaction(() => {
        for (const r of fast) {
          insert.run(r.id, ...r.values, stamp, stamp)
          if (!writeRecordRows(db, record, r.id, r.record.value, stamp)) throw Object.assign(new Error('invalid value'), { code: 'SQLITE_CONSTRAINT_CHECK' })
        }
        // A customer's phones and tags are looked up through their own tables: filled for the page's new customers at once.
        if (record === 'customer') indexCustomerLists(db, { ids: fast.map((r) => r.id), replace: false })
      })
      try {
        bulk()
        result.written += fast.length
      } catch (err) {
        if (!String((err as { code?: unknown })?.code ?? '').startsWith('SQLITE_CONSTRAINT')) throw err
        // Rolled back whole: each record on its own now, so only the ones a key refuses stay out.
        const already = new Set(slow)
        slow.push(...records.filter((r) => !held.has(r.id) && !already.has(r)))
      }
    }
    if (slow.length) {
      // A record whose phone, SKU or invite code one of this workstation's own records holds is not a
      // problem here: every record of a workstation that has pulled nothing yet is still to be sent, and
      // the server makes the two one by that key when it is (this workstation then takes the team's id).
      const applied = applyPulledRecords(db, slow.map((r) => asChange(r, page.at, stamp)), stamp, { deferDuplicates: true })
      result.written += applied.applied
      result.notApplied += applied.notApplied
    }
  }
  db.prepare(
    `UPDATE sync_state SET records_snapshot_at = ?, records_snapshot_record = ?, records_snapshot_after = ?,
       records_snapshot_done = records_snapshot_done + ?, records_snapshot_total = COALESCE(?, records_snapshot_total) WHERE id = 1`,
  ).run(page.at, page.next?.record ?? SNAPSHOT_ORDER[SNAPSHOT_ORDER.length - 1], page.next?.after ?? '', page.records.length, page.total)
  return result
}

const asChange = (r: SnapshotRecord, at: number, stamp: string): PulledRecordChange => ({
  seq: Math.max(1, at),
  record: r.record,
  id: r.id,
  op: 'create',
  field: null,
  value: r.value,
  deviceId: 'server',
  role: 'system',
  at: stamp,
})

/**
 * After the last page: a reference the team's book holds to a record it no longer has (a
 * mentor deleted on another workstation) is cleared here as a delete would have cleared
 * it, and kept as an issue with its reason; then the changes after the snapshot's
 * sequence are what is pulled next. In the caller's transaction.
 */
export function finishSnapshot(db: Db, stamp: string): { dangling: number } {
  const state = snapshotState(db)
  let dangling = 0
  for (const record of SNAPSHOT_ORDER) {
    const { table, fields } = recordColumns(record)
    const keys = db.prepare(`PRAGMA foreign_key_list(${table})`).all() as { id: number; from: string; on_delete: string }[]
    const bad = db.prepare(`PRAGMA foreign_key_check(${table})`).all() as { rowid: number | null; fkid: number }[]
    for (const b of bad) {
      const key = keys.find((k) => k.id === b.fkid)
      if (!key || key.on_delete !== 'SET NULL' || b.rowid === null) continue
      const row = db.prepare(`SELECT id FROM ${table} WHERE rowid = ?`).get(b.rowid) as { id: string } | undefined
      if (!row) continue
      db.prepare(`UPDATE ${table} SET ${key.from} = NULL WHERE rowid = ?`).run(b.rowid)
      const field = fields.find((f) => f.column === key.from)?.field ?? key.from
      insertNumberedRow(db, SYNC_RECORD_ISSUES, 'id', {
        kind: 'not_applied',
        record,
        record_id: row.id,
        field,
        op: 'create',
        server_seq: state.at,
        client_seq: null,
        device_id: null,
        code: 'unknown_reference',
        reason: `团队记录引用的记录已不存在，此处已清空 ${field} / the team's record names a record that no longer exists: ${field} was cleared here`,
        value_json: null,
        at: stamp,
      })
      dangling++
    }
  }
  clearSnapshot(db)
  db.prepare('UPDATE sync_state SET records_cursor = max(records_cursor, ?), records_snapshot_taken = 1 WHERE id = 1').run(state.at ?? 0)
  return { dangling }
}

/**
 * Runs `write` with SQLite's per-row foreign key checks off: a snapshot's pages may name a
 * record of a later page (a mentor further on), and finishSnapshot checks every reference
 * once at the end. The setting changes outside the transaction (SQLite ignores it inside
 * one) and the write is synchronous, so nothing else runs on the connection meanwhile.
 */
export function withoutForeignKeys<T>(db: Db, write: () => T): T {
  if (db.pragma('foreign_keys', { simple: true }) !== 1) return write()
  db.pragma('foreign_keys = OFF')
  try {
    return write()
  } finally {
    db.pragma('foreign_keys = ON')
  }
}
