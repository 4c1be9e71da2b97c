import type { RecordField } from '../../../src-shared/permissions'
import {
  isSyncedRecord,
  SYNCED_RECORDS,
  wireFields,
  type PulledRecordChange,
  type RecordChangeWire,
  type RecordRefusal,
  type SyncedRecord,
} from '../../../src-shared/recordsProtocol'
import type { Db } from '../db/connection'

/**
 * The records' side of the team sync: what leaves this workstation (its record_changes
 * rows past the last one the server confirmed, each with the value the record holds
 * when it is sent) and what arrives (the team's other changes, written to the tables
 * directly — they are not this workstation's changes to record or send again).
 */

type Codec = 'text' | 'json' | 'int' | 'bool'
interface TableOf<R extends SyncedRecord> {
  table: string
  columns: { [F in RecordField<R>]: readonly [column: string, codec: Codec] }
}

/** Each synced record's table, and its fields' columns as the field table names them. */
const TABLES: { [R in SyncedRecord]: TableOf<R> } = {
  customer: {
    table: 'customers',
    columns: {
      name: ['name', 'text'],
      wechatId: ['wechat_id', 'text'],
      phones: ['phones', 'json'],
      addresses: ['addresses', 'json'],
      tags: ['tags', 'json'],
      relClass: ['rel_class', 'text'],
      segment: ['segment', 'text'],
      ownerMemberId: ['owner_member_id', 'text'],
      notes: ['notes', 'text'],
    },
  },
  product: {
    table: 'products',
    columns: {
      sku: ['sku', 'text'],
      name: ['name', 'text'],
      brand: ['brand', 'text'],
      category: ['category', 'text'],
      images: ['images', 'json'],
      facts: ['facts', 'text'],
      listPriceFen: ['list_price_fen', 'int'],
      salePriceFen: ['sale_price_fen', 'int'],
      priceFloorFen: ['price_floor_fen', 'int'],
      stock: ['stock', 'int'],
      active: ['active', 'bool'],
      commissionBp: ['commission_bp', 'int'],
      mentorCommissionBp: ['mentor_commission_bp', 'int'],
    },
  },
  member: {
    table: 'members',
    columns: {
      name: ['name', 'text'],
      wechatId: ['wechat_id', 'text'],
      phone: ['phone', 'text'],
      inviteCode: ['invite_code', 'text'],
      mentorId: ['mentor_id', 'text'],
      level: ['level', 'int'],
      joinDate: ['join_date', 'text'],
      status: ['status', 'text'],
      feePaidFen: ['fee_paid_fen', 'int'],
    },
  },
  group: {
    table: 'groups',
    columns: {
      name: ['name', 'text'],
      ownerMemberId: ['owner_member_id', 'text'],
      theme: ['theme', 'text'],
      notes: ['notes', 'text'],
      massSendAllowance: ['mass_send_allowance', 'int'],
    },
  },
}

const columnOf = (record: SyncedRecord, field: string): readonly [string, Codec] => (TABLES[record].columns as Record<string, readonly [string, Codec]>)[field]

const decode = (codec: Codec, raw: unknown): unknown =>
  raw === null || raw === undefined ? null : codec === 'json' ? JSON.parse(raw as string) : codec === 'bool' ? raw === 1 : raw

/** A value from the team as the column stores it, or undefined when it is not a value of that column. */
function encode(codec: Codec, value: unknown): unknown {
  if (codec === 'json') return Array.isArray(value) ? JSON.stringify(value) : undefined
  if (codec === 'bool') return typeof value === 'boolean' ? (value ? 1 : 0) : undefined
  if (codec === 'int') return Number.isSafeInteger(value) ? value : undefined
  return value === null || typeof value === 'string' ? value : undefined
}

