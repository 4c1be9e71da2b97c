import type { AuditKind, AuditRecord } from '../../../../src-shared/contracts/lifecycle'
import type { ActorRole } from '../../../../src-shared/roles'
import { decodeFields, defineTable, int, nullableText, text, type RowOf } from './table'

/**
 * The audit log: one hash-chained record per change (src-shared/auditChain.ts). What was
 * before and after is kept as canonical JSON text — the hash covers that text, so the
 * chain reads it as stored and only the mapper parses it.
 */
export const AUDIT_LOG = defineTable(
  'audit_log',
  {
    seq: int(),
    id: text(),
    at: text(),
    actor_id: nullableText(),
    actor_name: text(),
    actor_role: text<ActorRole>(),
    kind: text<AuditKind>(),
    entity: text(),
    entity_id: nullableText(),
    summary: text(),
    before_json: nullableText(),
    after_json: nullableText(),
    prev_hash: text(),
    hash: text(),
    workstation: nullableText(),
  },
  {
    id: 'id',
    seq: 'seq',
    at: 'at',
    actorId: 'actor_id',
    actorName: 'actor_name',
    actorRole: 'actor_role',
    kind: 'kind',
    entity: 'entity',
    entityId: 'entity_id',
    summary: 'summary',
    prevHash: 'prev_hash',
    hash: 'hash',
    workstation: 'workstation',
  },
)

export type AuditRow = RowOf<typeof AUDIT_LOG>

export function toAuditRecord(row: AuditRow): AuditRecord {
  return {
    ...decodeFields(AUDIT_LOG, row),
    before: row.before_json === null ? null : JSON.parse(row.before_json),
    after: row.after_json === null ? null : JSON.parse(row.after_json),
  }
}
