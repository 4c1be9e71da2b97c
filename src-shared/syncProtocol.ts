import { z } from 'zod'
import { LedgerEntryWire, LedgerStatus, LedgerStatusChange } from './ledgerWire'
import { ROLES } from './roles'
import { controlCharacter, controlMessage, oneLine } from './schemas'

/**
 * The HTTP protocol between a workstation and the team's sync server, shared by
 * both ends so neither can drift from the other. Version 1, under /v1.
 *
 *   POST /v1/enrol           one-time code → device id + token (the only call without a token)
 *   GET  /v1/hello           who am I, which server instance (its epoch) — a cheap "online?" probe
 *   POST /v1/push            a batch of entries; the answer lists every id the server now holds
 *   GET  /v1/pull            entries of the team's other devices and status changes after a cursor
 *   /v1/admin/…              the team manager's endpoints (admin token): codes, devices, statuses
 *
 * Devices send `Authorization: Bearer <device token>`; the admin endpoints want the
 * server's admin token. Every call is safe to repeat: a push of entries the server
 * already holds answers "accepted" again, a pull with the same cursor answers the same.
 *
 * The server's own sequence numbers are the only cursors: a workstation's clock is
 * never compared with anything, so days of clock skew change nothing. `serverId` is
 * the server's instance (a new one after its database was reset); a workstation that
 * sees it change offers every entry it has again and starts its cursors from zero.
 */
export const SYNC_PROTOCOL_VERSION = 1

/** Largest push the server takes in one request (the client sends smaller batches). */
export const MAX_PUSH_BATCH = 2000
/** Largest pull page the server returns. */
export const MAX_PULL_PAGE = 2000

/** A team's name as the manager chose it (Chinese welcome): no control characters, no leading/trailing spaces. */
export const TeamName = z
  .string()
  .trim()
  .min(1, '团队名称不能为空 / the team name is empty')
  .max(60, '团队名称最长 60 个字符 / the team name is at most 60 characters')
  .refine((s) => !/[\p{Cc}]/u.test(s), '团队名称含控制字符 / the team name contains control characters')

// ---------------------------------------------------------------- enrolment
export const EnrolRequest = z.object({
  code: oneLine(z.string().trim().min(6).max(64)),
  /**
   * SHA-256 (hex) of the device token the workstation made for itself: 32 random bytes
   * that never cross the network at enrolment and that the server never sees in clear
   * until they come back as the bearer token. It also makes enrolment safe to repeat:
   * the same code with the same hash (a lost reply, a duplicated request) answers the
   * same device again instead of "code already used".
   */
  tokenHash: z.string().regex(/^[0-9a-f]{64}$/, 'expected the SHA-256 of the device token, in hex'),
  deviceName: oneLine(z.string().trim().min(1).max(80)),
  /** The workstation's own id (LedgerEntryWire.deviceId of what it posts), for the device list. */
  workstationId: oneLine(z.string().max(64)).nullable().default(null),
})
export type EnrolRequest = z.infer<typeof EnrolRequest>

export const EnrolResponse = z.object({
  serverId: z.string(),
  team: z.string(),
  deviceId: z.string(),
})
export type EnrolResponse = z.infer<typeof EnrolResponse>

export const HelloResponse = z.object({
  protocol: z.number().int(),
  serverId: z.string(),
  team: z.string(),
  deviceId: z.string(),
  deviceName: z.string(),
})
export type HelloResponse = z.infer<typeof HelloResponse>

// ---------------------------------------------------------------- push
/**
 * The fields that make two entries with the same id the same entry: who is paid,
 * what for, how much, in which period. The rest is how a workstation recorded it
 * (which workstation, its memo wording, the scheme label, the time's notation) —
 * the same order imported on two workstations differs there and is still one
 * entry, stored once, paid once. A difference in these fields is a conflict.
 */
export const ENTRY_MONEY_FIELDS = ['memberCode', 'kind', 'amountFen', 'sourceType', 'sourceKey', 'reversesId', 'period'] as const satisfies readonly (keyof LedgerEntryWire)[]

export const PushRequest = z.object({
  entries: z.array(LedgerEntryWire).min(1).max(MAX_PUSH_BATCH),
})
export type PushRequest = z.infer<typeof PushRequest>
/**
 * A push as the server first reads it: a batch of anything. Each entry is then checked
 * on its own (StorableEntry), so one bad entry is refused without the others.
 */
export const PushEnvelope = z.object({
  entries: z.array(z.unknown()).min(1).max(MAX_PUSH_BATCH),
})

/** An entry the server will not store as it is, and why; the rest of its batch is taken. */
export const PushRefusal = z.object({
  /** The entry's id as pushed (`#N`, its place in the batch, when it has no usable id). */
  id: z.string(),
  code: z.string(),
  /** Bilingual "中文 / English", ready to show. */
  reason: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })),
})
export type PushRefusal = z.infer<typeof PushRefusal>

export const PushConflict = z.object({
  id: z.string(),
  /** The ENTRY_MONEY_FIELDS that differ from what the server holds. */
  fields: z.array(z.string()),
  /** What the server holds (the team's own data; never another team's). */
  server: LedgerEntryWire,
})
export type PushConflict = z.infer<typeof PushConflict>

