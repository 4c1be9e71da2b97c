import { isDeepStrictEqual } from 'node:util'
import type { z } from 'zod'
import type { SyncRecordIssue } from '../../../src-shared/contracts/sync'
import { RECORD_FIELDS, type FieldRule, type SharedField } from '../../../src-shared/permissions'
import {
  IMMUTABLE_RECORDS,
  isDeltaField,
  isSetField,
  isSyncedRecord,
  SHARED_IDS,
  SYNCED_RECORDS,
  wireFields,
  type PulledRecordChange,
  type RecordChangeWire,
  type RecordMerged,
  type RecordRefusal,
  type SyncedRecord,
} from '../../../src-shared/recordsProtocol'
import type { Db } from '../db/connection'
import { CUSTOMERS, indexCustomerLists } from '../db/tables/customers'
import { GROUPS } from '../db/tables/groups'
import { COMMISSION_SCHEME_VERSIONS, COMMISSION_SCHEMES } from '../db/tables/ledger'
import { BUYER_PHOTOS, COPY_TEMPLATES, FORBIDDEN_CLAIMS, POSTER_TEMPLATES, PRICE_COMPARISONS } from '../db/tables/materials'
import { APPEALS, CARE_PLANS, RULE_ACTIONS, RULES } from '../db/tables/lifecycle'
import { MEMBERS } from '../db/tables/members'
import { ORDERS } from '../db/tables/orders'
import { PRODUCTS } from '../db/tables/products'
import { SYNC_RECORD_ISSUES, toSyncRecordIssue, type OutboxChangeRow as ChangeRow, type SyncRecordIssueRow } from '../db/tables/sync'
import { insertNumberedRow, syncColumns } from '../db/tables/table'
import { ORDER_LINES_SQL, OrderLinesWire, orderApplied, pulledOrder, writeOrderLines, type OrderLineWire } from './orders'
import { mergedIntoOf, takeTeamMerge, takeTeamUndo } from './customerMerges'
import { versionNotCompliant } from './schemeCompliance'
import { repostWithTeamVersion } from './teamVersions'
import { ACTION_EVENTS_SQL, ActionEventsWire, CARE_STEPS_SQL, CareStepsWire, writeActionEvents, writeCareSteps, type CareStepWire } from './lifecycleRows'

/**
 * The records' side of the team sync: what leaves this workstation (its record_changes
 * rows past the last one the server confirmed, each with the value the record holds
 * when it is sent) and what arrives (the team's other changes, written to the tables
 * directly — they are not this workstation's changes to record or send again).
 */

/**
 * `lines`: an order's lines, read from and written to order_lines (core/records/orders.ts);
 * `steps`, `events`: a care plan's steps, a proposal's counted events (core/records/lifecycleRows.ts).
 * `proposed`, `open`: a decision held in a status column, null while it waits (that value).
 * `object`: a structure kept as JSON (a poster template's layout).
 */
type Codec = 'text' | 'json' | 'int' | 'bool' | 'lines' | 'steps' | 'events' | 'proposed' | 'open' | 'object'
type ChildCodec = 'lines' | 'steps' | 'events'
/** Fields kept in rows of their own, each with how it is read (SQL on the record's row), checked and written. */
const CHILDREN: Record<ChildCodec, { sql: string; wire: z.ZodType<unknown>; write(db: Db, id: string, rows: unknown): void }> = {
  lines: { sql: ORDER_LINES_SQL, wire: OrderLinesWire, write: (db, id, rows) => writeOrderLines(db, id, rows as OrderLineWire[]) },
  steps: { sql: CARE_STEPS_SQL, wire: CareStepsWire, write: (db, id, rows) => writeCareSteps(db, id, rows as CareStepWire[]) },
  events: { sql: ACTION_EVENTS_SQL, wire: ActionEventsWire, write: (db, id, rows) => writeActionEvents(db, id, rows as string[]) },
}
const isChild = (codec: Codec): codec is ChildCodec => Object.hasOwn(CHILDREN, codec)
const isDecision = (codec: Codec): codec is 'proposed' | 'open' => codec === 'proposed' || codec === 'open'
interface TableOf<R extends SyncedRecord> {
  table: string
  columns: { [F in SharedField<R>]: readonly [column: string, codec: Codec] }
}

/**
 * Each synced record's table, and its fields' columns as the field table names them (the
 * tables of the table layer, core/db/tables, give theirs from their one declaration).
 */
