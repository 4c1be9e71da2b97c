import type { SyncRound } from '../../../../src-shared/contracts/sync'
import type { RecordChangeWire, SyncedRecord } from '../../../../src-shared/recordsProtocol'
import { decodeFields, defineTable, int, nullableInt, nullableText, text, type FieldsOf, type RowOf } from './table'

/**
 * The sync's own row (0005 sync_state, id 1): the enrolment, the cursors of each stream,
 * the records' snapshot under way and how the last rounds went. Its fields are what the
 * code reads of it as they are kept; the last error and round are put together by the mapper.
 */
export const SYNC_STATE = defineTable(
  'sync_state',
  {
    id: int(),
    server_url: nullableText(),
    team: nullableText(),
    device_id: nullableText(),
    device_name: nullableText(),
    token: nullableText(),
    server_id: nullableText(),
    entries_cursor: int(),
    statuses_cursor: int(),
    enrolled_at: nullableText(),
    revoked_at: nullableText(),
    last_success_at: nullableText(),
    last_attempt_at: nullableText(),
    last_error_code: nullableText(),
    last_error_message: nullableText(),
    last_error_at: nullableText(),
    failures: int(),
    last_round: nullableText(),
    records_pushed: int(),
    records_cursor: int(),
    records_snapshot_at: nullableInt(),
    records_snapshot_record: nullableText(),
    records_snapshot_after: nullableText(),
    records_snapshot_done: int(),
    records_snapshot_total: int(),
    records_snapshot_taken: int(),
    audit_pushed: int(),
  },
  {
    serverUrl: 'server_url',
    team: 'team',
    deviceId: 'device_id',
    deviceName: 'device_name',
    token: 'token',
    serverId: 'server_id',
    entriesCursor: 'entries_cursor',
    statusesCursor: 'statuses_cursor',
    enrolledAt: 'enrolled_at',
    revokedAt: 'revoked_at',
    lastSuccessAt: 'last_success_at',
    lastAttemptAt: 'last_attempt_at',
    failures: 'failures',
  },
)

export type SyncStateRow = RowOf<typeof SYNC_STATE>
/** The sync's state as the code reads it. */
export type SyncState = FieldsOf<typeof SYNC_STATE> & { lastError: { code: string; message: string; at: string } | null; lastRound: SyncRound | null }

export function toSyncState(row: SyncStateRow): SyncState {
  return {
    ...decodeFields(SYNC_STATE, row),
    lastError: row.last_error_code ? { code: row.last_error_code, message: row.last_error_message ?? '', at: row.last_error_at ?? '' } : null,
    lastRound: row.last_round ? (JSON.parse(row.last_round) as SyncRound) : null,
  }
}

/**
 * A conflict of the team's records this workstation holds (as the server sent it,
 * `body_json`), and whether a restore made here is still on its way (`restored_here_json`).
 */
export const RECORD_CONFLICTS = defineTable(
  'record_conflicts',
  {
    id: text(),
    record: text<SyncedRecord>(),
    record_id: text(),
    field: text(),
    later_seq: int(),
    body_json: text(),
    restored_here_json: nullableText(),
  },
  {
    record: 'record',
    recordId: 'record_id',
    field: 'field',
  },
)

export type RecordConflictRow = RowOf<typeof RECORD_CONFLICTS>
const HELD_CONFLICT = ['id', 'body_json', 'restored_here_json'] as const
/** A conflict as the list reads it: its body and the restore made here. */
export type HeldConflictRow = Pick<RecordConflictRow, (typeof HELD_CONFLICT)[number]>
export const HELD_CONFLICT_COLUMNS = HELD_CONFLICT.join(', ')

/**
 * The records' outbox (0014, built again by 0026): one row per change made here through the
 * one write path (core/records/changes.ts), sent once past sync_state.records_pushed. Its
 * fields are the change as records sync sends it (RecordChangeWire), but the value: the
 * record's value when it is sent (`value_json` keeps only a set's item, a delta and a delete's).
 */
export const RECORD_CHANGES = defineTable(
  'record_changes',
  {
    seq: int(),
    tx_id: text(),
    record: text(),
    record_id: text(),
    op: text<RecordChangeWire['op']>(),
    field: nullableText(),
    at: text(),
    actor_id: nullableText(),
    actor_role: text(),
    workstation: text(),
    source: text(),
    base_seq: nullableInt(),
    restores: nullableText(),
    value_json: nullableText(),
  },
  {
    clientSeq: 'seq',
    txId: 'tx_id',
    record: 'record',
    id: 'record_id',
    op: 'op',
    field: 'field',
    role: 'actor_role',
    at: 'at',
    base: 'base_seq',
    restores: 'restores',
  },
)

export type RecordChangeRow = RowOf<typeof RECORD_CHANGES>
/** A change as the outbox reads it: the row and the name of the profile that made it. */
export type OutboxChangeRow = RecordChangeRow & { actor_name: string | null }
