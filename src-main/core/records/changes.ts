import { isDeepStrictEqual } from 'node:util'
import { OrchardError } from '../../../src-shared/errors'
import { fieldRule, PERMISSIONS, RECORD_FIELDS, type Actor, type FieldRule, type RecordKind } from '../../../src-shared/permissions'
import { isDeltaField, isSetField, RECORD_SETS, type SyncedRecord } from '../../../src-shared/recordsProtocol'
import { ROLE_LABELS, type ActorRole } from '../../../src-shared/roles'
import type { CoreContext } from '../context'
import type { Db } from '../db/connection'
import { GROUP_CUSTOMERS } from '../db/tables/groups'
import { insertRowIfNew } from '../db/tables/table'
import { newId } from '../ids'
import { actorOf, appendAudit, type Actor as AuditActor } from '../audit/audit'
import { workstationId } from '../workstation'

/**
 * The one path by which a shared record changes. Whatever writes a customer, product,
 * member, group, scheme or setting — a console form, the `orchard` command, an import,
 * the demo seed, a rule decision — calls `recordChange` (or `recordImport`) inside the
 * transaction of its write. There, and nowhere else:
 *  - each changed field is checked against the field table (src-shared/permissions.ts)
 *    for the role the change is made as: a refusal throws and the transaction rolls back
 *    the write with it, so a refused change leaves nothing behind;
 *  - a contact field never takes the masked rendering a role was shown ("138****8000");
 *  - a set (a customer's tags, a group's customers) changes by one row per item added or
 *    removed, a product's stock by one row of its delta (a "set stock to N" is the move
 *    from the value held here): concurrent changes of other items, or other sales, survive;
 *  - one record_changes row per changed field, grouped by the call's transaction id, is
 *    what the team's sync will send (its outbox hangs on the same rows), with the server
 *    sequence this workstation had pulled to (base_seq): what tells the server a conflict
 *    (both changed the field since they last saw each other) from a later edit;
 *  - changes to personal data (which field, never the value), prices, price floors,
 *    commission rates and the team tree, and every delete, go into the audit chain with
 *    actor, workstation and time.
 */

export type ChangeSource = 'console' | 'cli' | 'import' | 'demo' | 'rule'

/** Who makes a group of changes, where, when and how: one per core call (one transaction). */
export interface ChangeWriter {
  db: Db
  /** The role the field table is asked about. */
  role: Actor
  /** Who the audit log names. */
  actor: AuditActor
  at: Date
  source: ChangeSource
  txId: string
  workstation: string
}

/** The writer for the call `ctx` is running: its session, its clock, and the host it came through. */
export function changeWriter(ctx: CoreContext, source?: ChangeSource, db: Db = ctx.db): ChangeWriter {
  return {
    db,
    role: ctx.session.role,
    actor: actorOf(ctx),
    at: ctx.clock.now(),
    source: source ?? (ctx.host === 'cli' ? 'cli' : 'console'),
    txId: newId(),
    workstation: workstationId(db),
  }
}

/** The studio's own work (the demo seed, migrations of data): may write every field. */
export function systemWriter(db: Db, at: Date, source: ChangeSource): ChangeWriter {
  return { db, role: 'system', actor: { id: null, name: '系统 / system', role: 'system' }, at, source, txId: newId(), workstation: workstationId(db) }
}

/** Changes a rule decision makes (a suspension pausing a member): made as the person who decided, or the system when a suspension ends. */
export function ruleWriter(db: Db, actor: AuditActor, at: Date): ChangeWriter {
  return { db, role: actor.role, actor, at, source: 'rule', txId: newId(), workstation: workstationId(db) }
}

export const RECORD_LABELS: Record<RecordKind, { zh: string; en: string }> = {
  customer: { zh: '客户', en: 'customer' },
  product: { zh: '商品', en: 'product' },
  member: { zh: '会员', en: 'member' },
  group: { zh: '社群', en: 'group' },
  order: { zh: '订单', en: 'order' },
  scheme: { zh: '佣金方案', en: 'commission scheme' },
  setting: { zh: '设置', en: 'setting' },
  carePlan: { zh: '关怀计划', en: 'care plan' },
  rule: { zh: '规则', en: 'rule' },
  action: { zh: '处理提议', en: 'proposed action' },
  appeal: { zh: '申诉', en: 'appeal' },
  comparison: { zh: '比价', en: 'price comparison' },
  forbiddenClaims: { zh: '广告法禁用词', en: 'forbidden-claims list' },
  copyTemplate: { zh: '文案模板', en: 'copy template' },
  posterTemplate: { zh: '海报模板', en: 'poster template' },
  buyerPhoto: { zh: '买家秀照片', en: 'buyer photo' },
  schemeVersion: { zh: '佣金方案版本', en: 'commission scheme version' },
}

