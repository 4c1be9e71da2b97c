import { z } from 'zod'
import { fieldRule, holds, permissionOfMethod, RECORD_FIELDS, type FieldRule, type Permission, type RecordKind, type SharedField } from './permissions'
import { ROLE_LABELS, type ActorRole, type Role } from './roles'
import { Settings } from './schemas'

/**
 * The records' side of the protocol in syncProtocol.ts (same server, same device
 * token, same /v1): the studio's shared records travel as field changes.
 *
 *   POST /v1/records/push    a batch of this device's changes, each with its own client sequence
 *   GET  /v1/records/pull    the team's other devices' changes after a server sequence
 *
 * The unit is one field of one record (`op: 'update'`, `field`, the value the record
 * held when the change was pushed), a whole record (`op: 'create'`, `value` holding every
 * field), or a tombstone (`op: 'delete'`). The server gives every change it accepts its
 * own sequence number; the last change of a field in that order wins. Workstation clocks
 * are carried for people to read, never compared.
 *
 * Sets and stock travel as moves, so that two workstations' concurrent changes both
 * survive: a customer's tag or a group's customer is added or removed one item at a time
 * (`op: 'add' | 'remove'`, `value` the item; of an add and a remove of one item, the last
 * in server order wins), a product's stock moves by `op: 'delta'` (`value` +n/−n; the
 * server sums). A pulled move carries the set or the sum as the server holds it then
 * (`current`), so a workstation lands on the team's value whatever it missed.
 *
 * A push is safe to repeat: the server keeps (device, clientSeq) for good, and a change it
 * already holds is answered "accepted" again and applied once.
 */
export const RECORDS_PROTOCOL_VERSION = 1

/** The records shared through the server so far (in the order a pull applies them: an order names customers, members and products; a scheme's versions name it); the studio's settings are one record (STUDIO_SETTINGS). */
export const SYNCED_RECORDS = ['customer', 'product', 'member', 'group', 'order', 'setting', 'carePlan', 'rule', 'action', 'appeal', 'comparison', 'forbiddenClaims', 'copyTemplate', 'posterTemplate', 'buyerPhoto', 'scheme', 'schemeVersion'] as const satisfies readonly RecordKind[]
export type SyncedRecord = (typeof SYNCED_RECORDS)[number]
/**
 * The studio's settings are one record, always there on every workstation (a fresh one
 * holds the defaults): it is only ever changed field by field, never created or deleted,
 * and each value must be one the settings take (a time zone the runtime knows, a
 * three-letter currency, an https:// invite link).
 */
export const STUDIO_SETTINGS = 'studio'
export const isSyncedRecord = (record: string): record is SyncedRecord => (SYNCED_RECORDS as readonly string[]).includes(record)

/**
 * The sets a record holds, by field, and the permission that changes them: a customer's
 * tags (as the field table's `tags`), a group's customers (as editing the group). Their
 * items are short strings — a tag, a customer's id.
 */
export const RECORD_SETS: { readonly [R in SyncedRecord]?: Readonly<Record<string, Permission>> } = {
  customer: { tags: RECORD_FIELDS.customer.tags.write },
  group: { customers: RECORD_FIELDS.group.name.write },
  // Words added on two workstations both stay on the list.
  forbiddenClaims: { words: RECORD_FIELDS.forbiddenClaims.words.write },
}
/** Fields that move by deltas (+n/−n) rather than take values. */
export const DELTA_FIELDS: { readonly [R in SyncedRecord]?: readonly string[] } = { product: ['stock'] }

export const isSetField = (record: string, field: string | null): boolean =>
  field !== null && isSyncedRecord(record) && Object.hasOwn(RECORD_SETS[record] ?? {}, field)
export const isDeltaField = (record: string, field: string | null): boolean =>
  field !== null && isSyncedRecord(record) && (DELTA_FIELDS[record] ?? []).includes(field)
/** The permission a change of `field` of `record` needs: its field table's rule, or its set's. */
export const writePermissionOf = (record: SyncedRecord, field: string): Permission | undefined => fieldRule(record, field)?.write ?? RECORD_SETS[record]?.[field]
/** A set's item at most. */
export const MAX_SET_ITEM = 64