const TABLES: { [R in SyncedRecord]: TableOf<R> } = {
  customer: {
    table: CUSTOMERS.name,
    columns: syncColumns(CUSTOMERS),
  },
  product: {
    table: PRODUCTS.name,
    columns: syncColumns(PRODUCTS),
  },
  member: {
    table: MEMBERS.name,
    columns: syncColumns(MEMBERS),
  },
  group: {
    table: GROUPS.name,
    columns: syncColumns(GROUPS),
  },
  order: {
    table: ORDERS.name,
    columns: { ...syncColumns(ORDERS), lines: ['lines', 'lines'] },
  },
  // The settings are kept by key; studio_settings is their one row as a record (migration 0025).
  setting: {
    table: 'studio_settings',
    columns: {
      timezone: ['timezone', 'text'],
      currency: ['currency', 'text'],
      studioName: ['studio_name', 'text'],
      inviteBaseUrl: ['invite_base_url', 'text'],
      activeScheme: ['active_scheme', 'text'],
    },
  },
  carePlan: {
    table: CARE_PLANS.name,
    columns: { ...syncColumns(CARE_PLANS), steps: ['steps', 'steps'] },
  },
  rule: {
    table: RULES.name,
    columns: syncColumns(RULES),
  },
  action: {
    table: RULE_ACTIONS.name,
    columns: { ...syncColumns(RULE_ACTIONS), events: ['events', 'events'], decision: ['status', 'proposed'] },
  },
  appeal: {
    table: APPEALS.name,
    columns: { ...syncColumns(APPEALS), decision: ['status', 'open'] },
  },
  comparison: {
    table: PRICE_COMPARISONS.name,
    columns: syncColumns(PRICE_COMPARISONS),
  },
  forbiddenClaims: {
    table: FORBIDDEN_CLAIMS.name,
    columns: syncColumns(FORBIDDEN_CLAIMS),
  },
  copyTemplate: {
    table: COPY_TEMPLATES.name,
    columns: syncColumns(COPY_TEMPLATES),
  },
  posterTemplate: {
    table: POSTER_TEMPLATES.name,
    columns: syncColumns(POSTER_TEMPLATES),
  },
  // The image is the team's file named by its SHA-256 (core/sync/files.ts brings the bytes).
  buyerPhoto: {
    table: BUYER_PHOTOS.name,
    columns: syncColumns(BUYER_PHOTOS),
  },
  scheme: {
    table: COMMISSION_SCHEMES.name,
    columns: syncColumns(COMMISSION_SCHEMES),
  },
  schemeVersion: {
    table: COMMISSION_SCHEME_VERSIONS.name,
    columns: syncColumns(COMMISSION_SCHEME_VERSIONS),
  },
}

/** Tables whose rows travel themselves (the records', a group's customers) or are a customer's own indexes: a team merge leaves them to their changes. */
const OWN_ROWS_TRAVEL: ReadonlySet<string> = new Set([...Object.values(TABLES).map((t) => t.table), 'group_customers', 'customer_phones', 'customer_tags'])

const columnOf = (record: SyncedRecord, field: string): readonly [string, Codec] => (TABLES[record].columns as Record<string, readonly [string, Codec]>)[field]

const decode = (codec: Codec, raw: unknown): unknown =>
  raw === null || raw === undefined || (isDecision(codec) && raw === codec)
    ? null
    : codec === 'json' || codec === 'object' || isChild(codec)
      ? JSON.parse(raw as string)
      : codec === 'bool'
        ? raw === 1
        : raw

/** A value from the team as the column stores it, or undefined when it is not a value of that column. */
function encode(codec: Codec, value: unknown): unknown {
  if (codec === 'json') return Array.isArray(value) ? JSON.stringify(value) : undefined
  if (codec === 'object') return value !== null && typeof value === 'object' && !Array.isArray(value) ? JSON.stringify(value) : undefined
  if (isChild(codec)) {
    const rows = CHILDREN[codec].wire.safeParse(value)
    return rows.success ? rows.data : undefined
  }
  if (isDecision(codec)) return value === null ? codec : typeof value === 'string' && value !== codec ? value : undefined
  if (codec === 'bool') return typeof value === 'boolean' ? (value ? 1 : 0) : undefined
  if (codec === 'int') return Number.isSafeInteger(value) ? value : undefined
  return value === null || typeof value === 'string' ? value : undefined
}