/** How a refusal and the audit name a field. */
export const FIELD_LABELS: Record<string, { zh: string; en: string }> = {
  name: { zh: '名称', en: 'name' },
  wechatId: { zh: '微信号', en: 'WeChat id' },
  phones: { zh: '手机号', en: 'phones' },
  phone: { zh: '手机号', en: 'phone' },
  addresses: { zh: '地址', en: 'addresses' },
  tags: { zh: '标签', en: 'tags' },
  customers: { zh: '社群客户', en: 'customers' },
  relClass: { zh: '关系分类', en: 'relationship class' },
  segment: { zh: '人群', en: 'segment' },
  ownerMemberId: { zh: '归属会员', en: 'owner' },
  notes: { zh: '备注', en: 'notes' },
  sku: { zh: 'SKU', en: 'SKU' },
  brand: { zh: '品牌', en: 'brand' },
  category: { zh: '类目', en: 'category' },
  images: { zh: '图片', en: 'images' },
  facts: { zh: '卖点', en: 'facts' },
  listPriceFen: { zh: '原价', en: 'list price' },
  salePriceFen: { zh: '售价', en: 'sale price' },
  priceFloorFen: { zh: '控价', en: 'price floor' },
  stock: { zh: '库存', en: 'stock' },
  active: { zh: '上架', en: 'on sale' },
  commissionBp: { zh: '佣金比例', en: 'commission rate' },
  mentorCommissionBp: { zh: '上级佣金比例', en: 'mentor commission rate' },
  inviteCode: { zh: '邀请码', en: 'invite code' },
  mentorId: { zh: '师父', en: 'mentor' },
  level: { zh: '等级', en: 'level' },
  joinDate: { zh: '加入日期', en: 'join date' },
  status: { zh: '状态', en: 'status' },
  feePaidFen: { zh: '会员费', en: 'membership fee' },
  theme: { zh: '主题', en: 'theme' },
  massSendAllowance: { zh: '群发额度', en: 'mass-send allowance' },
  rules: { zh: '佣金规则', en: 'commission rules' },
  updateFeedUrl: { zh: '更新来源', en: 'update feed' },
  autoBackup: { zh: '自动备份', en: 'automatic backup' },
  backupKeepDays: { zh: '备份保留天数', en: 'backup retention' },
  orderNo: { zh: '订单号', en: 'order number' },
  memberId: { zh: '归属会员', en: 'attributed member' },
  buyerPhone: { zh: '买家手机号', en: 'buyer phone' },
  buyerEmail: { zh: '买家邮箱', en: 'buyer e-mail' },
  buyerAddress: { zh: '买家地址', en: 'buyer address' },
  refundedFen: { zh: '退款金额', en: 'refunded amount' },
  lines: { zh: '商品行与退款', en: 'lines and refunds' },
  description: { zh: '说明', en: 'description' },
  trigger: { zh: '触发条件', en: 'trigger' },
  builtIn: { zh: '内置', en: 'built in' },
  steps: { zh: '步骤', en: 'steps' },
  eventType: { zh: '事件类型', en: 'event type' },
  threshold: { zh: '次数阈值', en: 'threshold' },
  windowDays: { zh: '统计天数', en: 'window' },
  actionKind: { zh: '处理方式', en: 'action' },
  actionPoints: { zh: '积分', en: 'points' },
  actionAmountFen: { zh: '金额', en: 'amount' },
  actionDays: { zh: '暂停天数', en: 'suspension days' },
  effectiveFrom: { zh: '生效日期', en: 'effective from' },
  archivedAt: { zh: '停用时间', en: 'archived' },
  decision: { zh: '决定', en: 'decision' },
  decisionReason: { zh: '决定理由', en: 'reason of the decision' },
  overturnedAt: { zh: '撤销时间', en: 'overturned' },
  productId: { zh: '商品', en: 'product' },
  priceFen: { zh: '价格', en: 'price' },
  observedOn: { zh: '看到价格的日期', en: 'day seen' },
  url: { zh: '链接', en: 'link' },
  note: { zh: '备注', en: 'note' },
  words: { zh: '禁用词', en: 'forbidden words' },
  channel: { zh: '渠道', en: 'channel' },
  tone: { zh: '语气', en: 'tone' },
  body: { zh: '正文', en: 'text' },
  position: { zh: '顺序', en: 'position' },
  shape: { zh: '尺寸', en: 'shape' },
  spec: { zh: '版式', en: 'layout' },
  basedOn: { zh: '复制自', en: 'based on' },
  archived: { zh: '已归档', en: 'archived' },
  customerId: { zh: '客户', en: 'customer' },
  caption: { zh: '说明文字', en: 'caption' },
  width: { zh: '宽度', en: 'width' },
  height: { zh: '高度', en: 'height' },
  sha256: { zh: '图片文件', en: 'image file' },
  currentVersion: { zh: '当前版本', en: 'current version' },
  activeScheme: { zh: '启用的佣金方案', en: 'active commission scheme' },
  schemeId: { zh: '佣金方案', en: 'commission scheme' },
  version: { zh: '版本', en: 'version' },
  savedAt: { zh: '保存时间', en: 'saved' },
  createdBy: { zh: '保存人', en: 'saved by' },
}
const label = (field: string) => FIELD_LABELS[field] ?? { zh: field, en: field }

