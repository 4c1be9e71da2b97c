/**
 * The workstation's sync with the team's server: its part of the contract.
 * contract.ts spreads these into the one table every host serves.
 *
 * Stable for the console: names are added, never renamed.
 */
import { z } from 'zod'
import { command, query } from '../contractKit'
import { Empty, IsoTime, JobProgress } from '../schemas'

/**
 * Where the workstation's sync stands:
 *  - unenrolled: no team server configured (nothing leaves the workstation);
 *  - idle: enrolled, the last round reached the server, nothing under way;
 *  - syncing: a round is under way (pushing or pulling);
 *  - offline: the server could not be reached; the next attempt is scheduled;
 *  - revoked: the server refused this device's token (a manager revoked it): enrol again;
 *  - error: the server answered with an error; retried with back-off.
 */
export const SYNC_PHASES = ['unenrolled', 'idle', 'syncing', 'offline', 'revoked', 'error'] as const
export const SyncPhase = z.enum(SYNC_PHASES)
export type SyncPhase = z.infer<typeof SyncPhase>
export const SYNC_PHASE_LABELS: Record<SyncPhase, { zh: string; en: string }> = {
  unenrolled: { zh: '未连接团队服务器', en: 'Not connected to a team server' },
  idle: { zh: '已同步', en: 'In sync' },
  syncing: { zh: '同步中', en: 'Syncing' },
  offline: { zh: '离线', en: 'Offline' },
  revoked: { zh: '设备已被撤销', en: 'Device revoked' },
  error: { zh: '同步出错', en: 'Sync error' },
}

/** Error codes a failed round (and `lastError`) carries. */
export const SYNC_ERROR_CODES = [
  'sync_not_enrolled',
  'sync_unreachable',
  'sync_timeout',
  'sync_revoked',
  'sync_enrol_refused',
  'sync_rejected',
  'sync_server_error',
  'sync_protocol',
] as const
export type SyncErrorCode = (typeof SYNC_ERROR_CODES)[number]

/** What one round did: push until the outbox is empty, then pull until the server has nothing newer. */
export const SyncRound = z.object({
  startedAt: IsoTime,
  finishedAt: IsoTime,
  /** Entries sent to the server (repeats after a lost reply count again). */
  pushed: z.number().int(),
  /** Entries the server confirmed (new, or already stored identically): dropped from the outbox. */
  accepted: z.number().int(),
  /** Entries whose id the server already holds with different money (member, kind, amount, source, period): kept locally, listed in `conflicts`. */
  conflicts: z.number().int(),
  /** Entries the server refused as they are (a field it cannot store): out of the outbox, listed in `refused`; the others kept syncing. */
  refused: z.number().int().default(0),
  /** Entries from the team's other workstations received. */
  pulled: z.number().int(),
  /** Status changes (approved, paid, rejected) received. */
  statusChanges: z.number().int(),
  /** Entries still waiting in the outbox after the round. */
  pending: z.number().int(),
  /** True when the server's instance changed (it was reset or restored): every local entry was offered again. */
  serverReset: z.boolean(),
  /** The shared records' part of the round (customers, products, members, groups). */
  records: z
    .object({
      /** Field changes sent to the server. */
      pushed: z.number().int(),
      /** Changes of the team's other workstations received. */
      pulled: z.number().int(),
      /** Fields kept as changed here while the team's value arrived (the local change is sent next, and wins as the later one). */
      conflicts: z.number().int(),
      /** Changes the server refused, each with its reason. */
      refused: z.number().int(),
      /** Changes from the team this workstation could not take as they are (a phone, SKU or invite code held here by another record), each with its reason. */
      notApplied: z.number().int(),
      /** Record changes still waiting to be sent after the round. */
      pending: z.number().int(),
      /**
       * This workstation started from the team's snapshot in this round: the records it holds
       * from it, the server sequence it is as of, and the time it took here (ms). Absent otherwise.
       */
      bootstrap: z.object({ records: z.number().int(), seq: z.number().int(), ms: z.number().int() }).optional(),
    })
    .default({ pushed: 0, pulled: 0, conflicts: 0, refused: 0, notApplied: 0, pending: 0 }),
  /** This workstation's audit records sent to the team server (src-shared/auditChain.ts), and those still to send. */
  audit: z.object({ pushed: z.number().int(), pending: z.number().int() }).default({ pushed: 0, pending: 0 }),
  /**
   * The pictures the shared records name (buyer photos, products' own pictures), through the team's file store:
   * put on the server, fetched from it, not there yet (tried again next round), refused (bytes not matching their hash).
   */
  files: z
    .object({ uploaded: z.number().int(), downloaded: z.number().int(), missing: z.number().int(), refused: z.number().int() })
    .default({ uploaded: 0, downloaded: 0, missing: 0, refused: 0 }),
})
export type SyncRound = z.infer<typeof SyncRound>

