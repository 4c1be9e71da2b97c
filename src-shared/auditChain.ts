import { sha256 } from '@noble/hashes/sha2'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils'
import { z } from 'zod'

/**
 * The audit log's hash chain, shared by the workstation (which writes its chain) and the
 * team server (which checks every record of it on receipt, keeps its own chain the same
 * way, and verifies them all together). One hashing function on both sides: a record
 * hashes to the same value wherever it is checked.
 */
export const GENESIS_HASH = '0'.repeat(64)

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

/** One record of a chain as it is stored and sent: before/after as the canonical JSON text that was hashed. */
export interface AuditChainRecord {
  seq: number
  id: string
  at: string
  actorId: string | null
  actorName: string
  actorRole: string
  kind: string
  entity: string
  entityId: string | null
  summary: string
  beforeJson: string | null
  afterJson: string | null
  /** The workstation that made the record; null on records written before it was kept. */
  workstation: string | null
  prevHash: string
  hash: string
}

/** A record as both sides store it (the workstation's audit_log, the server's audit_records): one column per field. */
export interface AuditChainRow {
  seq: number | string
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
  /** The workstation that made the record; null on records written before it was kept. */
  workstation: string | null
  prev_hash: string
  hash: string
}

/** A stored row as the chain functions read it. */
export function chainRecord(r: AuditChainRow): AuditChainRecord {
  return {
    seq: Number(r.seq),
    id: r.id,
    at: r.at,
    actorId: r.actor_id,
    actorName: r.actor_name,
    actorRole: r.actor_role,
    kind: r.kind,
    entity: r.entity,
    entityId: r.entity_id,
    summary: r.summary,
    beforeJson: r.before_json,
    afterJson: r.after_json,
    workstation: r.workstation ?? null,
    prevHash: r.prev_hash,
    hash: r.hash,
  }
}

/**
 * The part of a record its hash covers — everything but the hashes themselves — as canonical
 * JSON (keys sorted). before/after are stored as canonical JSON already, so they go in as
 * stored: any change to their text, even one JSON would not notice, breaks the hash.
 */
function hashedBody(r: Omit<AuditChainRecord, 'prevHash' | 'hash'>): string {
  const s = JSON.stringify
  return (
    `{"actorId":${s(r.actorId)},"actorName":${s(r.actorName)},"actorRole":${s(r.actorRole)},"after":${r.afterJson ?? 'null'},` +
    `"at":${s(r.at)},"before":${r.beforeJson ?? 'null'},"entity":${s(r.entity)},"entityId":${s(r.entityId)},"id":${s(r.id)},` +
    `"kind":${s(r.kind)},"seq":${s(r.seq)},"summary":${s(r.summary)}` +
    // Records from before workstations were kept hash as they always did.
    `${r.workstation === null || r.workstation === undefined ? '' : `,"workstation":${s(r.workstation)}`}}`
  )
}

/** SHA-256 of the previous record's hash followed by this record's body, hex. */
export function auditRecordHash(prevHash: string, r: Omit<AuditChainRecord, 'prevHash' | 'hash'>): string {
  return bytesToHex(sha256(utf8ToBytes(prevHash + hashedBody(r))))
}

export const AUDIT_BREAK_REASONS = ['hash_mismatch', 'link_mismatch', 'sequence_gap', 'head_mismatch'] as const

export const AuditBreak = z.object({
  id: z.string(),
  seq: z.number().int(),
  reason: z.enum(AUDIT_BREAK_REASONS),
  expected: z.string(),
  actual: z.string(),
  message: z.string(),
})
export type AuditBreak = z.infer<typeof AuditBreak>

/**
 * Walks one chain, oldest first. Feed it every record with `next`; `end` reports the first
 * one that does not hold: a record whose content no longer matches its hash (edited), a
 * link to the previous hash that does not match (a record removed or replaced), a gap in
 * the sequence, or a chain whose end is not the head kept apart from it (records cut off).
 */
export class ChainWalker {
  private prev: string
  private expectedSeq: number
  records = 0
  /** The first and the last record's hashes as stored (whether or not they hold). */
  firstHash: string | null = null
  lastStoredHash: string | null = null
  firstBroken: AuditBreak | null = null