/** Changes per push request. */
export const MAX_RECORDS_PUSH = 1000
/** Changes per pull page. */
export const MAX_RECORDS_PULL = 2000
/**
 * The largest file the team's file store takes (PUT /v1/files/:sha256): a buyer photo's or a
 * product's picture as a phone sends it fits well. A workstation refuses a larger one when it
 * is added, and never downloads one.
 */
export const MAX_TEAM_FILE_BYTES = 20 * 1024 * 1024
/** A change's value as JSON, at most (a customer with many addresses and a long note fits well). */
export const MAX_CHANGE_BYTES = 64 * 1024

export const RecordChangeWire = z.object({
  /** The workstation's own order of its changes (record_changes.seq there): the idempotency key with the device. */
  clientSeq: z.number().int().positive(),
  /** The local transaction the change belongs to (the fields one save changed). */
  txId: z.string().min(1).max(64),
  record: z.enum(SYNCED_RECORDS),
  id: z.string().min(1).max(64),
  op: z.enum(['create', 'update', 'delete', 'add', 'remove', 'delta']),
  /** The field of an update, add, remove or delta; null for a create or a delete. */
  field: z.string().min(1).max(64).nullable(),
  /**
   * Update: the field's value; create: every field of the record; add/remove: the item; delta: +n/−n;
   * delete: null, or for a customer a merge removed `{ mergedInto }`, the customer it was merged into.
   */
  value: z.unknown(),
  /** The role the change was made as on its workstation. */
  role: z.string().min(1).max(32),
  /** When, by the workstation's clock (shown, never compared). */
  at: z.string().max(40),
  /**
   * The server sequence the workstation had pulled to when the change was made. An update
   * of a field whose current value is newer than this and came from another device is a
   * conflict: the change still wins (it is later in server order), and the value it
   * replaces is kept as a conflict for a person to see and restore. Absent: never a conflict.
   */
  base: z.number().int().nonnegative().optional(),
  /** The conflict (its id) whose earlier value this change puts back: the server marks it restored. */
  restores: z.string().min(1).max(40).nullable().optional(),
  /** Who made it, as the workstation's profile names them (shown, never checked). */
  actor: z.string().max(80).nullable().optional(),
})
export type RecordChangeWire = z.infer<typeof RecordChangeWire>

/** Why a change is not a change the server stores, or null when it is one. */
export function changeShapeProblem(c: RecordChangeWire): { path: string; message: string } | null {
  if (c.op === 'add' || c.op === 'remove') {
    if (!isSetField(c.record, c.field)) return { path: 'field', message: `${c.field ?? '（无）'} 不是集合 / ${c.field ?? 'no field'} is not a set of a ${c.record}` }
    if (typeof c.value !== 'string' || !c.value || c.value.length > MAX_SET_ITEM) {
      return { path: 'value', message: `集合的一项须是不超过 ${MAX_SET_ITEM} 字的文字 / a set's item is a text of at most ${MAX_SET_ITEM} characters` }
    }
    return null
  }
  if (c.op === 'delta') {
    if (!isDeltaField(c.record, c.field)) return { path: 'field', message: `${c.field ?? '（无）'} 不按增减变化 / ${c.field ?? 'no field'} of a ${c.record} does not move by deltas` }
    if (!Number.isSafeInteger(c.value) || c.value === 0) return { path: 'value', message: '增减须是非零整数 / a delta is a whole number other than 0' }
    return null
  }
  if (c.op === 'delete' && c.value !== null && c.value !== undefined) {
    const into = (c.value as { mergedInto?: unknown } | null)?.mergedInto
    const named = c.record === 'customer' && typeof c.value === 'object' && !Array.isArray(c.value) && Object.keys(c.value).length === 1
    if (!named || typeof into !== 'string' || !into || into.length > 64) {
      return { path: 'value', message: '删除只可带合并到的客户（mergedInto）/ a delete carries nothing but, for a merged customer, the customer it was merged into (mergedInto)' }
    }
  }
  if (c.record === 'setting') {
    if (c.op !== 'update' || c.id !== STUDIO_SETTINGS) {
      return { path: c.op !== 'update' ? 'op' : 'id', message: `工作室设置只能逐项修改（记录 ${STUDIO_SETTINGS}）/ the studio's settings are changed field by field (record ${STUDIO_SETTINGS}), never created or deleted` }
    }
  }
  if (c.op === 'update') {
    if (c.field === null) return { path: 'field', message: '修改须指明字段 / an update names its field' }
    if (!(wireFields(c.record) as string[]).includes(c.field) && !isSetField(c.record, c.field)) {
      return { path: 'field', message: `没有字段 ${c.field} / a ${c.record} has no field ${c.field}` }
    }
  } else if (c.field !== null) {
    return { path: 'field', message: '新建或删除不带字段 / a create or delete names no field' }
  }
  if (c.op === 'create') {
    if (!c.value || typeof c.value !== 'object' || Array.isArray(c.value)) return { path: 'value', message: '新建须带整条记录 / a create carries the whole record' }
    const unknown = Object.keys(c.value).filter((f) => !(wireFields(c.record) as string[]).includes(f))
    if (unknown.length) return { path: `value.${unknown[0]}`, message: `没有字段 ${unknown[0]} / a ${c.record} has no field ${unknown[0]}` }
  }
  if (c.value !== undefined && JSON.stringify(c.value).length > MAX_CHANGE_BYTES) {
    return { path: 'value', message: `值超过 ${MAX_CHANGE_BYTES} 字节 / the value is larger than ${MAX_CHANGE_BYTES} bytes` }
  }
  return null
}