export const PushResponse = z.object({
  serverId: z.string(),
  /**
   * Ids the server now holds as sent (same ENTRY_MONEY_FIELDS): stored by this request, or earlier
   * (a repeat after a lost reply, or the same sale posted on another workstation).
   * Both mean the workstation may drop them from its outbox.
   */
  accepted: z.array(z.string()),
  /** How many of `accepted` this request stored for the first time. */
  stored: z.number().int(),
  /** Ids the server holds with a different content: nothing was overwritten. */
  conflicts: z.array(PushConflict),
  /** Entries the server cannot store as they are (a server before this field sent none). */
  refused: z.array(PushRefusal).default([]),
})
export type PushResponse = z.infer<typeof PushResponse>

// ---------------------------------------------------------------- pull
export const PullCursor = z.object({
  /** The last entry sequence number seen (0: from the start). */
  entries: z.coerce.number().int().nonnegative().default(0),
  /** The last status-change sequence number seen. */
  statuses: z.coerce.number().int().nonnegative().default(0),
})
export type PullCursor = z.infer<typeof PullCursor>

export const PullQuery = z.object({
  entriesAfter: z.coerce.number().int().nonnegative().default(0),
  statusesAfter: z.coerce.number().int().nonnegative().default(0),
  limit: z.coerce.number().int().min(1).max(MAX_PULL_PAGE).default(500),
})
export type PullQuery = z.infer<typeof PullQuery>

/** An entry as pulled: the wire fields, the server's sequence, and its current status. */
export const PulledEntry = LedgerEntryWire.extend({
  seq: z.number().int().positive(),
  status: LedgerStatus,
  /** The status change that set `status` (0 while pending since it arrived). */
  statusSeq: z.number().int().nonnegative(),
  statusChangedAt: z.string().nullable(),
})
export type PulledEntry = z.infer<typeof PulledEntry>

export const PullResponse = z.object({
  serverId: z.string(),
  /** Entries of the team's other devices with seq > entriesAfter, oldest first. */
  entries: z.array(PulledEntry),
  /** Status changes of the team's entries with seq > statusesAfter, oldest first. */
  statusChanges: z.array(LedgerStatusChange),
  /** Where the next pull starts (covers this device's own entries too, which are not sent back). */
  cursor: z.object({ entries: z.number().int().nonnegative(), statuses: z.number().int().nonnegative() }),
  /** More is waiting beyond this page. */
  more: z.boolean(),
  /**
   * The team's newest sequence numbers on the server. Lower than a workstation's
   * cursor means the server went back in time (restored from a backup): the
   * workstation then offers every entry again, as after a reset.
   */
  high: z.object({ entries: z.number().int().nonnegative(), statuses: z.number().int().nonnegative() }),
})
export type PullResponse = z.infer<typeof PullResponse>

// ---------------------------------------------------------------- admin (the team's manager)
export const CreateCodeRequest = z.object({
  team: TeamName,
  /** How long the code stays valid; 24 hours by default, at most 30 days. */
  ttlMinutes: z.number().int().min(1).max(30 * 24 * 60).default(24 * 60),
  /** The highest role the device enrolled with this code may act for; its record changes are checked against it. */
  role: z.enum(ROLES).default('manager'),
})
export const CreateCodeResponse = z.object({
  code: z.string(),
  team: z.string(),
  role: z.enum(ROLES).default('manager'),
  expiresAt: z.string(),
})
export type CreateCodeResponse = z.infer<typeof CreateCodeResponse>

export const DeviceInfo = z.object({
  id: z.string(),
  team: z.string(),
  name: z.string(),
  workstationId: z.string().nullable(),
  createdAt: z.string(),
  lastSeenAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
})
export type DeviceInfo = z.infer<typeof DeviceInfo>

/** The moves a manager may make; `paid` is final: a paid entry is corrected by a new reversing entry. */
export const STATUS_MOVES: Record<z.infer<typeof LedgerStatus>, readonly z.infer<typeof LedgerStatus>[]> = {
  pending: ['approved', 'rejected'],
  approved: ['paid', 'rejected', 'pending'],
  rejected: ['pending'],
  paid: [],
}

export const StatusChangeRequest = z.object({
  team: TeamName,
  changes: z
    .array(
      z.object({
        entryId: oneLine(z.string().max(64)),
        status: z.enum(['approved', 'paid', 'rejected', 'pending']),
        note: z
          .string()
          .max(500)
          .check((ctx) => {
            const found = controlCharacter(ctx.value)
            if (found) ctx.issues.push({ code: 'custom', message: controlMessage(found), input: ctx.value })
          })
          .nullable()
          .default(null),
      }),
    )
    .min(1)
    .max(5000),
})
export type StatusChangeRequest = z.input<typeof StatusChangeRequest>

export const StatusChangeResponse = z.object({
  applied: z.array(LedgerStatusChange),
  /** Changes refused, each with why (unknown entry, not allowed from its current status — e.g. already paid). */
  refused: z.array(z.object({ entryId: z.string(), status: z.string(), reason: z.string(), current: LedgerStatus.nullable() })),
})
export type StatusChangeResponse = z.infer<typeof StatusChangeResponse>

/** The team's totals on the server, in fen: what every workstation's totals must equal. */
export const TeamSummary = z.object({
  team: z.string(),
  entries: z.number().int(),
  totalFen: z.number().int(),
  byStatus: z.record(LedgerStatus, z.object({ entries: z.number().int(), totalFen: z.number().int() })),
  devices: z.number().int(),
})
export type TeamSummary = z.infer<typeof TeamSummary>

/** Errors travel as {error: {code, message, details}} with a matching HTTP status. */
export const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) })
