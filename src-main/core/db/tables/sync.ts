import type { SyncConflict, SyncRecordIssue, SyncRefusedEntry, SyncRound } from '../../../../src-shared/contracts/sync'
import type { LedgerEntryWire } from '../../../../src-shared/ledgerWire'
import type { RecordChangeWire, SyncedRecord } from '../../../../src-shared/recordsProtocol'
import { decodeFields, defineTable, int, json, nullableInt, nullableText, text, type FieldsOf, type RowOf } from './table'

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

/**
 * A record change that did not travel as made (SyncRecordIssue): one this workstation sent
 * and the team's server refused (`client_seq`), or one of the team's not taken here
 * (`server_seq`, from `device_id`). Numbered by SQLite in the order they came.
 */
export const SYNC_RECORD_ISSUES = defineTable(
  'sync_record_issues',
  {
    id: int(),
    kind: text<SyncRecordIssue['kind']>(),
    record: text(),
    record_id: text(),
    field: nullableText(),
    op: text(),
    server_seq: nullableInt(),
    client_seq: nullableInt(),
    device_id: nullableText(),
    code: text(),
    reason: text(),
    value_json: nullableText(),
    at: text(),
  },
  {
    kind: 'kind',
    record: 'record',
    recordId: 'record_id',
    field: 'field',
    op: 'op',
    code: 'code',
    reason: 'reason',
    at: 'at',
  },
)

export type SyncRecordIssueRow = RowOf<typeof SYNC_RECORD_ISSUES>

export const toSyncRecordIssue = (row: SyncRecordIssueRow): SyncRecordIssue => decodeFields(SYNC_RECORD_ISSUES, row)

/**
 * A ledger entry the team's server holds with another content: this workstation's
 * (`local_json`, null when it no longer holds it) and the server's, as LedgerEntryWire JSON.
 * When it was first seen stays as it is when the server names it again.
 */
export const SYNC_CONFLICTS = defineTable(
  'sync_conflicts',
  {
    entry_id: text(),
    fields: json<SyncConflict['fields']>(),
    local_json: nullableText(),
    server_json: text(),
    detected_at: text(),
  },
  {
    entryId: 'entry_id',
    fields: 'fields',
    detectedAt: 'detected_at',
  },
)

export type SyncConflictRow = RowOf<typeof SYNC_CONFLICTS>

/** A conflict as the sync screen shows it: the amounts on each side. */
export function toSyncConflict(row: SyncConflictRow): SyncConflict {
  return {
    ...decodeFields(SYNC_CONFLICTS, row),
    localAmountFen: row.local_json ? (JSON.parse(row.local_json) as LedgerEntryWire).amountFen : null,
    serverAmountFen: (JSON.parse(row.server_json) as LedgerEntryWire).amountFen,
  }
}

/** A ledger entry the team's server refused as it is, with its reason and the entry as it was sent (`local_json`). */
export const SYNC_REFUSED = defineTable(
  'sync_refused',
  {
    entry_id: text(),
    code: text(),
    reason: text(),
    local_json: text(),
    refused_at: text(),
  },
  {
    entryId: 'entry_id',
    code: 'code',
    reason: 'reason',
    refusedAt: 'refused_at',
  },
)

export type SyncRefusedRow = RowOf<typeof SYNC_REFUSED>

/** A refused entry as the sync screen shows it: the refusal and what the entry was. */
export function toSyncRefusedEntry(row: SyncRefusedRow): SyncRefusedEntry {
  const e = JSON.parse(row.local_json) as LedgerEntryWire
  return { ...decodeFields(SYNC_REFUSED, row), memberCode: e.memberCode, kind: e.kind, amountFen: e.amountFen, period: e.period }
}

/** A member code the team's entries name that this studio does not hold (matched without case), since it was first seen. */
export const SYNC_UNKNOWN_MEMBERS = defineTable('sync_unknown_members', { member_code: text(), first_seen_at: text() }, { memberCode: 'member_code', firstSeenAt: 'first_seen_at' })