/**
 * Why the team's book cannot take a change's value, or null: a setting must be one the
 * settings take (a time zone the runtime knows, a three-letter currency, an https://
 * invite link) — a workstation reads a bad stored value as its default, the team would
 * hold it for everyone. Refused alone, with the reason; the workstation keeps its own.
 */
export function changeValueProblem(c: RecordChangeWire): { code: string; reason: string } | null {
  if (c.record !== 'setting' || c.op !== 'update' || c.field === null || !Object.hasOwn(Settings.shape, c.field)) return null
  const checked = Settings.shape[c.field as keyof typeof Settings.shape].safeParse(c.value)
  if (checked.success) return null
  return {
    code: 'invalid_value',
    reason: `设置「${c.field}」的值不对（${checked.error.issues[0]?.message ?? ''}），服务器未接受，此工作站保留原样 / the setting ${c.field} holds a value the team cannot take; the server refused it and this workstation keeps its own`,
  }
}

/** The roles a device enrolled for `role` may act for: a manager's workstation has every profile, a trainer's only trainers. */
export const DEVICE_ACTS_FOR: Record<Role, readonly Role[]> = {
  manager: ['manager', 'operator', 'trainer'],
  operator: ['operator', 'trainer'],
  trainer: ['trainer'],
}

/**
 * The fields of `record` a device enrolled for `deviceRole` never receives: those its role
 * sees masked (the field table's `see`) — a trainer's device holds no phone, address or
 * WeChat id of anyone. They are left out rather than sent masked: a masked phone would sit
 * in the unique phone index, group customers as duplicates and be searched as digits.
 */
export function unseenFields(deviceRole: Role, record: SyncedRecord): string[] {
  return Object.entries(RECORD_FIELDS[record] as Record<string, { see?: Permission }>)
    .filter(([, rule]) => rule.see && !holds(deviceRole, rule.see))
    .map(([field]) => field)
}

/** What an unseen field holds on such a device: nothing (an empty list, or no value). */
export const unseenValue = (value: unknown): unknown => (Array.isArray(value) ? [] : null)

/** A whole record as a device enrolled for `deviceRole` may hold it: unseen fields emptied. */
export function withoutUnseen(deviceRole: Role, record: SyncedRecord, value: unknown): unknown {
  const unseen = unseenFields(deviceRole, record)
  if (!unseen.length || !value || typeof value !== 'object' || Array.isArray(value)) return value
  return Object.fromEntries(Object.entries(value).map(([field, v]) => [field, unseen.includes(field) ? unseenValue(v) : v]))
}

const blankValue = (v: unknown) => v === undefined || v === null || v === '' || v === 0 || v === false || (Array.isArray(v) && v.length === 0)

/**
 * Why a device enrolled for `deviceRole` may not make this change, or null when it may:
 * the role the change claims must be one the device acts for (`system`, the studio's own
 * work, is the device's role), and that role must be allowed by the field table
 * (src-shared/permissions.ts — the same table the core checks) to write every field the
 * change writes: an update its field, a create every field it fills, a delete the
 * record's removal.
 */