/** The records' wire fields as this workstation holds them now, by id (absent: deleted since). */
export function readRecords(db: Db, record: SyncedRecord, ids: string[]): Map<string, Record<string, unknown>> {
  const { table } = TABLES[record]
  const fields = wireFields(record)
  const columns = fields.map((f) => {
    const [column, codec] = columnOf(record, f)
    return isChild(codec) ? `${CHILDREN[codec].sql} AS ${column}` : column
  })
  const rows = db.prepare(`SELECT id, ${columns.join(', ')} FROM ${table} WHERE id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(ids)) as Record<string, unknown>[]
  return new Map(rows.map((r) => [r.id as string, Object.fromEntries(fields.map((f) => [f, decode(columnOf(record, f)[1], r[columnOf(record, f)[0]])]))]))
}

// ---------------------------------------------------------------- the outbox
export interface RecordsOutbox {
  /** What to send, in this workstation's order. */
  changes: RecordChangeWire[]
  /** The last record_changes row the batch covers (rows with nothing to send are covered too). */
  upTo: number
  /** Conflicts restored by a change not sent because its record is gone here since: for the team the restore never happened. */
  unsentRestores: string[]
}

export const recordsPushed = (db: Db): number => (db.prepare('SELECT records_pushed AS n FROM sync_state WHERE id = 1').get() as { n: number }).n

/** A workstation's own fields of the shared records (`local` in the field table), as "record.field": recorded here, never sent. */
const LOCAL_FIELDS = SYNCED_RECORDS.flatMap((record) =>
  Object.entries(RECORD_FIELDS[record] as Record<string, FieldRule>)
    .filter(([, rule]) => rule.local)
    .map(([field]) => `${record}.${field}`),
)

/** Record changes not yet confirmed by the server (of the records the team shares, but their workstation's own fields). */
export function recordsPending(db: Db): number {
  return (
    db
      .prepare(
        `SELECT count(*) AS n FROM record_changes WHERE seq > ? AND record IN (SELECT value FROM json_each(?))
            AND (field IS NULL OR record || '.' || field NOT IN (SELECT value FROM json_each(?)))`,
      )
      .get(recordsPushed(db), JSON.stringify(SYNCED_RECORDS), JSON.stringify(LOCAL_FIELDS)) as { n: number }
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
  if (!rows.length) return { changes: [], upTo: recordsPushed(db), unsentRestores: [] }
  const upTo = rows[rows.length - 1].seq
  const shared = rows.filter((r) => isSyncedRecord(r.record))
  const held = new Map<string, Map<string, Record<string, unknown>>>()
  for (const record of SYNCED_RECORDS) {
    const ids = [...new Set(shared.filter((r) => r.record === record && r.op !== 'delete').map((r) => r.record_id))]
    if (ids.length) held.set(record, readRecords(db, record, ids))
  }
  // A move (a set's item, a stock delta) is its own change, never folded into another.
  const key = (r: ChangeRow) => (isMove(r.op) ? `#${r.seq}` : `${r.record}\u0000${r.record_id}\u0000${r.op}\u0000${r.field ?? ''}`)
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
  const unsentRestores: string[] = []
  for (const r of shared) {
    const k = key(r)
    // One change carries one restore: a field whose conflicts were restored one after
    // another sends each earlier restore as a change of its own (with the value held now),
    // so the server marks every one of them restored, not only the last.
    const carried = last.get(k) === r.seq ? restores.get(k) : r.restores && r.restores !== restores.get(k) ? r.restores : undefined
    if (last.get(k) !== r.seq && carried === undefined) continue
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
      ...(carried === undefined ? {} : { restores: carried }),
    }
    if (r.op === 'delete') {
      // A customer merged away names the customer kept: the other workstations move their own rows there.
      changes.push({ ...base, field: null, value: r.value_json === null ? null : JSON.parse(r.value_json) })
      continue
    }
    const now = held.get(record)?.get(r.record_id)
    if (!now) {
      if (carried !== undefined) unsentRestores.push(carried)
      continue
    }
    if (isMove(r.op)) changes.push({ ...base, field: r.field, value: r.value_json === null ? null : JSON.parse(r.value_json) })
    else if (r.op === 'create') changes.push({ ...base, field: null, value: { ...now, ...undoLaterDeltas(db, record, r.record_id, r.seq, now) } })
    else if (r.field !== null && Object.hasOwn(now, r.field)) changes.push({ ...base, field: r.field, value: now[r.field] })
  }
  return { changes, upTo, unsentRestores }
}

const isMove = (op: ChangeRow['op']): op is 'add' | 'remove' | 'delta' => op === 'add' || op === 'remove' || op === 'delta'

/**
 * A create is sent with the record as it is when sent; the stock moves made after it are
 * sent as deltas of their own, so the create carries the stock without them (the server
 * would count them twice).
 */