/** Refuses a change of `field` the field table does not let `role` make. Changes nothing. */
export function requireFieldWrite(role: Actor, record: RecordKind, field: string, details: Record<string, unknown> = {}): void {
  const rule: FieldRule | undefined = fieldRule(record, field)
  if (!rule) {
    throw new OrchardError('unknown_field', `${RECORD_LABELS[record].zh}没有字段「${field}」/ a ${RECORD_LABELS[record].en} has no field ${field}`, {
      record,
      field,
      ...details,
    })
  }
  if ((PERMISSIONS[rule.write] as readonly Actor[]).includes(role)) return
  const needs = (PERMISSIONS[rule.write] as readonly Actor[]).filter((r): r is Exclude<ActorRole, 'system'> => r !== null && r !== 'system')
  const who = role ? ROLE_LABELS[role] : { zh: '未登录', en: 'nobody signed in' }
  const masked = rule.see && !(PERMISSIONS[rule.see] as readonly Actor[]).includes(role)
  throw new OrchardError(
    'forbidden',
    `${who.zh}不能修改${RECORD_LABELS[record].zh}的「${label(field).zh}」${masked ? '（对此角色打码显示）' : ''}，需要：${needs.map((r) => ROLE_LABELS[r].zh).join('、')} / ` +
      `${who.en} may not change a ${RECORD_LABELS[record].en}'s ${label(field).en}${masked ? ' (shown masked to this role)' : ''}; needs: ${needs.map((r) => ROLE_LABELS[r].en).join(', ')}`,
    { record, field, role, needs, permission: rule.write, ...details },
  )
}

/** The masked rendering the console shows a role that may not see a value: 138****8000, 广东省深圳市****. */
export const MASKED = /\*{4}/

/**
 * Refuses a contact value that is a masked rendering rather than a value: storing it would
 * replace the real phone or address for everyone, for good. Located to the item.
 */
export function refuseMaskedValue(record: RecordKind, id: string | null, field: string, value: unknown): void {
  const items = Array.isArray(value) ? value : [value]
  items.forEach((item, i) => {
    if (typeof item !== 'string' || !MASKED.test(item)) return
    const at = Array.isArray(value) ? `${field}.${i}` : field
    throw new OrchardError(
      'masked_value',
      `「${label(field).zh}」${Array.isArray(value) ? `第 ${i + 1} 项` : ''}是打码后的显示值（${item}），不是真实内容，不能保存 / ${at} is a masked rendering (${item}), not a value: it cannot be stored`,
      { record, id, field: at, value: item },
    )
  })
}

const blank = (v: unknown) => v === undefined || v === null || v === '' || v === 0 || v === false || (Array.isArray(v) && v.length === 0)