export function changeRoleProblem(deviceRole: Role, c: RecordChangeWire): { code: string; reason: string } | null {
  const claimed = c.role as ActorRole
  const role: Role | null = claimed === 'system' ? deviceRole : (DEVICE_ACTS_FOR[deviceRole] as readonly string[]).includes(claimed) ? (claimed as Role) : null
  if (!role) {
    const device = ROLE_LABELS[deviceRole]
    return {
      code: 'role_not_enrolled',
      reason: `此设备注册为「${device.zh}」，不能以「${c.role}」的身份修改记录 / this device is enrolled for ${device.en}s and cannot change records as ${c.role}`,
    }
  }
  const needs: { field: string; permission: Permission }[] = []
  if (c.op !== 'create' && c.op !== 'delete' && c.field) needs.push({ field: c.field, permission: writePermissionOf(c.record, c.field)! })
  if (c.op === 'create' && c.value && typeof c.value === 'object') {
    for (const [field, value] of Object.entries(c.value)) if (!blankValue(value)) needs.push({ field, permission: fieldRule(c.record, field)!.write })
  }
  if (c.op === 'delete') needs.push({ field: '', permission: RECORD_DELETES[c.record] ?? permissionOfMethod(`${c.record}s.remove`) ?? 'studio.replace' })
  const denied = needs.find((n) => !holds(role, n.permission))
  if (!denied) return null
  const who = ROLE_LABELS[role]
  return denied.field
    ? {
        code: 'forbidden',
        reason: `${who.zh}不能修改${c.record}的「${denied.field}」，服务器未接受，已恢复团队的值 / ${who.en} may not change a ${c.record}'s ${denied.field}: the server refused it and the team's value was restored`,
      }
    : {
        code: 'forbidden',
        reason: `${who.zh}不能删除${c.record}，服务器未接受，记录已恢复 / ${who.en} may not delete a ${c.record}: the server refused it and the record was restored`,
      }
}

export const RecordsPushRequest = z.object({
  protocol: z.number().int(),
  /** The team the workstation's changes are for (its enrolment's): a batch for another team than the device's is refused whole. */
  team: z.string().min(1).max(60),
  changes: z.array(RecordChangeWire).min(1).max(MAX_RECORDS_PUSH),
})
export type RecordsPushRequest = z.infer<typeof RecordsPushRequest>

/** A change the server will not apply, and why (bilingual, ready to show). */
export const RecordRefusal = z.object({
  clientSeq: z.number().int(),
  code: z.string(),
  reason: z.string(),
  /**
   * What undoes the refused change on its workstation, as the team's book holds it: the
   * field's value, the record again (a refused delete), its removal (a refused create);
   * null when the server holds nothing of the record.
   */
  restore: z
    .object({ op: z.enum(['create', 'update', 'delete']), field: z.string().nullable(), value: z.unknown() })
    .nullable()
    .default(null),
})
export type RecordRefusal = z.infer<typeof RecordRefusal>

/**
 * A create the team already holds by its natural key — a customer by a phone or WeChat id,
 * a product by SKU, a member by invite code (two workstations imported the same sheet
 * before they shared): the server's record wins, with its id; the workstation re-points
 * its rows to `into` and sends the fields it holds otherwise (`fields`: the team's record)
 * as changes of it.
 */
export const RecordMerged = z.object({
  clientSeq: z.number().int(),
  record: z.enum(SYNCED_RECORDS),
  id: z.string(),
  into: z.string(),
  fields: z.record(z.string(), z.unknown()),
})
export type RecordMerged = z.infer<typeof RecordMerged>

/** The fields that name a record of each kind in the studio (a customer: any of its phones, or its WeChat id). */
export const NATURAL_KEYS: { readonly [R in SyncedRecord]?: readonly string[] } = {
  customer: ['phones', 'wechatId'],
  product: ['sku'],
  member: ['inviteCode'],
  // One action, one appeal: the action's second appeal (filed offline on another workstation) becomes its first.
  appeal: ['actionId'],
}

export const RecordsPushResponse = z.object({
  serverId: z.string(),
  /** Creates that became a record the team held already (by natural key). */
  merged: z.array(RecordMerged).default([]),
  /** Client sequences the server now holds (stored by this request or before): they leave the outbox. */
  accepted: z.array(z.number().int()),
  /** How many of them this request stored for the first time. */
  stored: z.number().int(),
  refused: z.array(RecordRefusal),
})
export type RecordsPushResponse = z.infer<typeof RecordsPushResponse>

