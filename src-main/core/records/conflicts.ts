import type { RecordConflict } from '../../../src-shared/contracts/sync'
import { OrchardError } from '../../../src-shared/errors'
import { fieldAccess } from '../../../src-shared/permissions'
import { isSyncedRecord, RecordConflictWire, wireFields, type SyncedRecord } from '../../../src-shared/recordsProtocol'
import type { CoreContext } from '../context'
import type { Db } from '../db/connection'
import { HELD_CONFLICT_COLUMNS, type HeldConflictRow } from '../db/tables/sync'
import { maskAddress, maskPhone, maskPhoneName, maskWechatId } from '../permissions'
import { changeWriter, FIELD_LABELS, RECORD_LABELS, recordChange } from './changes'
import { insertRecord, readRecords, writeRecordField } from './sync'

/**
 * The shared records' conflicts on this workstation. The server finds them (an update made
 * on a base older than its field's current change from another device) and keeps them,
 * the team's; each pull brings the ones found or restored since, so every workstation
 * lists every conflict, whichever of them made either change. Restoring one here is an
 * edit like any other: checked, recorded and sent through the one write path.
 */

/** Keeps the conflicts a pull brought (new ones, or ones now restored). Returns how many were new here. */
export function saveConflicts(db: Db, conflicts: RecordConflictWire[]): number {
  if (!conflicts.length) return 0
  const known = db.prepare('SELECT 1 FROM record_conflicts WHERE id = ?')
  const upsert = db.prepare(
    `INSERT INTO record_conflicts (id, record, record_id, field, later_seq, body_json) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET body_json = excluded.body_json,
       restored_here_json = CASE WHEN json_extract(excluded.body_json, '$.restored') IS NULL THEN restored_here_json ELSE NULL END`,
  )
  let fresh = 0
  for (const c of conflicts) {
    if (!known.get(c.id)) fresh++
    upsert.run(c.id, c.record, c.recordId, c.field, c.later.seq, JSON.stringify(c))
  }
  return fresh
}

/**
 * Restores made here that will never reach the team (their change was refused, or their
 * record was removed before it was sent): the conflicts are open again here, as the server
 * and every other workstation hold them.
 */
export function forgetRestoresHere(db: Db, ids: string[]): void {
  if (!ids.length) return
  db.prepare('UPDATE record_conflicts SET restored_here_json = NULL WHERE id IN (SELECT value FROM json_each(?))').run(JSON.stringify(ids))
}

interface RestoredHere {
  actor: string | null
  role: string
  deviceName: string | null
  at: string
}

const NAMES: Record<SyncedRecord, { table: string; column: string }> = {
  customer: { table: 'customers', column: 'name' },
  product: { table: 'products', column: 'name' },
  member: { table: 'members', column: 'name' },
  group: { table: 'groups', column: 'name' },
  order: { table: 'orders', column: 'order_no' },
  setting: { table: 'studio_settings', column: 'studio_name' },
  carePlan: { table: 'care_plans', column: 'name' },
  rule: { table: 'rules', column: 'name' },
  action: { table: 'rule_actions', column: 'member_name' },
  appeal: { table: 'appeals', column: 'reason' },
  comparison: { table: 'price_comparisons', column: 'source' },
  forbiddenClaims: { table: 'forbidden_claims', column: "'广告法禁用词 / forbidden claims'" },
  copyTemplate: { table: 'copy_templates', column: 'substr(body, 1, 24)' },
  posterTemplate: { table: 'poster_templates', column: 'name' },
  buyerPhoto: { table: 'buyer_photos', column: "COALESCE(NULLIF(caption, ''), '买家秀 / buyer photo')" },
  scheme: { table: 'commission_schemes', column: 'name' },
  schemeVersion: { table: 'commission_scheme_versions', column: 'name' },
}

/** A personal value as a role that sees it masked is shown it. */
function maskValue(field: string, value: unknown): unknown {
  const one = (v: unknown) =>
    typeof v !== 'string' ? v : field === 'addresses' || field === 'buyerAddress' ? maskAddress(v) : field === 'wechatId' ? maskWechatId(v) : maskPhone(v)
  return Array.isArray(value) ? value.map(one) : one(value)
}