type ChangeOp = 'create' | 'update' | 'delete' | 'add' | 'remove' | 'delta'

const asItems = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [])

/** What an edit of a set added and removed, each item once, in the order the lists hold them. */
function setDiff(before: unknown, after: unknown): { added: string[]; removed: string[] } {
  const was = new Set(asItems(before))
  const now = new Set(asItems(after))
  return { added: [...now].filter((x) => !was.has(x)), removed: [...was].filter((x) => !now.has(x)) }
}

/** Refuses a change of a set (RECORD_SETS) `role` may not make. Changes nothing. */
export function requireSetWrite(role: Actor, record: SyncedRecord, field: string, details: Record<string, unknown> = {}): void {
  const permission = RECORD_SETS[record]?.[field]
  if (!permission) throw new Error(`${record}.${field} is not a set`)
  if (fieldRule(record, field)) return requireFieldWrite(role, record, field, details)
  if ((PERMISSIONS[permission] as readonly Actor[]).includes(role)) return
  const who = role ? ROLE_LABELS[role] : { zh: '未登录', en: 'nobody signed in' }
  throw new OrchardError(
    'forbidden',
    `${who.zh}不能修改${RECORD_LABELS[record].zh}的「${label(field).zh}」/ ${who.en} may not change a ${RECORD_LABELS[record].en}'s ${label(field).en}`,
    { record, field, role, permission, ...details },
  )
}

/**
 * Records items joining or leaving one of a record's sets (RECORD_SETS: a customer's tags,
 * a group's customers) written by the caller in the same transaction: role-checked as the
 * set's permission, one row per item. A refusal throws, and the write goes with it.
 */
export function recordSetChange(w: ChangeWriter, record: SyncedRecord, id: string, field: string, op: 'add' | 'remove', items: readonly string[]): void {
  if (!items.length) return
  requireSetWrite(w.role, record, field, { id })
  const insert = w.db.prepare(
    `INSERT INTO record_changes (tx_id, record, record_id, op, field, at, actor_id, actor_role, workstation, source, base_seq, value_json)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT records_cursor FROM sync_state WHERE id = 1), ?)`,
  )
  const at = w.at.toISOString()
  for (const item of items) insert.run(w.txId, record, id, op, field, at, w.actor.id, w.actor.role, w.workstation, w.source, JSON.stringify(item))
}

export interface RecordWrite {
  record: RecordKind
  id: string
  /** How the audit names the record: a name or SKU, never a phone number. */
  label: string
  op: 'create' | 'update' | 'delete'
  /** The record's fields before the write (update, delete). */
  before?: Record<string, unknown>
  /** Its fields after the write (create, update); fields left out did not change. */
  after?: Record<string, unknown>
  /** Fields of an update recorded even when they hold the same value (a conflict put back: the team must hear of it). */
  always?: string[]
  /** A delete that merged the record into another (a customer merge): the other workstations move their own rows that point at it there. */
  mergedInto?: string
  /**
   * The caller writes its own audit record of this change, with the values (a rule's
   * rule.updated, a decision's action.approved): the change is checked and recorded here
   * but not logged twice.
   */
  audited?: boolean
}

/**
 * Checks and records one record's change. Call it inside the write's transaction, after or
 * before the write: a refusal throws, and the transaction takes the write back with it.
 * Returns the fields that changed (empty when nothing did: nothing is recorded then).
 */