/** The longest a records pull may be held waiting for the team's next change (below the workstations' request timeout). */
export const MAX_RECORDS_WAIT_S = 25

export const RecordsPullQuery = z.object({
  after: z.coerce.number().int().nonnegative().default(0),
  limit: z.coerce.number().int().min(1).max(MAX_RECORDS_PULL).default(1000),
  /** Seconds to hold the pull when nothing is new (0: answer at once); see src-server/recordsWatch.ts. */
  wait: z.coerce.number().int().min(0).max(MAX_RECORDS_WAIT_S).default(0),
})

/** A change of another device, as pulled, with the server's sequence. */
export const PulledRecordChange = z.object({
  seq: z.number().int().positive(),
  record: z.enum(SYNCED_RECORDS),
  id: z.string(),
  op: z.enum(['create', 'update', 'delete', 'add', 'remove', 'delta']),
  field: z.string().nullable(),
  value: z.unknown(),
  /** Of an add, remove or delta: the set's members, or the sum, as the server holds them when pulled. */
  current: z.unknown().optional(),
  deviceId: z.string(),
  role: z.string(),
  at: z.string(),
})
export type PulledRecordChange = z.infer<typeof PulledRecordChange>

/** Who changed a field, where and when, with the value and the server's sequence of the change. */
export const RecordConflictSide = z.object({
  seq: z.number().int().positive(),
  value: z.unknown(),
  deviceId: z.string(),
  deviceName: z.string().nullable(),
  role: z.string(),
  actor: z.string().nullable(),
  /** By that workstation's clock: shown, never compared. */
  at: z.string(),
})

/**
 * Two devices changed the same field since they last saw each other: the later change in
 * server order won (`later`), the value it replaced is kept (`earlier`). The server keeps
 * every conflict of the team, so each workstation lists the same ones; the id is the
 * winning change's server sequence.
 */
export const RecordConflictWire = z.object({
  id: z.string(),
  /**
   * 'field': one field changed on both sides. 'delete': a record deleted on one side and
   * changed on the other since they last saw each other (either order in the server's):
   * the delete wins, `earlier.value` is the record as the team held it (every field),
   * `later` is the delete; restoring brings the record back. `field` is '' then.
   */
  kind: z.enum(['field', 'delete']).default('field'),
  record: z.enum(SYNCED_RECORDS),
  recordId: z.string(),
  field: z.string(),
  earlier: RecordConflictSide,
  later: RecordConflictSide,
  /** The change that put the earlier value back, when someone did. */
  restored: RecordConflictSide.omit({ value: true }).nullable(),
})
export type RecordConflictWire = z.infer<typeof RecordConflictWire>

export const RecordsPullResponse = z.object({
  serverId: z.string(),
  /**
   * The team's other devices' changes after `after`, oldest first — without those a later
   * change of the same field (or the record's delete) has already replaced: the last
   * change in server order wins, whoever pulls.
   */
  changes: z.array(PulledRecordChange),
  cursor: z.number().int().nonnegative(),
  more: z.boolean(),
  /** The team's newest record change; below a workstation's cursor means the server went back in time. */
  high: z.number().int().nonnegative(),
  /** Conflicts found, or restored, by the changes after `after` up to `cursor` — whichever device made them. */
  conflicts: z.array(RecordConflictWire).default([]),
})
export type RecordsPullResponse = z.infer<typeof RecordsPullResponse>

/** Every field a record of `record` carries on the wire (the field table's, in its order, but a workstation's own). */
export const wireFields = <R extends SyncedRecord>(record: R): SharedField<R>[] =>
  Object.entries(RECORD_FIELDS[record] as Record<string, FieldRule>)
    .filter(([, rule]) => !rule.local)
    .map(([field]) => field as SharedField<R>)

// ---------------------------------------------------------------- the snapshot a new workstation starts from
/**
 *   GET /v1/records/snapshot   the team's live records as the server held them at sequence `at`
 *
 * A workstation with nothing pulled yet takes the team's book whole instead of replaying
 * every change: each live record once, with every field's value as of `at` (a field
 * changed since carries its value at `at`; a record deleted since is still in it, made
 * since is not), page by page. The first page (no `at`) fixes `at` as the team's newest
 * change; the pages after it name it, so the snapshot stays one consistent book however
 * long it takes and whatever the team pushes meanwhile. Afterwards the changes after
 * `at` are pulled as usual.
 */
