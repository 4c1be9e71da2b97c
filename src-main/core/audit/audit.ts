import type Database from 'better-sqlite3'
import { createHash } from 'node:crypto'
import type { AuditKind, AuditRecord, AuditVerification } from '../../../src-shared/contracts/lifecycle'
import type { ActorRole } from '../../../src-shared/roles'
import type { CoreContext } from '../context'
import type { Db } from '../db/connection'
import { newId } from '../ids'
import { workstationId } from '../workstation'
import { readLifecycleSetting, writeLifecycleSetting } from '../db/lifecycleSettings'

export const GENESIS_HASH = '0'.repeat(64)

export interface Actor {
  id: string | null
  name: string
  role: ActorRole
}

/** Who acts for the core: the signed-in profile, or the system (CLI, scheduled work, no profile yet). */
export function actorOf(ctx: CoreContext): Actor {
  const s = ctx.session
  if (!s.role || s.role === 'system') return { id: null, name: s.name ?? '系统 / system', role: 'system' }
  return { id: s.profileId, name: s.name ?? s.role, role: s.role }
}

export const SYSTEM_ACTOR: Actor = { id: null, name: '系统 / system', role: 'system' }

/**
 * JSON with object keys sorted at every level, so the same record always hashes the same
 * way whatever order its fields were written in.
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null'
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
}

interface AuditRow {
  seq: number
  id: string
  at: string
  actor_id: string | null
  actor_name: string
  actor_role: string
  kind: string
  entity: string
  entity_id: string | null
  summary: string
  before_json: string | null
  after_json: string | null
  prev_hash: string
  hash: string
  /** The workstation that made the record; null on records written before it was kept. */
  workstation: string | null
}

/**
 * The part of a record its hash covers — everything but the hashes themselves — as canonical
 * JSON (keys sorted). before/after are stored as canonical JSON already, so they go in as
 * stored: any change to their text, even one JSON would not notice, breaks the hash.
 */
function hashedBody(r: AuditRow): string {
  const s = JSON.stringify
  return (
    `{"actorId":${s(r.actor_id)},"actorName":${s(r.actor_name)},"actorRole":${s(r.actor_role)},"after":${r.after_json ?? 'null'},` +
    `"at":${s(r.at)},"before":${r.before_json ?? 'null'},"entity":${s(r.entity)},"entityId":${s(r.entity_id)},"id":${s(r.id)},` +
    `"kind":${s(r.kind)},"seq":${s(r.seq)},"summary":${s(r.summary)}` +
    // Records from before workstations were kept hash as they always did.
    `${r.workstation === null || r.workstation === undefined ? '' : `,"workstation":${s(r.workstation)}`}}`
  )
}

export function recordHash(prevHash: string, row: AuditRow): string {
  return createHash('sha256').update(prevHash).update(hashedBody(row)).digest('hex')
}

export interface AuditEntry {
  kind: AuditKind
  entity: string
  entityId: string | null
  summary: string
  before?: unknown
  after?: unknown
}

const statements = new WeakMap<Db, { last: Statement; insert: Statement }>()
type Statement = Database.Statement<unknown[]>

/** Prepared once per connection: a rule round appends thousands of records. */
function auditStatements(db: Db) {
  let s = statements.get(db)
  if (!s) {
    s = {
      last: db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1'),
      insert: db.prepare(
        `INSERT INTO audit_log (seq, id, at, actor_id, actor_name, actor_role, kind, entity, entity_id, summary, before_json, after_json, prev_hash, hash, workstation)
         VALUES (@seq, @id, @at, @actor_id, @actor_name, @actor_role, @kind, @entity, @entity_id, @summary, @before_json, @after_json, @prev_hash, @hash, @workstation)`,
      ),
    }
    statements.set(db, s)
  }
  return s
}

/**
 * Appends one record to the chain. Call inside the transaction of the change it records,
 * so a change and its audit record are committed together or not at all.
 */