export function recordChange(w: ChangeWriter, change: RecordWrite): string[] {
  const fields = Object.keys(RECORD_FIELDS[change.record])
  const before = change.before ?? {}
  const after = change.after ?? {}
  const changed =
    change.op === 'delete'
      ? []
      : fields.filter(
          (f) =>
            Object.hasOwn(after, f) &&
            (change.op === 'create' ? !blank(after[f]) : !isDeepStrictEqual(before[f], after[f]) || Boolean(change.always?.includes(f))),
        )
  if (change.op === 'update' && changed.length === 0) return changed
  for (const field of changed) {
    requireFieldWrite(w.role, change.record, field, { id: change.id })
    if (fieldRule(change.record, field)?.see) refuseMaskedValue(change.record, change.id, field, after[field])
  }
  const insert = w.db.prepare(
    `INSERT INTO record_changes (tx_id, record, record_id, op, field, at, actor_id, actor_role, workstation, source, base_seq, value_json)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT records_cursor FROM sync_state WHERE id = 1), ?)`,
  )
  const at = w.at.toISOString()
  const row = (op: ChangeOp, field: string | null, value?: unknown) =>
    insert.run(w.txId, change.record, change.id, op, field, at, w.actor.id, w.actor.role, w.workstation, w.source, value === undefined ? null : JSON.stringify(value))
  if (change.op === 'update') {
    for (const field of changed) {
      if (isSetField(change.record, field)) {
        const { added, removed } = setDiff(before[field], after[field])
        for (const item of removed) row('remove', field, item)
        for (const item of added) row('add', field, item)
      } else if (isDeltaField(change.record, field) && Number.isSafeInteger(before[field]) && Number.isSafeInteger(after[field])) {
        row('delta', field, (after[field] as number) - (before[field] as number))
      } else row('update', field)
    }
  } else row(change.op, null, change.op === 'delete' && change.mergedInto ? { mergedInto: change.mergedInto } : undefined)

  const audited = changed.filter((f) => fieldRule(change.record, f)?.audit)
  if (!change.audited && (change.op === 'delete' || audited.length)) {
    const personal = audited.filter((f) => fieldRule(change.record, f)?.audit === 'personal')
    const valued = audited.filter((f) => fieldRule(change.record, f)?.audit === 'value')
    const pick = (values: Record<string, unknown>) => Object.fromEntries(valued.map((f) => [f, values[f] ?? null]))
    const names = (list: string[], lang: 'zh' | 'en') => list.map((f) => label(f)[lang]).join(lang === 'zh' ? '、' : ', ')
    const kind = change.op === 'create' ? 'record.created' : change.op === 'delete' ? 'record.deleted' : 'record.changed'
    const verb = { create: ['新建', 'created'], update: ['修改', 'changed'], delete: ['删除', 'deleted'] }[change.op]
    const what = RECORD_LABELS[change.record]
    appendAudit(
      w.db,
      w.actor,
      {
        kind,
        entity: change.record,
        entityId: change.id,
        summary:
          `${verb[0]}${what.zh}「${change.label}」${audited.length ? `：${names(audited, 'zh')}` : ''} / ` +
          `${what.en} ${change.label} ${verb[1]}${audited.length ? `: ${names(audited, 'en')}` : ''}`,
        before: change.op === 'create' || !valued.length ? undefined : pick(before),
        // Personal data is named, never copied: which fields changed, not what they hold.
        after: change.op === 'delete' ? undefined : { ...pick(after), ...(personal.length ? { personal } : {}), source: w.source },
      },
      w.at,
    )
  }
  return changed
}

/**
 * Checks and records what an import wrote: the fields its mapping fills are checked once
 * for the importing role (a trainer's customer sheet with a phone column is refused before
 * a row is written), one record_changes row per record it created or changed, and one audit
 * record for the run naming the personal and audited fields it wrote — never their values.
 */
export function checkImportFields(w: ChangeWriter, record: RecordKind, fields: string[]): void {
  for (const field of fields) requireFieldWrite(w.role, record, field, { source: 'import' })
}

const TABLES: Partial<Record<RecordKind, string>> = { customer: 'customers', product: 'products', member: 'members', group: 'groups' }
// Orders are imported (and seeded) too: their lines travel with them (src-main/core/records/sync.ts).
TABLES.order = 'orders'

/**
 * After an import's write, in its transaction: the records the run created are the rows
 * past the table's last rowid before it (`watermark`), the ones it changed carry the run's
 * time stamp (`stamp`, their updated_at) — found in the table rather than collected row by
 * row, so an import of 100,000 customers stays two statements. (A record another write gave
 * the very same millisecond stamp is listed as changed too: harmless, the sync sends what
 * the record holds.)
 */
export function rowWatermark(db: Db, record: RecordKind): number {
  const table = TABLES[record]
  if (!table) throw new Error(`rowWatermark: ${record} is not imported`)
  return (db.prepare(`SELECT COALESCE(MAX(rowid), 0) AS n FROM ${table}`).get() as { n: number }).n
}