function undoLaterDeltas(db: Db, record: SyncedRecord, id: string, seq: number, now: Record<string, unknown>): Record<string, unknown> {
  const fields = Object.keys(now).filter((f) => isDeltaField(record, f))
  if (!fields.length) return {}
  const later = db.prepare(`SELECT field, SUM(CAST(value_json AS INTEGER)) AS n FROM record_changes WHERE seq > ? AND record = ? AND record_id = ? AND op = 'delta' GROUP BY field`)
  const moved = new Map((later.all(seq, record, id) as { field: string; n: number }[]).map((r) => [r.field, r.n]))
  return Object.fromEntries(fields.filter((f) => moved.has(f) && Number.isSafeInteger(now[f])).map((f) => [f, (now[f] as number) - moved.get(f)!]))
}

/** The server holds every change up to `upTo` (or refused some, kept with their reasons). */
export function markRecordsPushed(db: Db, upTo: number): void {
  db.prepare('UPDATE sync_state SET records_pushed = max(records_pushed, ?) WHERE id = 1').run(upTo)
}

export function recordRefusals(db: Db, refused: RecordRefusal[], sent: RecordChangeWire[], at: string): void {
  const bySeq = new Map(sent.map((c) => [c.clientSeq, c]))
  for (const r of refused) {
    const c = bySeq.get(r.clientSeq)
    if (!c) continue
    insertNumberedRow(db, SYNC_RECORD_ISSUES, 'id', {
      kind: 'refused',
      record: c.record,
      record_id: c.id,
      field: c.field,
      op: c.op,
      server_seq: null,
      client_seq: c.clientSeq,
      device_id: null,
      code: r.code,
      reason: r.reason,
      value_json: null,
      at,
    })
  }
}