/** Records per snapshot page, at most. */
export const MAX_RECORDS_SNAPSHOT = 5000

/**
 * The order a snapshot goes through the kinds: a record's references are written before it
 * (members before the customers and groups they own, products before the orders naming them);
 * kinds not named here follow in SYNCED_RECORDS' order.
 */
const SNAPSHOT_FIRST = ['member', 'product'] as const
export const SNAPSHOT_ORDER: readonly SyncedRecord[] = [
  ...SYNCED_RECORDS.filter((r) => (SNAPSHOT_FIRST as readonly string[]).includes(r)).sort(
    (x, y) => (SNAPSHOT_FIRST as readonly string[]).indexOf(x) - (SNAPSHOT_FIRST as readonly string[]).indexOf(y),
  ),
  ...SYNCED_RECORDS.filter((r) => !(SNAPSHOT_FIRST as readonly string[]).includes(r)),
]

export const RecordsSnapshotQuery = z.object({
  /** The snapshot's sequence; absent on the first page (the server fixes it then). */
  at: z.coerce.number().int().nonnegative().optional(),
  /** Where the page starts: the kind, and the last record id of it the previous page held. */
  record: z.enum(SYNCED_RECORDS).optional(),
  after: z.string().max(64).default(''),
  limit: z.coerce.number().int().min(1).max(MAX_RECORDS_SNAPSHOT).default(2000),
})
export type RecordsSnapshotQuery = z.infer<typeof RecordsSnapshotQuery>

export const SnapshotRecord = z.object({
  record: z.enum(SYNCED_RECORDS),
  id: z.string(),
  /** Every field the record held at `at`. */
  value: z.record(z.string(), z.unknown()),
})
export type SnapshotRecord = z.infer<typeof SnapshotRecord>

export const RecordsSnapshotResponse = z.object({
  serverId: z.string(),
  /** The team's sequence the snapshot is as of. */
  at: z.number().int().nonnegative(),
  records: z.array(SnapshotRecord),
  /** Where the next page starts, or null after the last one. */
  next: z.object({ record: z.enum(SYNCED_RECORDS), after: z.string() }).nullable(),
  /** Live records at `at` (counted on the first page only: null on the others). */
  total: z.number().int().nonnegative().nullable(),
  /** The team's conflicts up to `at` (on the last page), so a new workstation lists them as the others do. */
  conflicts: z.array(RecordConflictWire).default([]),
})
export type RecordsSnapshotResponse = z.infer<typeof RecordsSnapshotResponse>

// ---------------------------------------------------------------- lifecycle records
/**
 * Who may delete a record whose removal is not a contract method named after it: a care
 * plan is removed by whoever edits plans (care.removePlan). Rules are archived, approvals
 * and appeals stay: none of them is ever deleted by a person.
 */
export const RECORD_DELETES: { readonly [R in SyncedRecord]?: Permission } = { carePlan: 'plans.edit' }

/**
 * Records whose id every workstation derives alike (a rule's proposal: the rule, the member
 * and the period): a create of one made here is the team's same record, so the team's
 * changes of it are taken even while that create waits to be sent.
 */
export const SHARED_IDS: readonly SyncedRecord[] = ['action']

/**
 * Records created once and never changed (a commission scheme's version: ledger entries
 * name it). The server takes only their create, and of one id only one content: a second,
 * different create of an id the team holds (the same "version n+1" saved offline on two
 * workstations) is refused with the team's record to restore; the same create again (a
 * lost reply) is taken once.
 */
export const IMMUTABLE_RECORDS: readonly SyncedRecord[] = ['schemeVersion']

/** Why a change of an immutable record is not one the team takes (an update or delete of it), or null. */
export function changeImmutableProblem(c: RecordChangeWire): { code: string; reason: string } | null {
  if (!IMMUTABLE_RECORDS.includes(c.record) || c.op === 'create') return null
  return {
    code: 'immutable',
    reason: `${c.record}「${c.id}」保存后不能修改或删除，服务器未接受，已恢复团队的版本 / a ${c.record} (${c.id}) is never changed or deleted once saved: the server refused it and the team's version was restored`,
  }
}