export function recordImport(
  w: ChangeWriter,
  record: RecordKind,
  run: {
    importId: string
    fileName: string
    fields: string[]
    stamp: string
    watermark: number
    groupJoins?: readonly (readonly [string, string])[]
    /**
     * The fields each changed record took, as [id, field], when the import knows them (an
     * order taking a refund): one row per field, so the team's sync sends exactly those.
     */
    updates?: readonly (readonly [id: string, field: string])[]
  },
): { created: number; updated: number } {
  checkImportFields(w, record, run.fields)
  const table = TABLES[record]
  if (!table) throw new Error(`recordImport: ${record} is not imported`)
  const at = w.at.toISOString()
  const insert = (op: 'create' | 'update', where: string) =>
    w.db
      .prepare(
        `INSERT INTO record_changes (tx_id, record, record_id, op, field, at, actor_id, actor_role, workstation, source, base_seq)
         SELECT @tx, @record, id, @op, NULL, @at, @actorId, @role, @workstation, 'import', (SELECT records_cursor FROM sync_state WHERE id = 1) FROM ${table} WHERE updated_at = @stamp AND ${where} ORDER BY rowid`,
      )
      .run({ tx: w.txId, record, op, at, actorId: w.actor.id, role: w.actor.role, workstation: w.workstation, stamp: run.stamp, watermark: run.watermark })
      .changes
  const created = insert('create', 'rowid > @watermark')
  let updated = 0
  if (run.updates) {
    const field = w.db.prepare(
      `INSERT INTO record_changes (tx_id, record, record_id, op, field, at, actor_id, actor_role, workstation, source, base_seq)
       VALUES (?, ?, ?, 'update', ?, ?, ?, ?, ?, 'import', (SELECT records_cursor FROM sync_state WHERE id = 1))`,
    )
    for (const [id, f] of run.updates) {
      requireFieldWrite(w.role, record, f, { id, source: 'import' })
      field.run(w.txId, record, id, f, at, w.actor.id, w.actor.role, w.workstation)
    }
    updated = new Set(run.updates.map(([id]) => id)).size
  } else {
    // A known record the import wrote: one row per field the import writes, so the team's
    // sync sends exactly those (the values it holds when it sends). Tags travel as adds below.
    updated = w.db.prepare(`SELECT count(*) FROM ${table} WHERE updated_at = ? AND rowid <= ?`).pluck().get(run.stamp, run.watermark) as number
    const fields = run.fields.filter((f) => fieldRule(record, f) && !(record === 'customer' && f === 'tags'))
    if (updated && fields.length) {
      w.db
        .prepare(
          `INSERT INTO record_changes (tx_id, record, record_id, op, field, at, actor_id, actor_role, workstation, source, base_seq)
           SELECT @tx, @record, t.id, 'update', f.value, @at, @actorId, @role, @workstation, 'import', (SELECT records_cursor FROM sync_state WHERE id = 1)
             FROM ${table} t, json_each(@fields) f WHERE t.updated_at = @stamp AND t.rowid <= @watermark ORDER BY t.rowid, f.key`,
        )
        .run({ tx: w.txId, record, at, actorId: w.actor.id, role: w.actor.role, workstation: w.workstation, stamp: run.stamp, watermark: run.watermark, fields: JSON.stringify(fields) })
    }
  }
  if (record === 'customer' && run.fields.includes('tags') && updated) {
    // Tags an import gives a known customer travel as adds (an import only adds to a list):
    // an add of a tag the customer had already changes nothing anywhere.
    w.db
      .prepare(
        `INSERT INTO record_changes (tx_id, record, record_id, op, field, at, actor_id, actor_role, workstation, source, base_seq, value_json)
         SELECT @tx, 'customer', c.id, 'add', 'tags', @at, @actorId, @role, @workstation, 'import', (SELECT records_cursor FROM sync_state WHERE id = 1), json_quote(j.value)
           FROM customers c, json_each(c.tags) j WHERE c.updated_at = @stamp AND c.rowid <= @watermark ORDER BY c.rowid, j.key`,
      )
      .run({ tx: w.txId, at, actorId: w.actor.id, role: w.actor.role, workstation: w.workstation, stamp: run.stamp, watermark: run.watermark })
  }
  // After the creates: a workstation taking the joins in this order knows each customer by then.
  if (run.groupJoins?.length) joinGroups(w, run.groupJoins)
  const audited = run.fields.filter((f) => fieldRule(record, f)?.audit)
  if (!audited.length || created + updated === 0) return { created, updated }
  const what = RECORD_LABELS[record]
  appendAudit(
    w.db,
    w.actor,
    {
      kind: 'records.imported',
      entity: record,
      entityId: run.importId,
      summary:
        `导入${what.zh}「${run.fileName}」：新建 ${created}，更新 ${updated}；写入 ${audited.map((f) => label(f).zh).join('、')} / ` +
        `${what.en} import ${run.fileName}: ${created} created, ${updated} updated; wrote ${audited.map((f) => label(f).en).join(', ')}`,
      after: { file: run.fileName, created, updated, fields: audited },
    },
    w.at,
  )
  return { created, updated }
}