export function appendAudit(db: Db, actor: Actor, entry: AuditEntry, at: Date): AuditRecord {
  const st = auditStatements(db)
  const last = st.last.get() as { seq: number; hash: string } | undefined
  const row = auditRow(last, actor, entry, at, workstationId(db))
  st.insert.run(row)
  // The head lives apart from the log, so cutting records off the end is noticed too.
  writeLifecycleSetting(db, 'audit_head', { seq: row.seq, hash: row.hash })
  return {
    ...toRecord({ ...row, before_json: null, after_json: null }),
    before: entry.before ?? null,
    after: entry.after ?? null,
  }
}

/**
 * Appends many records in one transaction (a rule round proposes thousands): the chain's
 * end is read once and carried forward, and the head is written once when the batch ends.
 * Use only inside a transaction that nothing else appends to meanwhile (writes are serial).
 */
export class AuditBatch {
  private last: { seq: number; hash: string } | undefined
  private readonly insert: Statement
  private readonly workstation: string
  constructor(private readonly db: Db) {
    const st = auditStatements(db)
    this.workstation = workstationId(db)
    this.last = st.last.get() as { seq: number; hash: string } | undefined
    this.insert = st.insert
  }
  append(actor: Actor, entry: AuditEntry, at: Date): void {
    const row = auditRow(this.last, actor, entry, at, this.workstation)
    this.insert.run(row)
    this.last = { seq: row.seq, hash: row.hash }
  }
  end(): void {
    if (this.last) writeLifecycleSetting(this.db, 'audit_head', this.last)
  }
}

function auditRow(last: { seq: number; hash: string } | undefined, actor: Actor, entry: AuditEntry, at: Date, workstation: string): AuditRow {
  const row: AuditRow = {
    seq: (last?.seq ?? 0) + 1,
    id: newId(),
    at: at.toISOString(),
    actor_id: actor.id,
    actor_name: actor.name,
    actor_role: actor.role,
    kind: entry.kind,
    entity: entry.entity,
    entity_id: entry.entityId,
    summary: entry.summary,
    before_json: entry.before === undefined || entry.before === null ? null : canonicalJson(entry.before),
    after_json: entry.after === undefined || entry.after === null ? null : canonicalJson(entry.after),
    prev_hash: last?.hash ?? GENESIS_HASH,
    hash: '',
    workstation,
  }
  row.hash = recordHash(row.prev_hash, row)
  return row
}


function toRecord(r: AuditRow): AuditRecord {
  return {
    id: r.id,
    seq: r.seq,
    at: r.at,
    actorId: r.actor_id,
    actorName: r.actor_name,
    actorRole: r.actor_role as AuditRecord['actorRole'],
    kind: r.kind as AuditKind,
    entity: r.entity,
    entityId: r.entity_id,
    summary: r.summary,
    before: r.before_json === null ? null : JSON.parse(r.before_json),
    after: r.after_json === null ? null : JSON.parse(r.after_json),
    prevHash: r.prev_hash,
    hash: r.hash,
    workstation: r.workstation ?? null,
  }
}

/**
 * Walks the chain from the first record and reports the first one that does not hold:
 * a record whose content no longer matches its hash (edited), a link to the previous
 * hash that does not match (a record removed or replaced), a gap in the sequence, or a
 * chain whose end is not the head written with the last record (records cut off).
 */