export const SyncErrorInfo = z.object({
  code: z.string(),
  /** Bilingual "中文 / English", ready to show. */
  message: z.string(),
  at: IsoTime,
})

/** The sync state the console's header shows; also sent as the `sync.state` event whenever it changes. */
export const SyncStatus = z.object({
  enrolled: z.boolean(),
  phase: SyncPhase,
  /** The last contact with the server succeeded (false while unenrolled). */
  online: z.boolean(),
  /** The team server's base URL, e.g. http://192.168.1.20:7430 */
  serverUrl: z.string().nullable(),
  /** The team this workstation belongs to on the server. */
  team: z.string().nullable(),
  /** The id the server gave this device at enrolment. */
  deviceId: z.string().nullable(),
  deviceName: z.string().nullable(),
  /** Ledger entries written here and not yet confirmed by the server. */
  pending: z.number().int(),
  /**
   * Members that entries from the team's other workstations name but this workstation
   * does not know yet (by invite code). Their entries are kept; add the members so
   * statements can show them.
   */
  waiting: z.number().int(),
  /** Their invite codes (the first 20). */
  unknownMembers: z.array(z.string()),
  /** Entries the server holds with a different content than this workstation (never overwritten either way). */
  conflicts: z.number().int(),
  /** Entries the server refused as they are, each with its reason (`sync.refused`); they no longer hold up the others. */
  refused: z.number().int(),
  lastSuccessAt: IsoTime.nullable(),
  lastAttemptAt: IsoTime.nullable(),
  lastError: SyncErrorInfo.nullable(),
  /** When the background loop tries next (null while a round runs or when unenrolled). */
  nextAttemptAt: IsoTime.nullable(),
  /** Failed rounds in a row; the back-off grows with it. */
  failures: z.number().int(),
  lastRound: SyncRound.nullable(),
  /** The shared records: changes made here not yet confirmed by the server, and changes refused or not applied (`sync.recordIssues`). */
  records: z.object({ pending: z.number().int(), issues: z.number().int() }).default({ pending: 0, issues: 0 }),
  /**
   * A new workstation taking the team's records (the snapshot it starts from), as a job's
   * progress: records written of all of them, the rate and time left once measurable. Null
   * when none is under way.
   */
  bootstrap: JobProgress.nullable().default(null),
})
export type SyncStatus = z.infer<typeof SyncStatus>

/** One entry the server holds with a different content; the workstation keeps its own and shows both. */
export const SyncConflict = z.object({
  entryId: z.string(),
  /** Fields that differ, e.g. ["amountFen", "memo"]. */
  fields: z.array(z.string()),
  localAmountFen: z.number().int().nullable(),
  serverAmountFen: z.number().int().nullable(),
  detectedAt: IsoTime,
})
export type SyncConflict = z.infer<typeof SyncConflict>

/** An entry the server refused as it is; it stays in the ledger here, out of the outbox, with the server's reason. */
export const SyncRefusedEntry = z.object({
  entryId: z.string(),
  memberCode: z.string(),
  kind: z.string(),
  amountFen: z.number().int(),
  period: z.string(),
  code: z.string(),
  /** Bilingual, as the server gave it. */
  reason: z.string(),
  refusedAt: IsoTime,
})
export type SyncRefusedEntry = z.infer<typeof SyncRefusedEntry>

