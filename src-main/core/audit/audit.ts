import { auditRecordHash, canonicalJson, chainRecord, ChainWalker, GENESIS_HASH } from '../../../src-shared/auditChain'
import type { AuditKind, AuditRecord, AuditVerification } from '../../../src-shared/contracts/lifecycle'
import type { ActorRole } from '../../../src-shared/roles'
import type { CoreContext } from '../context'
import { prepared, type Db } from '../db/connection'
import { AUDIT_LOG, toAuditRecord, type AuditRow } from '../db/tables/audit'
import { insertRow } from '../db/tables/table'
import { newId } from '../ids'
import { workstationId } from '../workstation'
import { readLifecycleSetting, writeLifecycleSetting } from '../db/lifecycleSettings'

export { canonicalJson, GENESIS_HASH }

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

export type { AuditRow }

export { chainRecord }

export function recordHash(prevHash: string, row: AuditRow): string {
  return auditRecordHash(prevHash, chainRecord(row))
}

export interface AuditEntry {
  kind: AuditKind
  entity: string
  entityId: string | null
  summary: string
  before?: unknown
  after?: unknown
}

/** The chain's end, read with a statement prepared once per connection (as the insert's is): a rule round appends thousands of records. */
const chainEnd = (db: Db) => prepared(db, 'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined

/**
 * Appends one record to the chain. Call inside the transaction of the change it records,
 * so a change and its audit record are committed together or not at all.
 */
export function appendAudit(db: Db, actor: Actor, entry: AuditEntry, at: Date): AuditRecord {
  const row = auditRow(chainEnd(db), actor, entry, at, workstationId(db))
  insertRow(db, AUDIT_LOG, row)
  // The head lives apart from the log, so cutting records off the end is noticed too.
  writeLifecycleSetting(db, 'audit_head', { seq: row.seq, hash: row.hash })
  return {
    ...toAuditRecord({ ...row, before_json: null, after_json: null }),
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
  private readonly workstation: string
  constructor(private readonly db: Db) {
    this.workstation = workstationId(db)
    this.last = chainEnd(db)
  }
  append(actor: Actor, entry: AuditEntry, at: Date): void {
    const row = auditRow(this.last, actor, entry, at, this.workstation)
    insertRow(this.db, AUDIT_LOG, row)
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


/**
 * Walks the chain from the first record and reports the first one that does not hold
 * (src-shared/auditChain.ts: edited, removed or replaced, a gap, records cut off the end).
 */
export function verifyAudit(db: Db, now: Date): AuditVerification {
  const started = performance.now()
  const walk = new ChainWalker()
  for (const r of db.prepare('SELECT * FROM audit_log ORDER BY seq').iterate() as IterableIterator<AuditRow>) walk.next(chainRecord(r))
  const firstBroken = walk.end(readLifecycleSetting<{ seq: number; hash: string }>(db, 'audit_head'))
  return {
    intact: firstBroken === null,
    records: walk.records,
    firstBroken,
    headHash: walk.lastHash,
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
  return { rows: rows.map(toAuditRecord), total }
}

/** Oldest first, for exports. */
export function auditPeriod(db: Db, f: AuditFilter, offset: string): AuditRecord[] {
  const w = where(f, offset)
  return (db.prepare(`SELECT * FROM audit_log ${w.sql} ORDER BY seq`).all(...w.params) as AuditRow[]).map(toAuditRecord)
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