/** The records' wire fields as this workstation holds them now, by id (absent: deleted since). */
export function readRecords(db: Db, record: SyncedRecord, ids: string[]): Map<string, Record<string, unknown>> {
  const { table } = TABLES[record]
  const fields = wireFields(record)
  const columns = fields.map((f) => columnOf(record, f)[0])
  const rows = db.prepare(`SELECT id, ${columns.join(', ')} FROM ${table} WHERE id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(ids)) as Record<string, unknown>[]
  return new Map(rows.map((r) => [r.id as string, Object.fromEntries(fields.map((f) => [f, decode(columnOf(record, f)[1], r[columnOf(record, f)[0]])]))]))
}

// ---------------------------------------------------------------- the outbox
export interface RecordsOutbox {
  /** What to send, in this workstation's order. */
  changes: RecordChangeWire[]
  /** The last record_changes row the batch covers (rows with nothing to send are covered too). */
  upTo: number
}

interface ChangeRow {
  seq: number
  tx_id: string
  record: string
  record_id: string
  op: 'create' | 'update' | 'delete'
  field: string | null
  at: string
  actor_role: string
  actor_name: string | null
  base_seq: number | null
  restores: string | null
}

export const recordsPushed = (db: Db): number => (db.prepare('SELECT records_pushed AS n FROM sync_state WHERE id = 1').get() as { n: number }).n

/** Record changes not yet confirmed by the server (of the records the team shares). */
export function recordsPending(db: Db): number {
  return (
    db
      .prepare(`SELECT count(*) AS n FROM record_changes WHERE seq > ? AND record IN (SELECT value FROM json_each(?))`)
      .get(recordsPushed(db), JSON.stringify(SYNCED_RECORDS)) as { n: number }
  ).n
}

/**
 * The next `limit` rows of the outbox as changes to send. Each carries the value the
 * record holds now (a field changed twice is sent once, with its latest value); a
 * record deleted since sends only its delete.
 */
export function recordsOutbox(db: Db, limit: number): RecordsOutbox {
  const rows = db
    .prepare('SELECT c.*, p.name AS actor_name FROM record_changes c LEFT JOIN profiles p ON p.id = c.actor_id WHERE c.seq > ? ORDER BY c.seq LIMIT ?')
    .all(recordsPushed(db), limit) as ChangeRow[]
  if (!rows.length) return { changes: [], upTo: recordsPushed(db) }
  const upTo = rows[rows.length - 1].seq
  const shared = rows.filter((r) => isSyncedRecord(r.record))
  const held = new Map<string, Map<string, Record<string, unknown>>>()
  for (const record of SYNCED_RECORDS) {
    const ids = [...new Set(shared.filter((r) => r.record === record && r.op !== 'delete').map((r) => r.record_id))]
    if (ids.length) held.set(record, readRecords(db, record, ids))
  }
  const key = (r: ChangeRow) => `${r.record}\u0000${r.record_id}\u0000${r.op}\u0000${r.field ?? ''}`
  const last = new Map(shared.map((r) => [key(r), r.seq]))
  // A field changed twice is sent once, on the oldest base of the two: the team's value
  // pulled between them was kept from the screen by the first, so it was never seen.
  const oldestBase = new Map<string, number | null>()
  const restores = new Map<string, string>()
  for (const r of shared) {
    const k = key(r)
    const seen = oldestBase.get(k)
    oldestBase.set(k, seen === undefined ? r.base_seq : seen === null || r.base_seq === null ? null : Math.min(seen, r.base_seq))
    if (r.restores) restores.set(k, r.restores)
  }
  const changes: RecordChangeWire[] = []
  for (const r of shared) {
    const k = key(r)
    if (last.get(k) !== r.seq) continue
    const record = r.record as SyncedRecord
    const onBase = oldestBase.get(k)
    const base = {
      clientSeq: r.seq,
      txId: r.tx_id,
      record,
      id: r.record_id,
      op: r.op,
      role: r.actor_role,
      at: r.at,
      actor: r.actor_name,
      ...(onBase === null || onBase === undefined ? {} : { base: onBase }),
      ...(restores.has(k) ? { restores: restores.get(k) } : {}),
    }
    if (r.op === 'delete') {
      changes.push({ ...base, field: null, value: null })
      continue
    }
    const now = held.get(record)?.get(r.record_id)
    if (!now) continue
    if (r.op === 'create') changes.push({ ...base, field: null, value: now })
    else if (r.field !== null && Object.hasOwn(now, r.field)) changes.push({ ...base, field: r.field, value: now[r.field] })
  }
  return { changes, upTo }
}

/** The server holds every change up to `upTo` (or refused some, kept with their reasons). */
export function markRecordsPushed(db: Db, upTo: number): void {
  db.prepare('UPDATE sync_state SET records_pushed = max(records_pushed, ?) WHERE id = 1').run(upTo)
}

export function recordRefusals(db: Db, refused: RecordRefusal[], sent: RecordChangeWire[], at: string): void {
  const bySeq = new Map(sent.map((c) => [c.clientSeq, c]))
  const insert = db.prepare(
    `INSERT INTO sync_record_issues (kind, record, record_id, field, op, client_seq, code, reason, at) VALUES ('refused', ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  for (const r of refused) {
    const c = bySeq.get(r.clientSeq)
    if (c) insert.run(c.record, c.id, c.field, c.op, c.clientSeq, r.code, r.reason, at)
  }
}

// ---------------------------------------------------------------- applying the team's changes
export interface AppliedRecords {
  applied: number
  /** Changes this workstation could not take as they are (kept in sync_record_issues with why). */
  notApplied: number
  /** Fields kept as they are here because a change made here is still waiting to be sent (it will win later in server order). */
  keptLocal: number
}

class NotApplied extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/**
 * Writes the team's changes to the tables, in server order, in the caller's transaction.
 * A field changed here and not yet pushed keeps its local value. A change this studio
 * cannot take (its natural key — a phone, a SKU, an invite code — belongs to another
 * record here, it names a record unknown here, a value of the wrong kind) is skipped
 * alone and recorded with its reason; the rest is applied.
 */
export function applyPulledRecords(db: Db, changes: PulledRecordChange[], at: string): AppliedRecords {
  const result: AppliedRecords = { applied: 0, notApplied: 0, keptLocal: 0 }
  const pushed = recordsPushed(db)
  const pending = db.prepare(
    `SELECT field FROM record_changes WHERE seq > ? AND record = ? AND record_id = ? AND (field IS NULL OR field = ?) LIMIT 1`,
  )
  const issue = db.prepare(
    `INSERT INTO sync_record_issues (kind, record, record_id, field, op, server_seq, device_id, code, reason, value_json, at)
     VALUES ('not_applied', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const localPending = (c: PulledRecordChange, field: string | null) => pending.get(pushed, c.record, c.id, field) !== undefined
  for (const c of changes) {
    try {
      const kept = db.transaction(() => applyOne(db, c, at, localPending))()
      result.applied++
      result.keptLocal += kept
    } catch (err) {
      const e = err instanceof NotApplied ? err : notAppliedOf(err)
      if (!e) throw err
      issue.run(c.record, c.id, c.field, c.op, c.seq, c.deviceId, e.code, e.message, null, at)
      result.notApplied++
    }
  }
  return result
}

/** A constraint of this studio's tables (a unique phone, SKU or invite code; a reference) refused the write. */
function notAppliedOf(err: unknown): NotApplied | null {
  const code = (err as { code?: unknown })?.code
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return new NotApplied(
      'duplicate_key',
      '此工作站已有另一条记录使用相同的手机号、微信号、SKU 或邀请码，这条变更没有应用 / another record here holds the same phone, WeChat id, SKU or invite code: the change was not applied',
    )
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    return new NotApplied('unknown_reference', '变更引用了此工作站没有的记录，没有应用 / the change names a record this workstation does not hold: it was not applied')
  }
  if (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT')) {
    return new NotApplied('invalid_value', '变更的值不符合此工作站的规则，没有应用 / a value of the change breaks this workstation’s rules: it was not applied')
  }
  return null
}

/** Applies one change; returns how many of its fields stayed local. */
function applyOne(db: Db, c: PulledRecordChange, at: string, localPending: (c: PulledRecordChange, field: string | null) => boolean): number {
  const { table } = TABLES[c.record]
  if (c.op === 'delete') {
    db.prepare(`DELETE FROM ${table} WHERE id = ?`).run(c.id)
    return 0
  }
  const values = c.op === 'create' ? (c.value as Record<string, unknown> | null) : c.field ? { [c.field]: c.value } : null
  if (!values || typeof values !== 'object') throw new NotApplied('invalid_value', '变更没有带值 / the change carries no value')
  const exists = db.prepare(`SELECT 1 FROM ${table} WHERE id = ?`).get(c.id) !== undefined
  let kept = 0
  const set: [column: string, value: unknown][] = []
  for (const [field, value] of Object.entries(values)) {
    if (!(wireFields(c.record) as string[]).includes(field)) continue
    if (exists && localPending(c, field)) {
      kept++
      continue
    }
    const [column, codec] = columnOf(c.record, field)
    const stored = encode(codec, value)
    if (stored === undefined) throw new NotApplied('invalid_value', `字段 ${field} 的值类型不对 / ${field} holds a value of the wrong kind`)
    set.push([column, stored])
  }
  if (!exists) {
    if (c.op !== 'create') return kept
    const columns = [...set.map((s) => s[0]), 'created_at', 'updated_at']
    db.prepare(`INSERT INTO ${table} (id, ${columns.join(', ')}) VALUES (?, ${columns.map(() => '?').join(', ')})`).run(c.id, ...set.map((s) => s[1]), at, at)
  } else if (set.length) {
    db.prepare(`UPDATE ${table} SET ${set.map((s) => `${s[0]} = ?`).join(', ')}, updated_at = ? WHERE id = ?`).run(...set.map((s) => s[1]), at, c.id)
  }
  if (c.record === 'customer') refreshCustomerIndexes(db, c.id)
  return kept
}

/**
 * Writes one field of a synced record as the team held it (a conflict's earlier value put
 * back). Only the column: the caller records the change through the one write path in the
 * same transaction. Returns false when the value is not one of the field's kind.
 */
export function writeRecordField(db: Db, record: SyncedRecord, id: string, field: string, value: unknown, at: string): boolean {
  if (!(wireFields(record) as string[]).includes(field)) return false
  const [column, codec] = columnOf(record, field)
  const stored = encode(codec, value)
  if (stored === undefined) return false
  db.prepare(`UPDATE ${TABLES[record].table} SET ${column} = ?, updated_at = ? WHERE id = ?`).run(stored, at, id)
  if (record === 'customer') refreshCustomerIndexes(db, id)
  return true
}

/** A customer's phones and tags are looked up through their own tables: kept equal to the record's. */
function refreshCustomerIndexes(db: Db, id: string): void {
  db.prepare('DELETE FROM customer_phones WHERE customer_id = ?').run(id)
  db.prepare('DELETE FROM customer_tags WHERE customer_id = ?').run(id)
  db.prepare('INSERT INTO customer_phones (phone, customer_id) SELECT DISTINCT j.value, c.id FROM customers c, json_each(c.phones) j WHERE c.id = ?').run(id)
  db.prepare('INSERT OR IGNORE INTO customer_tags (tag, customer_id) SELECT j.value, c.id FROM customers c, json_each(c.tags) j WHERE c.id = ?').run(id)
}

// ---------------------------------------------------------------- state
export const recordsCursor = (db: Db): number => (db.prepare('SELECT records_cursor AS n FROM sync_state WHERE id = 1').get() as { n: number }).n

export function saveRecordsCursor(db: Db, cursor: number): void {
  db.prepare('UPDATE sync_state SET records_cursor = ? WHERE id = 1').run(cursor)
}

/** A server this workstation has not spoken with (enrolment, reset, restore): every change is offered again and pulled from the start. */
export function restartRecordsSync(db: Db): void {
  db.prepare(
    `UPDATE sync_state SET records_pushed = 0, records_cursor = 0, records_snapshot_at = NULL, records_snapshot_record = NULL,
       records_snapshot_after = NULL, records_snapshot_done = 0, records_snapshot_total = 0, records_snapshot_taken = 0 WHERE id = 1`,
  ).run()
}

export interface RecordIssue {
  kind: 'not_applied' | 'refused'
  record: string
  recordId: string
  field: string | null
  op: string
  code: string
  reason: string
  at: string
}

export const recordIssueCount = (db: Db): number => (db.prepare('SELECT count(*) AS n FROM sync_record_issues').get() as { n: number }).n

export function listRecordIssues(db: Db): RecordIssue[] {
  const rows = db.prepare('SELECT * FROM sync_record_issues ORDER BY id DESC LIMIT 500').all() as {
    kind: RecordIssue['kind']
    record: string
    record_id: string
    field: string | null
    op: string
    code: string
    reason: string
    at: string
  }[]
  return rows.map((r) => ({ kind: r.kind, record: r.record, recordId: r.record_id, field: r.field, op: r.op, code: r.code, reason: r.reason, at: r.at }))
}

/**
 * A synced record's table and its wire fields' columns, each with the encoder the team's
 * values go through: for writing whole records in bulk (core/records/snapshot.ts).
 */
export function recordColumns(record: SyncedRecord): { table: string; fields: { field: string; column: string; encode(value: unknown): unknown }[] } {
  return {
    table: TABLES[record].table,
    fields: wireFields(record).map((field) => {
      const [column, codec] = columnOf(record, field)
      return { field, column, encode: (value: unknown) => encode(codec, value) }
    }),
  }
}