/**
 * Customers joining groups (社群), as [customer id, group id]: written here, in the write's
 * transaction, and recorded as one add to the group's `customers` set per customer who
 * joined, so the sync sends the membership with the group. A customer already in a
 * group stays as they were (joined when they first joined). Every customer and group must
 * still exist — a write may run with SQLite's per-row key checks off (an import), and a
 * membership of someone deleted meanwhile would point nowhere. Returns how many joined.
 */
export function joinGroups(w: ChangeWriter, joins: readonly (readonly [customerId: string, groupId: string])[]): number {
  if (!joins.length) return 0
  requireSetWrite(w.role, 'group', 'customers', { source: w.source })
  const db = w.db
  const present = (table: string, ids: Set<string>) =>
    (db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE id IN (SELECT value FROM json_each(?))`).get(JSON.stringify([...ids])) as { n: number }).n === ids.size
  if (!present('groups', new Set(joins.map((j) => j[1]))) || !present('customers', new Set(joins.map((j) => j[0])))) {
    throw new OrchardError('import_conflict', '写入期间社群或客户已被删除，请重试 / a group or customer was deleted meanwhile; try again', {})
  }
  const at = w.at.toISOString()
  const gained = new Set<string>()
  let joined = 0
  for (const [customerId, groupId] of joins) {
    if (!insertRowIfNew(db, GROUP_CUSTOMERS, { group_id: groupId, customer_id: customerId, joined_at: at })) continue
    gained.add(`${groupId}\u0000${customerId}`)
    joined++
  }
  const change = db.prepare(
    `INSERT INTO record_changes (tx_id, record, record_id, op, field, at, actor_id, actor_role, workstation, source, base_seq, value_json)
     VALUES (?, 'group', ?, 'add', 'customers', ?, ?, ?, ?, ?, (SELECT records_cursor FROM sync_state WHERE id = 1), ?)`,
  )
  for (const [customerId, groupId] of joins) if (gained.delete(`${groupId}\u0000${customerId}`)) change.run(w.txId, groupId, at, w.actor.id, w.actor.role, w.workstation, w.source, JSON.stringify(customerId))
  return joined
}

/**
 * A studio written whole — the demo seed — is recorded as one transaction creating every
 * record it holds. Its people are invented, so the audit log (emptied with the studio)
 * keeps nothing of it; the change rows are what a team's sync would need.
 */
export function recordSeed(w: ChangeWriter): void {
  for (const [record, table] of Object.entries(TABLES)) {
    w.db
      .prepare(
        `INSERT INTO record_changes (tx_id, record, record_id, op, field, at, actor_id, actor_role, workstation, source)
         SELECT @tx, @record, id, 'create', NULL, @at, @actorId, @role, @workstation, @source FROM ${table} ORDER BY rowid`,
      )
      .run({ tx: w.txId, record, at: w.at.toISOString(), actorId: w.actor.id, role: w.actor.role, workstation: w.workstation, source: w.source })
  }
  // Its groups' customers, as the adds any other join is (they are not fields of the group's create).
  w.db
    .prepare(
      `INSERT INTO record_changes (tx_id, record, record_id, op, field, at, actor_id, actor_role, workstation, source, value_json)
       SELECT @tx, 'group', group_id, 'add', 'customers', @at, @actorId, @role, @workstation, @source, json_quote(customer_id) FROM group_customers ORDER BY group_id, joined_at, customer_id`,
    )
    .run({ tx: w.txId, at: w.at.toISOString(), actorId: w.actor.id, role: w.actor.role, workstation: w.workstation, source: w.source })
}