export const SyncEnrolInput = z.object({
  /** The team server's base URL (http or https). */
  server: z
    .string()
    .trim()
    .url('应为服务器地址，例如 http://192.168.1.20:7430 / expected a server URL, e.g. http://192.168.1.20:7430')
    .refine((s) => /^https?:\/\//i.test(s), '只支持 http 或 https / only http or https'),
  /** The one-time enrolment code a manager got from `orchard server enrol`. */
  code: z.string().trim().min(6).max(64),
  /** How the server lists this workstation; defaults to the machine's host name. */
  deviceName: z.string().trim().min(1).max(80).optional(),
})

/**
 * A record change that did not travel as made: refused by the team's server for the role
 * (undone here, the team's value restored), or one of the team's this workstation could
 * not take (a phone, SKU or invite code another record holds here). Values are not kept.
 */
export const SyncRecordIssue = z.object({
  kind: z.enum(['refused', 'not_applied']),
  record: z.string(),
  recordId: z.string(),
  field: z.string().nullable(),
  op: z.string(),
  code: z.string(),
  /** Bilingual "中文 / English", ready to show. */
  reason: z.string(),
  at: IsoTime,
})
export type SyncRecordIssue = z.infer<typeof SyncRecordIssue>

/** One side of a record conflict: the value, who changed it (profile, role, workstation) and when by that workstation's clock. */
export const RecordConflictSide = z.object({
  /** The value the field took; phones, addresses and WeChat ids masked for a role that sees them masked. */
  value: z.unknown(),
  actor: z.string().nullable(),
  role: z.string(),
  deviceId: z.string(),
  deviceName: z.string().nullable(),
  at: z.string(),
  /** The server's sequence of the change. */
  seq: z.number().int(),
})

/**
 * Two workstations changed the same field of a shared record since they last saw each
 * other: the later change in the server's order won (`later`), the value it replaced is
 * kept (`earlier`) and can be put back. The server keeps the team's conflicts, so every
 * workstation lists the same ones after its next pull.
 */
export const RecordConflict = z.object({
  id: z.string(),
  /** 'delete': deleted on one workstation, changed on another; the delete won, `earlier.value` is the whole record, and restoring brings it back. */
  kind: z.enum(['field', 'delete']).default('field'),
  record: z.string(),
  recordId: z.string(),
  /** How the record is named here (a name, a SKU), or null when this workstation no longer holds it. */
  recordName: z.string().nullable(),
  field: z.string(),
  /** How the record kind and the field read, bilingual "中文 / English" ready to show. */
  recordLabel: z.string(),
  fieldLabel: z.string(),
  /** The field is masked for the role asking: the values are shown masked, and only a role that sees them may restore. */
  masked: z.boolean(),
  earlier: RecordConflictSide,
  later: RecordConflictSide,
  /**
   * Of a delete conflict: the record as the team held it (`earlier.value`), field by field in
   * the field table's order, each with how it reads ("中文 / English") and masked as
   * `earlier.value` is; blank fields left out. Empty for a field's conflict.
   */
  fields: z.array(z.object({ field: z.string(), label: z.string(), value: z.unknown() })).default([]),
  status: z.enum(['open', 'restored']),
  /** Who put the earlier value back, and when; `confirmed` once the server holds the restore. */
  restored: z
    .object({ actor: z.string().nullable(), role: z.string(), deviceName: z.string().nullable(), at: z.string(), confirmed: z.boolean() })
    .nullable(),
})
export type RecordConflict = z.infer<typeof RecordConflict>

export const RecordConflictsQuery = z.object({ status: z.enum(['open', 'restored', 'all']).default('all') }).default({ status: 'all' })

export const syncContract = {
  records: {
    /** The shared records' conflicts (open, restored, or all), newest first. */
    conflicts: query(RecordConflictsQuery, z.array(RecordConflict)),
    /**
     * Puts a conflict's earlier value back: a new change of the field through the one write
     * path (checked for the role like any edit, refused with nothing changed), sent to the
     * team with the next sync; the conflict is marked restored with who and when.
     */
    restoreConflict: command(z.object({ id: z.string().min(1).max(40) }), RecordConflict),
  },
  sync: {
    status: query(Empty, SyncStatus),
    /** Registers this workstation with the team's server using a one-time code; the background sync starts at once. */
    enrol: command(SyncEnrolInput, SyncStatus),
    /**
     * Pushes and pulls until nothing is left; resolves with what the round did, or
     * rejects with the round's error (code from SYNC_ERROR_CODES). Declared a query
     * on purpose: it waits on the network and must not hold up the studio's other
     * writes; its own writes are short transactions of their own.
     */
    syncNow: query(Empty, SyncRound),
    /** Conflicting entries (same id, different content on the server), newest first. */
    conflicts: query(Empty, z.array(SyncConflict)),
    /** Entries the server refused as they are (with its reason), newest first. */
    refused: query(Empty, z.array(SyncRefusedEntry)),
    /** Record changes refused by the server or not applied here, each with its reason, newest first (the last 500). */
    recordIssues: query(Empty, z.array(SyncRecordIssue)),
    /**
     * Disconnects this workstation from the team server: the token is forgotten, the
     * loop stops. Nothing is deleted: the ledger and its outbox stay; a later
     * enrolment offers every entry again.
     */
    forget: command(Empty, SyncStatus),
  },
} as const

export const syncEvents = {
  /** The sync state changed (a round started or ended, the outbox grew, enrolment changed). */
  'sync.state': SyncStatus,
} as const