  /** From the chain's start, or from a record already checked (the next one must link to it). */
  constructor(from: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH }) {
    this.prev = from.hash
    this.expectedSeq = from.seq + 1
  }

  next(r: AuditChainRecord): AuditBreak | null {
    this.records++
    this.firstHash ??= r.hash
    this.lastStoredHash = r.hash
    if (this.firstBroken) return this.firstBroken
    this.firstBroken = this.problem(r)
    if (this.firstBroken) return this.firstBroken
    this.prev = r.hash
    this.expectedSeq++
    return null
  }

  /** The hash the next record must link to, and its sequence. */
  get tail(): { seq: number; hash: string } {
    return { seq: this.expectedSeq - 1, hash: this.prev }
  }

  private problem(r: AuditChainRecord): AuditBreak | null {
    if (r.seq !== this.expectedSeq) {
      return {
        id: r.id,
        seq: r.seq,
        reason: 'sequence_gap',
        expected: String(this.expectedSeq),
        actual: String(r.seq),
        message: `第 ${this.expectedSeq} 条记录缺失（下一条是第 ${r.seq} 条）/ record ${this.expectedSeq} is missing (next is ${r.seq})`,
      }
    }
    if (r.prevHash !== this.prev) {
      return {
        id: r.id,
        seq: r.seq,
        reason: 'link_mismatch',
        expected: this.prev,
        actual: r.prevHash,
        message: `第 ${r.seq} 条记录与上一条的链接不符 / record ${r.seq} does not link to the record before it`,
      }
    }
    let actual: string
    try {
      actual = auditRecordHash(r.prevHash, r)
    } catch {
      actual = 'unreadable'
    }
    if (actual !== r.hash) {
      return {
        id: r.id,
        seq: r.seq,
        reason: 'hash_mismatch',
        expected: r.hash,
        actual,
        message: `第 ${r.seq} 条记录的内容已被改动（哈希不符）/ record ${r.seq} was altered: its content no longer matches its hash`,
      }
    }
    return null
  }

  /** Ends the walk against the head kept apart from the chain (when there is one). */
  end(head: { seq: number; hash: string } | null | undefined): AuditBreak | null {
    if (!this.firstBroken && head && (head.seq !== this.records || head.hash !== this.prev)) {
      this.firstBroken = {
        id: '',
        seq: this.records + 1,
        reason: 'head_mismatch',
        expected: `${head.seq}:${head.hash}`,
        actual: `${this.records}:${this.prev}`,
        message: `日志末尾的记录不见了：应有 ${head.seq} 条，实有 ${this.records} 条 / records were cut off the end: ${head.seq} expected, ${this.records} found`,
      }
    }
    return this.firstBroken
  }

  /** The last intact record's hash (the chain's head when nothing is broken). */
  get lastHash(): string | null {
    return this.expectedSeq > 1 ? this.prev : null
  }
}

// ---------------------------------------------------------------- the team's audit on the wire

/**
 *   POST /v1/audit/push     the next records of this workstation's chain, in chain order
 *   GET  /v1/audit/verify   every chain of the team checked together (devices enrolled for managers)
 */
export const MAX_AUDIT_PUSH = 1000
const Hash = z.string().regex(/^[0-9a-f]{64}$/, '须为 64 位十六进制哈希 / a 64-digit hex hash')
const Json = z.string().max(64 * 1024).nullable()

export const AuditRecordWire = z.object({
  seq: z.number().int().positive(),
  id: z.string().min(1).max(64),
  at: z.string().max(40),
  actorId: z.string().max(64).nullable(),
  actorName: z.string().max(200),
  actorRole: z.string().max(32),
  kind: z.string().max(64),
  entity: z.string().max(64),
  entityId: z.string().max(200).nullable(),
  summary: z.string().max(4000),
  beforeJson: Json,
  afterJson: Json,
  workstation: z.string().max(64).nullable(),
  prevHash: Hash,
  hash: Hash,
})
export type AuditRecordWire = z.infer<typeof AuditRecordWire>

export const AuditPushRequest = z.object({ records: z.array(AuditRecordWire).min(1).max(MAX_AUDIT_PUSH) })
export const AuditPushResponse = z.object({
  serverId: z.string(),
  /** Records this request stored for the first time (a repeat stores none). */
  stored: z.number().int(),
  /** The last record of this workstation's chain the server now holds: the workstation's "pushed up to". */
  upTo: z.number().int().nonnegative(),
})
export type AuditPushResponse = z.infer<typeof AuditPushResponse>

export const AuditChainVerification = z.object({
  kind: z.enum(['workstation', 'server']),
  /** The workstation whose chain it is; null for the server's own. */
  workstationId: z.string().nullable(),
  /** The names its devices were enrolled with (a workstation enrolled again keeps its chain). */
  deviceNames: z.array(z.string()),
  records: z.number().int(),
  firstHash: z.string().nullable(),
  lastHash: z.string().nullable(),
  ok: z.boolean(),
  firstBroken: AuditBreak.nullable(),
})
export type AuditChainVerification = z.infer<typeof AuditChainVerification>

export const TeamAuditVerification = z.object({
  team: z.string(),
  intact: z.boolean(),
  /** One per workstation that pushed its audit. */
  chains: z.array(AuditChainVerification),
  server: AuditChainVerification,
  checkedAt: z.string(),
  durationMs: z.number(),
})
export type TeamAuditVerification = z.infer<typeof TeamAuditVerification>