function present(ctx: CoreContext, row: HeldConflictRow): RecordConflict {
  const c = RecordConflictWire.parse(JSON.parse(row.body_json))
  const whole = c.kind === 'delete'
  const maskedFields = whole ? (wireFields(c.record) as string[]).filter((f) => fieldAccess(ctx.session.role, c.record, f) === 'masked') : []
  const masked = whole ? maskedFields.length > 0 : fieldAccess(ctx.session.role, c.record, c.field) === 'masked'
  const shown = (value: unknown) => {
    if (!masked) return value
    if (!whole) return maskValue(c.field, value)
    if (!value || typeof value !== 'object') return value
    return Object.fromEntries(Object.entries(value).map(([f, v]) => [f, maskedFields.includes(f) ? maskValue(f, v) : v]))
  }
  const side = (s: RecordConflictWire['earlier']) => ({
    value: shown(s.value),
    actor: s.actor,
    role: s.role,
    deviceId: s.deviceId,
    deviceName: s.deviceName,
    at: s.at,
    seq: s.seq,
  })
  const earlier = side(c.earlier)
  const names = NAMES[c.record]
  const kept = whole && c.earlier.value && typeof c.earlier.value === 'object' ? (c.earlier.value as Record<string, unknown>)[names.column] : undefined
  const name =
    (ctx.db.prepare(`SELECT ${names.column} AS name FROM ${names.table} WHERE id = ?`).get(c.recordId) as { name: string } | undefined)?.name ??
    (typeof kept === 'string' ? kept : null)
  const here = row.restored_here_json ? (JSON.parse(row.restored_here_json) as RestoredHere) : null
  const restored = c.restored
    ? { actor: c.restored.actor, role: c.restored.role, deviceName: c.restored.deviceName, at: c.restored.at, confirmed: true }
    : here
      ? { ...here, confirmed: false }
      : null
  return {
    id: c.id,
    kind: c.kind,
    record: c.record,
    recordId: c.recordId,
    recordName: c.record === 'customer' ? maskPhoneName(ctx, name) : name,
    field: c.field,
    recordLabel: `${RECORD_LABELS[c.record].zh} / ${RECORD_LABELS[c.record].en}`,
    fieldLabel: whole
      ? '整条记录（已删除）/ the whole record (deleted)'
      : FIELD_LABELS[c.field]
        ? `${FIELD_LABELS[c.field].zh} / ${FIELD_LABELS[c.field].en}`
        : c.field,
    masked,
    earlier,
    later: side(c.later),
    fields: whole && earlier.value && typeof earlier.value === 'object' ? labelledFields(c.record, earlier.value as Record<string, unknown>) : [],
    status: restored ? 'restored' : 'open',
    restored,
  }
}

const blankValue = (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)

/** A whole record as the console lists it: its fields in the field table's order, labelled, blank ones left out. */
function labelledFields(record: RecordConflictWire['record'], value: Record<string, unknown>): RecordConflict['fields'] {
  return wireFields(record)
    .filter((f) => !blankValue(value[f]))
    .map((f) => ({ field: f, label: FIELD_LABELS[f] ? `${FIELD_LABELS[f].zh} / ${FIELD_LABELS[f].en}` : f, value: value[f] }))
}

/** The name this workstation was enrolled under (what the team's lists call it). */
const deviceNameHere = (db: Db): string | null => (db.prepare('SELECT device_name AS name FROM sync_state WHERE id = 1').get() as { name: string | null } | undefined)?.name ?? null

export function listConflicts(ctx: CoreContext, status: 'open' | 'restored' | 'all'): RecordConflict[] {
  const rows = ctx.db.prepare(`SELECT ${HELD_CONFLICT_COLUMNS} FROM record_conflicts ORDER BY later_seq DESC LIMIT 500`).all() as HeldConflictRow[]
  return rows.map((r) => present(ctx, r)).filter((c) => status === 'all' || c.status === status)
}

/**
 * Puts the conflict's earlier value back as a new change of the field, made by whoever
 * is at the keyboard: the field table decides whether their role may write it (a refusal
 * changes nothing), the change row names the conflict so the server marks it restored
 * for the whole team. The value comes from the server's copy, never from a screen, so a
 * masked rendering can never be what is restored.
 */