export function verifyAudit(db: Db, now: Date): AuditVerification {
  const started = performance.now()
  let prev = GENESIS_HASH
  let expectedSeq = 1
  let count = 0
  let firstBroken: AuditVerification['firstBroken'] = null
  for (const r of db.prepare('SELECT * FROM audit_log ORDER BY seq').iterate() as IterableIterator<AuditRow>) {
    count++
    if (firstBroken) continue
    if (r.seq !== expectedSeq) {
      firstBroken = {
        id: r.id,
        seq: r.seq,
        reason: 'sequence_gap',
        expected: String(expectedSeq),
        actual: String(r.seq),
        message: `第 ${expectedSeq} 条记录缺失（下一条是第 ${r.seq} 条）/ record ${expectedSeq} is missing (next is ${r.seq})`,
      }
      continue
    }
    if (r.prev_hash !== prev) {
      firstBroken = {
        id: r.id,
        seq: r.seq,
        reason: 'link_mismatch',
        expected: prev,
        actual: r.prev_hash,
        message: `第 ${r.seq} 条记录与上一条的链接不符 / record ${r.seq} does not link to the record before it`,
      }
      continue
    }
    let actual: string
    try {
      actual = recordHash(r.prev_hash, r)
    } catch {
      actual = 'unreadable'
    }
    if (actual !== r.hash) {
      firstBroken = {
        id: r.id,
        seq: r.seq,
        reason: 'hash_mismatch',
        expected: r.hash,
        actual,
        message: `第 ${r.seq} 条记录的内容已被改动（哈希不符）/ record ${r.seq} was altered: its content no longer matches its hash`,
      }
      continue
    }
    prev = r.hash
    expectedSeq++
  }
  const head = readLifecycleSetting<{ seq: number; hash: string }>(db, 'audit_head')
  if (!firstBroken && head && (head.seq !== count || head.hash !== prev)) {
    firstBroken = {
      id: '',
      seq: count + 1,
      reason: 'head_mismatch',
      expected: `${head.seq}:${head.hash}`,
      actual: `${count}:${prev}`,
      message: `日志末尾的记录不见了：应有 ${head.seq} 条，实有 ${count} 条 / records were cut off the end: ${head.seq} expected, ${count} found`,
    }
  }
  return {
    intact: firstBroken === null,
    records: count,
    firstBroken,
    headHash: count > 0 ? prev : null,
    checkedAt: now.toISOString(),
    durationMs: performance.now() - started,
  }
}

export interface AuditFilter {
  from?: string
  to?: string
  kinds?: string[]
  actorId?: string
  entityId?: string
}

/** UTC bounds of a range of studio days. */
export function dayBounds(fromDay: string | undefined, toDay: string | undefined, offset: string): { from?: string; to?: string } {
  const start = (day: string) => new Date(`${day}T00:00:00${offset}`)
  return {
    from: fromDay ? start(fromDay).toISOString() : undefined,
    to: toDay ? new Date(start(toDay).getTime() + 86_400_000).toISOString() : undefined,
  }
}

function where(f: AuditFilter, offset: string): { sql: string; params: unknown[] } {
  const clauses: string[] = []
  const params: unknown[] = []
  const b = dayBounds(f.from, f.to, offset)
  if (b.from) {
    clauses.push('at >= ?')
    params.push(b.from)
  }
  if (b.to) {
    clauses.push('at < ?')
    params.push(b.to)
  }
  if (f.kinds?.length) {
    clauses.push(`kind IN (${f.kinds.map(() => '?').join(',')})`)
    params.push(...f.kinds)
  }
  if (f.actorId) {
    clauses.push('actor_id = ?')
    params.push(f.actorId)
  }
  if (f.entityId) {
    clauses.push('entity_id = ?')
    params.push(f.entityId)
  }
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params }
}

export function listAudit(db: Db, f: AuditFilter & { offset: number; limit: number }, offset: string): { rows: AuditRecord[]; total: number } {
  const w = where(f, offset)
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM audit_log ${w.sql}`).get(...w.params) as { n: number }).n
  const rows = db.prepare(`SELECT * FROM audit_log ${w.sql} ORDER BY seq DESC LIMIT ? OFFSET ?`).all(...w.params, f.limit, f.offset) as AuditRow[]
  return { rows: rows.map(toRecord), total }
}

/** Oldest first, for exports. */
export function auditPeriod(db: Db, f: AuditFilter, offset: string): AuditRecord[] {
  const w = where(f, offset)
  return (db.prepare(`SELECT * FROM audit_log ${w.sql} ORDER BY seq`).all(...w.params) as AuditRow[]).map(toRecord)
}

/**
 * Empties the log for a new studio. The triggers refuse deletes, so they are dropped and
 * created again inside the caller's transaction: nothing else can slip in between.
 */
export function clearAudit(db: Db): void {
  db.exec(`DROP TRIGGER IF EXISTS audit_log_no_delete;
    DELETE FROM audit_log;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN
      SELECT RAISE(ABORT, 'audit_log is append-only');
    END;`)
  db.prepare("DELETE FROM lifecycle_settings WHERE key = 'audit_head'").run()
}