// ---------------------------------------------------------------- applying the team's changes
export interface AppliedRecords {
  applied: number
  /** Changes this workstation could not take as they are (kept in sync_record_issues with why). */
  notApplied: number
  /** Fields kept as they are here because a change made here is still waiting to be sent (it will win later in server order). */
  keptLocal: number
  /** Customers whose orders arrived: their order count, total spent and last purchase are counted again by the caller. */
  buyers: string[]
  /** Records left for the team to merge by natural key (a snapshot's, when `deferDuplicates`). */
  deferred: number
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
export function applyPulledRecords(db: Db, changes: PulledRecordChange[], at: string, options: { deferDuplicates?: boolean } = {}): AppliedRecords {
  const result: AppliedRecords = { applied: 0, notApplied: 0, keptLocal: 0, buyers: [], deferred: 0 }
  const pushed = recordsPushed(db)
  const pending = db.prepare(
    `SELECT field FROM record_changes WHERE seq > ? AND record = ? AND record_id = ? AND (field IS NULL OR field = ?) LIMIT 1`,
  )
  // A record every workstation makes under the same id (SHARED_IDS): its create here is the team's record too, not a reason to keep the team's fields away.
  const pendingField = db.prepare(`SELECT 1 FROM record_changes WHERE seq > ? AND record = ? AND record_id = ? AND field = ? LIMIT 1`)
  const localPending = (c: PulledRecordChange, field: string | null) =>
    (SHARED_IDS.includes(c.record) && field !== null ? pendingField.get(pushed, c.record, c.id, field) : pending.get(pushed, c.record, c.id, field)) !== undefined
  const buyers = new Set<string>()
  for (const c of changes) {
    try {
      const kept = db.transaction(() => applyOne(db, c, at, localPending, buyers))()
      result.applied++
      result.keptLocal += kept
    } catch (err) {
      const e = err instanceof NotApplied ? err : notAppliedOf(err)
      if (!e) throw err
      if (options.deferDuplicates && e.code === 'duplicate_key') {
        result.deferred++
        continue
      }
      insertNumberedRow(db, SYNC_RECORD_ISSUES, 'id', {
        kind: 'not_applied',
        record: c.record,
        record_id: c.id,
        field: c.field,
        op: c.op,
        server_seq: c.seq,
        client_seq: null,
        device_id: c.deviceId,
        code: e.code,
        reason: e.message,
        value_json: null,
        at,
      })
      result.notApplied++
    }
  }
  result.buyers = [...buyers]
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
function applyOne(db: Db, c: PulledRecordChange, at: string, localPending: (c: PulledRecordChange, field: string | null) => boolean, buyers = new Set<string>()): number {
  if (c.record === 'order') c = pulledOrder(db, c, at)
  const { table } = TABLES[c.record]
  if (c.op === 'delete') {
    const into = c.record === 'customer' ? mergedIntoOf(c.value) : null
    if (into) takeTeamMerge(db, OWN_ROWS_TRAVEL, c.id, into, at)
    // A scheme goes with its versions (a refused create undone here: they were refused with it).
    if (c.record === 'scheme') db.prepare('DELETE FROM commission_scheme_versions WHERE scheme_id = ?').run(c.id)
    db.prepare(`DELETE FROM ${table} WHERE id = ?`).run(c.id)
    return 0
  }
  if (c.op === 'add' || c.op === 'remove' || c.op === 'delta' || (c.op === 'update' && isSetField(c.record, c.field))) return applyMove(db, c, at)
  const values = c.op === 'create' ? (c.value as Record<string, unknown> | null) : c.field ? { [c.field]: c.value } : null
  if (!values || typeof values !== 'object') throw new NotApplied('invalid_value', '变更没有带值 / the change carries no value')
  let exists = db.prepare(`SELECT 1 FROM ${table} WHERE id = ?`).get(c.id) !== undefined
  if (exists && c.op === 'create' && IMMUTABLE_RECORDS.includes(c.record) && !localPending(c, null)) {
    // A version is never changed: the team's (a competing one made here refused) takes its place whole.
    const held =
      c.record === 'schemeVersion'
        ? (db.prepare('SELECT scheme_id, version, rules FROM commission_scheme_versions WHERE id = ?').get(c.id) as { scheme_id: string; version: number; rules: string } | undefined)
        : undefined
    db.prepare(`DELETE FROM ${table} WHERE id = ?`).run(c.id)
    exists = false
    // What was posted here with other rules is posted again with the team's.
    if (held && !isDeepStrictEqual(JSON.parse(held.rules), values.rules)) repostWithTeamVersion(db, held.scheme_id, held.version)
  }
  let kept = 0
  const set: [column: string, value: unknown][] = []
  const children: [ChildCodec, unknown][] = []
  for (const [field, value] of Object.entries(values)) {
    if (!(wireFields(c.record) as string[]).includes(field)) continue
    if (exists && localPending(c, field)) {
      kept++
      continue
    }
    const [column, codec] = columnOf(c.record, field)
    const stored = encode(codec, value)
    if (stored === undefined) throw new NotApplied('invalid_value', `字段 ${field} 的值类型不对 / ${field} holds a value of the wrong kind`)
    if (isChild(codec)) children.push([codec, stored])
    else set.push([column, stored])
  }
  if (!exists) {
    if (c.op !== 'create') return kept
    const columns = [...set.map((s) => s[0]), 'created_at', 'updated_at']
    db.prepare(`INSERT INTO ${table} (id, ${columns.join(', ')}) VALUES (?, ${columns.map(() => '?').join(', ')})`).run(c.id, ...set.map((s) => s[1]), at, at)
    // A customer merged away here by the team, back by the merge's undo: this workstation's own rows go back to it.
    if (c.record === 'customer') takeTeamUndo(db, c.id)
  } else if (set.length) {
    db.prepare(`UPDATE ${table} SET ${set.map((s) => `${s[0]} = ?`).join(', ')}, updated_at = ? WHERE id = ?`).run(...set.map((s) => s[1]), at, c.id)
  }
  if (c.record === 'customer') refreshCustomerIndexes(db, c.id)
  // A create as the server holds it now carries the group's customers: the set's own moves follow and agree.
  if (c.op === 'create' && !exists && isSetField(c.record, 'customers') && Array.isArray(values.customers)) {
    writeSet(db, c.record, c.id, 'customers', values.customers as string[], at)
  }
  for (const [codec, rows] of children) CHILDREN[codec].write(db, c.id, rows)
  if (c.record === 'order') {
    const buyer = orderApplied(db, c.id)
    if (buyer) buyers.add(buyer)
  }
  if (c.record === 'schemeVersion') {
    const reason = versionNotCompliant(db, c.id)
    if (reason) throw new NotApplied('scheme_not_compliant', reason)
  }
  return kept
}

/**
 * Inserts a record with the team's values of its fields (a deleted record brought back).
 * Returns why it could not, or null: a natural key another record holds here, a value of
 * the wrong kind.
 */
export function insertRecord(db: Db, record: SyncedRecord, id: string, values: Record<string, unknown>, at: string): 'duplicate_key' | 'invalid_value' | null {
  const set: [string, unknown][] = []
  for (const field of wireFields(record)) {
    if (!Object.hasOwn(values, field)) continue
    const [column, codec] = columnOf(record, field)
    const stored = encode(codec, values[field])
    if (stored === undefined) return 'invalid_value'
    if (!isChild(codec)) set.push([column, stored])
  }
  const columns = [...set.map((s) => s[0]), 'created_at', 'updated_at']
  try {
    db.prepare(`INSERT INTO ${TABLES[record].table} (id, ${columns.join(', ')}) VALUES (?, ${columns.map(() => '?').join(', ')})`).run(id, ...set.map((s) => s[1]), at, at)
  } catch (err) {
    const e = notAppliedOf(err)
    if (!e) throw err
    return e.code === 'duplicate_key' ? 'duplicate_key' : 'invalid_value'
  }
  if (record === 'customer') refreshCustomerIndexes(db, id)
  if (!writeRecordRows(db, record, id, values, at)) return 'invalid_value'
  if (record === 'order') orderApplied(db, id)
  return null
}

/**
 * A set's item added or removed, a stock moved: this workstation takes the set or the sum
 * the server holds (`current`), with its own moves not yet sent on top (they reach the
 * server later and land on it there the same way). Without `current` the move itself is
 * applied to the value held here.
 */
function applyMove(db: Db, c: PulledRecordChange, at: string): number {
  const field = c.field!
  if (!db.prepare(`SELECT 1 FROM ${TABLES[c.record].table} WHERE id = ?`).get(c.id)) return 0
  const own = db
    .prepare(`SELECT op, value_json FROM record_changes WHERE seq > ? AND record = ? AND record_id = ? AND field = ? AND op IN ('add', 'remove', 'delta') ORDER BY seq`)
    .all(recordsPushed(db), c.record, c.id, field) as { op: 'add' | 'remove' | 'delta'; value_json: string | null }[]
  const moves = own.map((m) => ({ op: m.op, value: m.value_json === null ? null : (JSON.parse(m.value_json) as unknown) }))
  if (isDeltaField(c.record, field)) {
    const held = readSetOrSum(db, c.record, c.id, field) as number | null
    let sum = Number.isSafeInteger(c.current) ? (c.current as number) : c.op === 'update' ? (c.value as number) : (held ?? 0) + (c.value as number)
    if (!Number.isSafeInteger(sum)) throw new NotApplied('invalid_value', `字段 ${field} 的值类型不对 / ${field} holds a value of the wrong kind`)
    for (const m of moves) if (m.op === 'delta' && Number.isSafeInteger(m.value)) sum += m.value as number
    writeRecordField(db, c.record, c.id, field, sum, at)
    return own.length ? 1 : 0
  }
  if (!isSetField(c.record, field)) throw new NotApplied('invalid_value', `字段 ${field} 不是集合 / ${field} is not a set`)
  const items = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : null)
  let set = items(c.op === 'update' ? c.value : c.current)
  if (!set) {
    set = items(readSetOrSum(db, c.record, c.id, field)) ?? []
    set = c.op === 'add' ? (set.includes(c.value as string) ? set : [...set, c.value as string]) : set.filter((x) => x !== c.value)
  }
  for (const m of moves) {
    if (typeof m.value !== 'string') continue
    if (m.op === 'remove') set = set.filter((x) => x !== m.value)
    else if (!set.includes(m.value)) set.push(m.value)
  }
  writeSet(db, c.record, c.id, field, set, at)
  return own.length ? 1 : 0
}

/** A set's members (in the order they joined) or a summed field's value, as this workstation holds them. */
function readSetOrSum(db: Db, record: SyncedRecord, id: string, field: string): unknown {
  if (record === 'group' && field === 'customers') {
    return (db.prepare('SELECT customer_id FROM group_customers WHERE group_id = ? ORDER BY joined_at, customer_id').pluck().all(id) as string[])
  }
  return readRecords(db, record, [id]).get(id)?.[field] ?? null
}

/** Writes a set as the team holds it. A group's customers this workstation does not hold (deleted here) are left out. */
function writeSet(db: Db, record: SyncedRecord, id: string, field: string, members: string[], at: string): void {
  if (record === 'group' && field === 'customers') {
    const list = JSON.stringify(members)
    db.prepare('DELETE FROM group_customers WHERE group_id = ? AND customer_id NOT IN (SELECT value FROM json_each(?))').run(id, list)
    db.prepare(
      'INSERT OR IGNORE INTO group_customers (group_id, customer_id, joined_at) SELECT ?, c.id, ? FROM json_each(?) j JOIN customers c ON c.id = j.value',
    ).run(id, at, list)
    return
  }
  if (!writeRecordField(db, record, id, field, members, at)) throw new NotApplied('invalid_value', `字段 ${field} 的值类型不对 / ${field} holds a value of the wrong kind`)
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
  if (isChild(codec)) {
    CHILDREN[codec].write(db, id, stored)
    db.prepare(`UPDATE ${TABLES[record].table} SET updated_at = ? WHERE id = ?`).run(at, id)
    return true
  }
  db.prepare(`UPDATE ${TABLES[record].table} SET ${column} = ?, updated_at = ? WHERE id = ?`).run(stored, at, id)
  if (record === 'customer') refreshCustomerIndexes(db, id)
  return true
}

/** A customer's phones and tags are looked up through their own tables: kept equal to the record's. */
const refreshCustomerIndexes = (db: Db, id: string): void => indexCustomerLists(db, { ids: [id], replace: true })

// ---------------------------------------------------------------- records made before enrolment

const blankValue = (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)

/**
 * Creates of this workstation the team already held by natural key (two operators imported
 * the same sheet before the server existed): each becomes the team's record here, in the
 * caller's transaction. Every row of this studio that points at it — orders, group
 * memberships, tags, phones, follow-ups, tasks, a mentee's mentor — points at the team's id
 * instead, and so do the changes of it not yet sent. Where this workstation held another
 * value of a field, that value is sent as a change of the team's record (the server keeps
 * the team's value as a conflict, nothing is lost); a set gains the items only one side
 * had; the stock is the team's. A field only the team filled takes the team's value.
 */
export function adoptMergedRecords(db: Db, merged: RecordMerged[], at: string): void {
  if (!merged.length) return
  db.pragma('defer_foreign_keys = ON')
  const pushed = recordsPushed(db)
  for (const m of merged) {
    const { table } = TABLES[m.record]
    if (!db.prepare(`SELECT 1 FROM ${table} WHERE id = ?`).get(m.id)) continue
    const origin = db.prepare('SELECT tx_id, actor_id, actor_role, workstation, source FROM record_changes WHERE seq = ?').get(m.clientSeq) as
      | { tx_id: string; actor_id: string | null; actor_role: string; workstation: string; source: string }
      | undefined
    if (db.prepare(`SELECT 1 FROM ${table} WHERE id = ?`).get(m.into)) {
      repointReferences(db, table, m.id, m.into, at)
      db.prepare(`DELETE FROM ${table} WHERE id = ?`).run(m.id)
    } else {
      db.prepare(`UPDATE ${table} SET id = ? WHERE id = ?`).run(m.into, m.id)
      repointReferences(db, table, m.id, m.into, at)
    }
    db.prepare('UPDATE record_changes SET record_id = ? WHERE seq > ? AND record = ? AND record_id = ?').run(m.into, pushed, m.record, m.id)
    if (m.record === 'customer') {
      db.prepare(`UPDATE record_changes SET value_json = ? WHERE seq > ? AND record = 'group' AND field = 'customers' AND value_json = ?`).run(JSON.stringify(m.into), pushed, JSON.stringify(m.id))
    }
    const here = readRecords(db, m.record, [m.into]).get(m.into)
    if (!here) continue
    const change = db.prepare(
      `INSERT INTO record_changes (tx_id, record, record_id, op, field, at, actor_id, actor_role, workstation, source, base_seq, value_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)`,
    )
    const row = (op: 'update' | 'add', field: string, value?: unknown) =>
      change.run(origin?.tx_id ?? m.id, m.record, m.into, op, field, at, origin?.actor_id ?? null, origin?.actor_role ?? 'system', origin?.workstation ?? '', origin?.source ?? 'import', value === undefined ? null : JSON.stringify(value))
    for (const field of wireFields(m.record)) {
      const team = m.fields[field]
      const mine = here[field]
      if (isDeepStrictEqual(team, mine) || !Object.hasOwn(m.fields, field)) continue
      if (isSetField(m.record, field)) {
        const teamItems = Array.isArray(team) ? team.filter((x): x is string => typeof x === 'string') : []
        const extra = (Array.isArray(mine) ? mine : []).filter((x): x is string => typeof x === 'string' && !teamItems.includes(x))
        for (const item of extra) row('add', field, item)
        writeRecordField(db, m.record, m.into, field, [...teamItems, ...extra], at)
      } else if (isDeltaField(m.record, field) || blankValue(mine)) {
        writeRecordField(db, m.record, m.into, field, team, at)
      } else if (!blankValue(team) || !blankValue(mine)) {
        row('update', field)
      }
    }
  }
}

/**
 * Columns that name a record of `table` without a foreign key (their rows outlive it, or
 * the column names one of several kinds): a proposal's member, a care task's member owner,
 * the ledger's order of an entry and of what was posted for it, an order's other numbers.
 */
const SOFT_REFERENCES: Readonly<Record<string, readonly { table: string; column: string; where?: string }[]>> = {
  members: [{ table: 'rule_actions', column: 'member_id' }, { table: 'care_tasks', column: 'owner_id', where: "owner_kind = 'member'" }],
  orders: [
    { table: 'ledger_entries', column: 'order_id' },
    { table: 'ledger_posted_orders', column: 'order_id' },
    { table: 'order_aliases', column: 'order_id' },
  ],
}

/**
 * Every column of this studio that points at `table`'s record `from`, pointed at `to` (a row
 * that would then be there twice gives way). A shared record whose field changed so is sent
 * again with it, as the change of whoever last changed that record here: the team may hold it
 * with `from`, an id only this workstation ever had (another of its records that went to the
 * team in the same batch, say a proposal for a member the team already held).
 */
function repointReferences(db: Db, table: string, from: string, to: string, at: string): void {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[]
  const references = [
    ...tables.flatMap((t) => (db.prepare(`SELECT "from" AS col FROM pragma_foreign_key_list(?) WHERE "table" = ?`).all(t, table) as { col: string }[]).map((fk) => ({ table: t, column: fk.col, where: undefined }))),
    ...(SOFT_REFERENCES[table] ?? []),
  ]
  for (const r of references) {
    const where = `"${r.column}" = ?${r.where ? ` AND ${r.where}` : ''}`
    const field = sharedFieldOf(r.table, r.column)
    const moved = db.prepare(`UPDATE OR IGNORE "${r.table}" SET "${r.column}" = ? WHERE ${where}${field ? ' RETURNING id' : ''}`)
    if (field) for (const { id } of moved.all(to, from) as { id: string }[]) sendAgain(db, field.record, id, field.field, at)
    else moved.run(to, from)
    db.prepare(`DELETE FROM "${r.table}" WHERE ${where}`).run(from)
  }
}

/** The synced record and its field a table's column holds, if it is one (a reference: never a child's rows). */
function sharedFieldOf(table: string, column: string): { record: SyncedRecord; field: string } | null {
  for (const record of SYNCED_RECORDS) {
    if (TABLES[record].table !== table) continue
    const entry = Object.entries(TABLES[record].columns as Record<string, readonly [string, Codec]>).find(([, [c, codec]]) => c === column && codec === 'text')
    return entry ? { record, field: entry[0] } : null
  }
  return null
}

/** A change of `field` of a record this workstation holds, queued as the last change made of it here was (its value is read when it is sent). */
function sendAgain(db: Db, record: SyncedRecord, id: string, field: string, at: string): void {
  const origin = db.prepare('SELECT tx_id, actor_id, actor_role, workstation, source FROM record_changes WHERE record = ? AND record_id = ? ORDER BY seq DESC LIMIT 1').get(record, id) as
    | { tx_id: string; actor_id: string | null; actor_role: string; workstation: string; source: string }
    | undefined
  // A record only ever pulled here is the team's: the team points it at the record it kept.
  if (!origin) return
  db.prepare(
    `INSERT INTO record_changes (tx_id, record, record_id, op, field, at, actor_id, actor_role, workstation, source, base_seq) VALUES (?, ?, ?, 'update', ?, ?, ?, ?, ?, ?, 0)`,
  ).run(origin.tx_id, record, id, field, at, origin.actor_id, origin.actor_role, origin.workstation, origin.source)
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

export const recordIssueCount = (db: Db): number => (db.prepare('SELECT count(*) AS n FROM sync_record_issues').get() as { n: number }).n

export function listRecordIssues(db: Db): SyncRecordIssue[] {
  return (db.prepare('SELECT * FROM sync_record_issues ORDER BY id DESC LIMIT 500').all() as SyncRecordIssueRow[]).map(toSyncRecordIssue)
}

/**
 * A synced record's table and its wire fields' columns, each with the encoder the team's
 * values go through: for writing whole records in bulk (core/records/snapshot.ts).
 */
export function recordColumns(record: SyncedRecord): { table: string; fields: { field: string; column: string; encode(value: unknown): unknown }[] } {
  return {
    table: TABLES[record].table,
    // An order's lines (a plan's steps, a proposal's events) live in their own table: written by writeRecordRows once the record is in.
    fields: wireFields(record)
      .filter((field) => !isChild(columnOf(record, field)[1]))
      .map((field) => {
        const [column, codec] = columnOf(record, field)
        return { field, column, encode: (value: unknown) => encode(codec, value) }
      }),
  }
}

/**
 * What a whole record holds outside its own row, written once the row is in: an order's
 * lines, a group's customers. Returns false when a value is not one of its field's kind.
 */
export function writeRecordRows(db: Db, record: SyncedRecord, id: string, values: Record<string, unknown>, at: string): boolean {
  for (const field of wireFields(record)) {
    const codec = columnOf(record, field)[1]
    if (!isChild(codec) || !Object.hasOwn(values, field)) continue
    const rows = encode(codec, values[field])
    if (rows === undefined) return false
    CHILDREN[codec].write(db, id, rows)
  }
  if (isSetField(record, 'customers') && Array.isArray(values.customers)) writeSet(db, record, id, 'customers', values.customers as string[], at)
  return true
}