export function restoreConflict(ctx: CoreContext, id: string): RecordConflict {
  const db = ctx.db
  const row = db.prepare(`SELECT ${HELD_CONFLICT_COLUMNS} FROM record_conflicts WHERE id = ?`).get(id) as HeldConflictRow | undefined
  if (!row) {
    throw new OrchardError('not_found', `没有编号为 ${id} 的记录冲突 / there is no record conflict ${id}`, { id })
  }
  const current = present(ctx, row)
  if (current.status === 'restored') {
    throw new OrchardError(
      'already_restored',
      `冲突 ${id} 已于 ${current.restored!.at} 恢复 / conflict ${id} was already restored at ${current.restored!.at}`,
      { id, restored: current.restored },
    )
  }
  const c = RecordConflictWire.parse(JSON.parse(row.body_json))
  if (!isSyncedRecord(c.record)) throw new OrchardError('not_found', `无法恢复 ${c.record} / ${c.record} cannot be restored`, { id })
  if (c.kind === 'delete') {
    restoreDeleted(ctx, c, current.recordName ?? c.recordId)
    const after = db.prepare(`SELECT ${HELD_CONFLICT_COLUMNS} FROM record_conflicts WHERE id = ?`).get(id) as HeldConflictRow
    return present(ctx, after)
  }
  const now = readRecords(db, c.record, [c.recordId]).get(c.recordId)
  if (!now) {
    throw new OrchardError('not_found', `记录已被删除，无法恢复冲突 ${id} / the record was deleted: conflict ${id} cannot be restored`, {
      id,
      record: c.record,
      recordId: c.recordId,
    })
  }
  const w = changeWriter(ctx)
  const at = w.at.toISOString()
  db.transaction(() => {
    recordChange(w, {
      record: c.record,
      id: c.recordId,
      label: current.recordName ?? c.recordId,
      op: 'update',
      before: { [c.field]: now[c.field] },
      after: { [c.field]: c.earlier.value },
      // Even when the field holds the earlier value again by now: the change is what tells the server the conflict is restored.
      always: [c.field],
    })
    if (!writeRecordField(db, c.record, c.recordId, c.field, c.earlier.value, at)) {
      throw new OrchardError('invalid_value', `冲突 ${id} 的旧值不是「${c.field}」能保存的值 / the earlier value of conflict ${id} is not a value of ${c.field}`, {
        id,
        field: c.field,
      })
    }
    // The change row is what travels; naming the conflict on it lets the server mark it restored for everyone.
    db.prepare('UPDATE record_changes SET restores = ? WHERE tx_id = ?').run(id, w.txId)
    const here: RestoredHere = { actor: ctx.session.name, role: ctx.session.role ?? 'system', deviceName: deviceNameHere(db), at }
    db.prepare('UPDATE record_conflicts SET restored_here_json = ? WHERE id = ?').run(JSON.stringify(here), id)
  })()
  const after = db.prepare(`SELECT ${HELD_CONFLICT_COLUMNS} FROM record_conflicts WHERE id = ?`).get(id) as HeldConflictRow
  return present(ctx, after)
}

/**
 * Brings a deleted record back as the team last held it: a create through the one write
 * path (every field it fills checked for the role, a refusal changing nothing), with the
 * same id, sent to the team with the next sync; the server lifts the record's tombstone.
 * Refused when the record is here again, or its phone, WeChat id, SKU or invite code now
 * belongs to another record.
 */
function restoreDeleted(ctx: CoreContext, c: RecordConflictWire, label: string): void {
  const db = ctx.db
  const record = c.record
  if (readRecords(db, record, [c.recordId]).has(c.recordId)) {
    throw new OrchardError('already_restored', `记录 ${label} 已经存在，无需恢复 / ${label} exists again: there is nothing to bring back`, { id: c.id, recordId: c.recordId })
  }
  const values = c.earlier.value && typeof c.earlier.value === 'object' ? (c.earlier.value as Record<string, unknown>) : {}
  const w = changeWriter(ctx)
  const at = w.at.toISOString()
  db.transaction(() => {
    recordChange(w, { record, id: c.recordId, label, op: 'create', after: values })
    const problem = insertRecord(db, record, c.recordId, values, at)
    if (problem) {
      throw new OrchardError(
        problem === 'duplicate_key' ? 'duplicate_key' : 'invalid_value',
        problem === 'duplicate_key'
          ? `${label} 的手机号、微信号、SKU 或邀请码已属于另一条记录，无法恢复 / another record now holds ${label}'s phone, WeChat id, SKU or invite code: it cannot be brought back`
          : `冲突 ${c.id} 保存的记录不完整，无法恢复 / the record kept by conflict ${c.id} is not whole: it cannot be brought back`,
        { id: c.id, recordId: c.recordId },
      )
    }
    db.prepare('UPDATE record_changes SET restores = ? WHERE tx_id = ?').run(c.id, w.txId)
    const here: RestoredHere = { actor: ctx.session.name, role: ctx.session.role ?? 'system', deviceName: deviceNameHere(db), at }
    db.prepare('UPDATE record_conflicts SET restored_here_json = ? WHERE id = ?').run(JSON.stringify(here), c.id)
  })()
}
