import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PayoutBatch, PeriodClose } from '../../../../src-shared/contracts/ledger'
import { Customer, Group, Member, Order, OrderDetail, Product } from '../../../../src-shared/schemas'
import { createCore, type OrchardCore } from '../../api'
import { readRecords } from '../../records/sync'
import { CUSTOMER_COLUMNS, CUSTOMERS, toCustomer, type CustomerRow } from './customers'
import { GROUP_COLUMNS, GROUPS, toGroup, type GroupRow } from './groups'
import { LEDGER_CLOSES, PAYOUT_BATCHES, PERIOD_CLOSE_COLUMNS, toPayoutBatch, toPeriodClose, type PayoutBatchRow, type PeriodCloseRow } from './ledger'
import { MEMBERS, toMember, type MemberRow } from './members'
import { ORDER_COLUMNS, ORDER_FROM, ORDER_LINES, ORDERS, toOrder, toOrderDetail, type OrderRow } from './orders'
import { PRODUCT_COLUMNS, PRODUCTS, toProduct, type ProductRow } from './products'
import { columnList, type ColumnCodec } from './table'
import { Appeal as AppealSchema, CarePlan, CareTask, KitTemplate, KitTemplateSummary, MemberEvent, Profile, ProposedAction, Rule, TemperatureDay } from '../../../../src-shared/contracts/lifecycle'
import {
  APPEAL_SELECT,
  APPEALS,
  CARE_PLANS,
  CARE_STEPS,
  CARE_TASK_COLUMNS,
  CARE_TASK_FROM,
  CARE_TASKS,
  GROUP_RITUALS,
  KIT_SECTIONS,
  KIT_TEMPLATES,
  MEMBER_EVENT_COLUMNS,
  MEMBER_EVENT_FROM,
  MEMBER_EVENTS,
  PROFILES,
  RULE_ACTION_SELECT,
  RULE_ACTIONS,
  RULES,
  toAppeal,
  toCarePlan,
  toCareStep,
  toCareTask,
  toKitSection,
  toKitTemplate,
  toKitTemplateSummary,
  toMemberEvent,
  toProfile,
  toProposedAction,
  toRule,
  toTemperatureDay,
  type AppealRow,
  type CarePlanRow,
  type CareStepRow,
  type CareTaskRow,
  type KitSectionRow,
  type KitTemplateSummaryRow,
  type MemberEventRow,
  type ProfileRow,
  type RitualRow,
  type RuleActionRow,
  type RuleRow,
} from './lifecycle'
import { decodeFields, syncColumns } from './table'
import { actAs } from '../../lifecycle/lifecycle.testkit'

/**
 * The table layer is the one declaration of these tables: it must say what the
 * migrations made (a column added by a migration and not declared here would never be
 * read, mapped or synced), and its mappers must give back exactly what the rows hold.
 * Rows come from the demo studio, which fills every table with varied records.
 */
let dir: string
let core: OrchardCore
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-tables-'))
  core = createCore({ dataDir: join(dir, 'data'), host: 'test', firstStart: 'demo' })
})
afterAll(async () => {
  await core.close()
  rmSync(dir, { recursive: true, force: true })
})

const db = () => core.context.db
const TABLES = [
  CUSTOMERS,
  PRODUCTS,
  MEMBERS,
  GROUPS,
  ORDERS,
  ORDER_LINES,
  LEDGER_CLOSES,
  PAYOUT_BATCHES,
  CARE_PLANS,
  CARE_STEPS,
  CARE_TASKS,
  MEMBER_EVENTS,
  RULES,
  RULE_ACTIONS,
  APPEALS,
  PROFILES,
  GROUP_RITUALS,
  KIT_TEMPLATES,
  KIT_SECTIONS,
]

/** A contract value as its column stores it: the inverse of the mapper's decoding. */
function stored(codec: ColumnCodec, value: unknown): unknown {
  if (value === null) return null
  if (codec === 'json') return JSON.stringify(value)
  if (codec === 'bool') return value ? 1 : 0
  return value
}

/** Every shared field of `mapped` (all but `unshown`), stored again, equals the column it came from. */
function expectRoundTrip(table: { fields: Record<string, string>; columns: Record<string, { codec: ColumnCodec }> }, raw: Record<string, unknown>, mapped: Record<string, unknown>, unshown: string[] = []): void {
  expect(Object.keys(table.fields).filter((f) => !Object.hasOwn(mapped, f))).toEqual(unshown)
  for (const [field, column] of Object.entries(table.fields)) {
    if (unshown.includes(field)) continue
    expect({ field, value: stored(table.columns[column].codec, mapped[field]) }).toEqual({ field, value: raw[column] })
  }
}

describe('the table layer', () => {
  it.each(TABLES.map((t) => [t.name, t] as const))('declares every column of %s as the migrations made it', (name, table) => {
    const actual = (db().prepare('SELECT name, type, "notnull", pk FROM pragma_table_info(?) ORDER BY cid').all(name) as { name: string; type: string; notnull: number; pk: number }[]).map(
      (c) => ({ name: c.name, type: c.type, nullable: c.notnull === 0 && c.pk === 0 }),
    )
    expect(actual.length).toBeGreaterThan(0)
    expect(Object.entries(table.columns).map(([column, spec]) => ({ name: column, type: spec.type, nullable: spec.nullable }))).toEqual(actual)
  })

  it('gives records sync each shared field of these tables from the same declaration', () => {
    const customer = db().prepare('SELECT id FROM customers ORDER BY rowid LIMIT 1').pluck().get() as string
    const [held] = readRecords(db(), 'customer', [customer]).values()
    const row = db().prepare(`SELECT ${CUSTOMER_COLUMNS} FROM customers c LEFT JOIN members m ON m.id = c.owner_member_id WHERE c.id = ?`).get(customer) as CustomerRow
    const mapped = toCustomer(row)
    expect(held).toEqual(Object.fromEntries(Object.keys(CUSTOMERS.fields).map((f) => [f, mapped[f as keyof Customer]])))
    expect(columnList(CUSTOMERS, 'c').split(', ')).toHaveLength(Object.keys(CUSTOMERS.columns).length)
  })

  it('maps every customer row to a valid customer and back', () => {
    const rows = db().prepare(`SELECT ${CUSTOMER_COLUMNS} FROM customers c LEFT JOIN members m ON m.id = c.owner_member_id`).all() as CustomerRow[]
    expect(rows.length).toBeGreaterThan(10)
    expect(rows.some((r) => r.owner_name !== null) && rows.some((r) => r.wechat_id === null)).toBe(true)
    for (const row of rows) {
      const customer = toCustomer(row)
      expect(Customer.parse(customer)).toEqual(customer)
      expectRoundTrip(CUSTOMERS, row, customer)
      expect(customer).toMatchObject({ id: row.id, ownerName: row.owner_name, orderCount: row.order_count, totalSpentFen: row.total_spent_fen, createdAt: row.created_at })
    }
  })

  it('maps every product row to a valid product and back, its active flag a boolean', () => {
    const rows = db().prepare(`SELECT ${PRODUCT_COLUMNS} FROM products`).all() as ProductRow[]
    expect(rows.length).toBeGreaterThan(5)
    for (const row of rows) {
      const product = toProduct(row)
      expect(Product.parse(product)).toEqual(product)
      expect(product.active).toBe(row.active === 1)
      expectRoundTrip(PRODUCTS, row, product)
    }
  })

  it('maps every member row to a valid member and back, with the figures the team screens show', () => {
    const members = db().prepare('SELECT id FROM members').pluck().all() as string[]
    expect(members.length).toBeGreaterThan(3)
    for (const id of members) {
      const row = db()
        .prepare(
          `SELECT m.*, mentor.name AS mentor_name, 2 AS apprentice_count, 3 AS customer_count, 400 AS sales_30d_fen, 5 AS orders_30d
           FROM members m LEFT JOIN members mentor ON mentor.id = m.mentor_id WHERE m.id = ?`,
        )
        .get(id) as MemberRow
      const member = toMember(row)
      expect(Member.parse(member)).toEqual(member)
      expectRoundTrip(MEMBERS, row, member)
      expect(member).toMatchObject({ mentorName: row.mentor_name, apprenticeCount: 2, customerCount: 3, sales30dFen: 400, orders30d: 5 })
    }
  })

  it('maps every group row to a valid group and back', () => {
    const rows = db().prepare(`SELECT ${GROUP_COLUMNS} FROM groups g LEFT JOIN members m ON m.id = g.owner_member_id`).all() as GroupRow[]
    expect(rows.length).toBeGreaterThan(0)
    for (const row of rows) {
      const group = toGroup(row)
      expect(Group.parse(group)).toEqual(group)
      expectRoundTrip(GROUPS, row, group)
      expect(group).toMatchObject({ ownerName: row.owner_name, memberCount: row.member_count, customerCount: row.customer_count })
    }
  })

  it('maps every order row to a valid order, and its page to the order with its buyer and money', () => {
    const rows = db().prepare(`SELECT ${ORDER_COLUMNS} FROM ${ORDER_FROM} ORDER BY o.rowid LIMIT 600`).all() as OrderRow[]
    expect(rows.length).toBeGreaterThan(10)
    for (const row of rows) {
      const order = toOrder(row)
      expect(Order.parse(order)).toEqual(order)
      // A list row carries no buyer contact.
      expect(Object.keys(order)).not.toContain('buyerPhone')
      const detail = toOrderDetail(row, [])
      expect(OrderDetail.parse(detail)).toEqual(detail)
      // When it was refunded and completed is the ledger's business; the order's page does not show it.
      expectRoundTrip(ORDERS, row, detail, ['refundedAt', 'completedAt'])
      expect(order).toMatchObject({ customerName: row.customer_name, memberName: row.member_name, lineCount: row.line_count })
    }
  })

  it('reads an order’s lines for records sync from the order lines’ declaration', () => {
    const order = db().prepare('SELECT order_id FROM order_lines GROUP BY order_id HAVING COUNT(*) > 1 LIMIT 1').pluck().get() as string
    const [held] = readRecords(db(), 'order', [order]).values()
    const lines = db().prepare('SELECT * FROM order_lines WHERE order_id = ? ORDER BY line_no').all(order) as Record<string, unknown>[]
    expect(held.lines).toHaveLength(lines.length)
    ;(held.lines as Record<string, unknown>[]).forEach((line, i) => expectRoundTrip(ORDER_LINES, lines[i], line))
  })

  it('maps a closed month and a payout batch to the ledger’s contract and back', () => {
    db().prepare(`INSERT INTO ledger_closes (period, closed_at, closed_by, entries, earned_fen, members) VALUES ('2001-01', '2001-02-01T02:00:00.000Z', '店主', 12, 3456, '[]')`).run()
    db()
      .prepare(
        `INSERT INTO payout_batches (id, batch_no, channel, status, total_fen, lines, created_at, created_by, exported_at, marked_at, marked_by)
         VALUES ('batch-a', 'PB20010201-1', 'bank', 'open', 7890, 3, '2001-02-01T03:00:00.000Z', '店主', NULL, NULL, NULL),
                ('batch-b', 'PB20010201-2', 'alipay', 'paid', 100, 1, '2001-02-01T04:00:00.000Z', '店主', '2001-02-01T05:00:00.000Z', '2001-02-02T05:00:00.000Z', '会计')`,
      )
      .run()
    for (const row of db().prepare(`SELECT ${PERIOD_CLOSE_COLUMNS} FROM ledger_closes`).all() as PeriodCloseRow[]) {
      const close = toPeriodClose(row)
      expect(PeriodClose.parse(close)).toEqual(close)
      expectRoundTrip(LEDGER_CLOSES, row, close)
    }
    const batches = db().prepare('SELECT * FROM payout_batches ORDER BY batch_no').all() as PayoutBatchRow[]
    expect(batches.length).toBeGreaterThanOrEqual(2)
    for (const row of batches) {
      const batch = toPayoutBatch(row)
      expect(PayoutBatch.parse(batch)).toEqual(batch)
      expect(batch.id).toBe(row.id)
      expectRoundTrip(PAYOUT_BATCHES, row, batch)
    }
  })

  it('reads a record written through its service back through its mapper, field for field, and records sync reads the same', async () => {
    // Every field a different value: a field mapped to another's column reads back wrong.
    const mentor = await core.invoke('members', 'create', { name: '导师甲', inviteCode: 'TBLMENTOR', joinDate: '2001-01-02' })
    const member = { name: '会员乙', inviteCode: 'TBLMEMBER', wechatId: 'wx-member-b', mentorId: mentor.id, level: 2 as const, joinDate: '2001-01-03', status: 'paused' as const, feePaidFen: 9900 }
    expect(await core.invoke('members', 'create', member)).toMatchObject(member)
    const customer = {
      name: '客户丙',
      wechatId: 'wx-customer-c',
      phones: ['+8613912345678'],
      addresses: ['上海市某路 1 号'],
      tags: ['老客', '宝妈'],
      relClass: 'B' as const,
      segment: 'family' as const,
      ownerMemberId: mentor.id,
      notes: '备注丙',
    }
    const createdCustomer = await core.invoke('customers', 'create', customer)
    expect(createdCustomer).toMatchObject(customer)
    const product = {
      sku: 'TBL-SKU-1',
      name: '商品丁',
      brand: '品牌丁',
      category: '类目丁',
      images: ['a.jpg', 'b.jpg'],
      listPriceFen: 5000,
      salePriceFen: 4000,
      priceFloorFen: 3000,
      stock: 17,
      commissionBp: 1200,
      mentorCommissionBp: 300,
      facts: '卖点丁',
      active: false,
    }
    const createdProduct = await core.invoke('products', 'create', product)
    expect(createdProduct).toMatchObject(product)
    const group = { name: '社群戊', ownerMemberId: mentor.id, theme: '主题戊', notes: '备注戊', massSendAllowance: 12 }
    const createdGroup = await core.invoke('groups', 'create', group)
    expect(createdGroup).toMatchObject(group)

    const [syncedCustomer] = readRecords(db(), 'customer', [createdCustomer.id]).values()
    expect(syncedCustomer).toEqual(customer)
    const [syncedProduct] = readRecords(db(), 'product', [createdProduct.id]).values()
    expect(syncedProduct).toEqual(product)
    const [syncedGroup] = readRecords(db(), 'group', [createdGroup.id]).values()
    expect(syncedGroup).toEqual(group)
  })

  it('maps every care plan row and its steps to a valid plan and back', () => {
    const plans = db().prepare('SELECT * FROM care_plans').all() as CarePlanRow[]
    expect(plans.length).toBeGreaterThan(3)
    expect(plans.some((p) => p.built_in === 1)).toBe(true)
    for (const row of plans) {
      const steps = db().prepare('SELECT * FROM care_steps WHERE plan_id = ? ORDER BY position').all(row.id) as CareStepRow[]
      expect(steps.length).toBeGreaterThan(0)
      const plan = toCarePlan(row, steps.map(toCareStep))
      expect(CarePlan.parse(plan)).toEqual(plan)
      expectRoundTrip(CARE_PLANS, row, plan)
      expect(plan).toMatchObject({ id: row.id, createdAt: row.created_at, updatedAt: row.updated_at })
      plan.steps.forEach((step, i) => expectRoundTrip(CARE_STEPS, steps[i], step))
    }
  })

  it('maps every care task row to a valid task and back, overdue while open past the moment given', () => {
    const rows = db().prepare(`SELECT ${CARE_TASK_COLUMNS} FROM ${CARE_TASK_FROM}`).all() as CareTaskRow[]
    expect(rows.length).toBeGreaterThan(10)
    expect(rows.some((r) => r.status === 'open') && rows.some((r) => r.status !== 'open') && rows.some((r) => r.member_name !== null)).toBe(true)
    for (const row of rows) {
      const task = toCareTask(row, row.due_at)
      expect(CareTask.parse(task)).toEqual(task)
      expectRoundTrip(CARE_TASKS, row, task)
      expect(task).toMatchObject({ id: row.id, memberName: row.member_name, groupName: row.group_name, customerName: row.customer_name, overdue: false })
      expect(toCareTask(row, `${row.due_at}~`).overdue).toBe(row.status === 'open')
    }
  })

  it('maps every member event row to a valid event and back', () => {
    const rows = db().prepare(`SELECT ${MEMBER_EVENT_COLUMNS} FROM ${MEMBER_EVENT_FROM} ORDER BY e.rowid LIMIT 2000`).all() as MemberEventRow[]
    expect(rows.length).toBeGreaterThan(100)
    for (const row of rows) {
      const event = toMemberEvent(row)
      expect(MemberEvent.parse(event)).toEqual(event)
      expectRoundTrip(MEMBER_EVENTS, row, event)
      expect(event).toMatchObject({ id: row.id, memberName: row.member_name })
    }
  })

  it('maps every rule row to a valid rule and back, an archived rule never active', () => {
    db().prepare(`UPDATE rules SET archived_at = ? WHERE id = (SELECT id FROM rules WHERE active = 1 ORDER BY rowid LIMIT 1)`).run('2001-01-05T00:00:00.000Z')
    const rows = db().prepare('SELECT * FROM rules').all() as RuleRow[]
    expect(rows.some((r) => r.archived_at !== null && r.active === 1)).toBe(true)
    for (const row of rows) {
      const rule = toRule(row, 4)
      expect(Rule.parse(rule)).toEqual(rule)
      expect(rule.active).toBe(row.active === 1 && row.archived_at === null)
      const { action, active: _active, ...rest } = rule
      expectRoundTrip(RULES, row, { ...rest, actionKind: action.kind, actionPoints: action.points, actionAmountFen: action.amountFen, actionDays: action.days }, ['active', 'archivedAt'])
      expect(rule).toMatchObject({ id: row.id, version: row.version, proposedCount: 4, createdAt: row.created_at })
    }
  })

  it('maps every proposal and appeal row to a valid one and back, decided by the name of who decided', () => {
    const actions = db().prepare(RULE_ACTION_SELECT).all() as RuleActionRow[]
    expect(actions.length).toBeGreaterThan(10)
    expect(actions.some((r) => r.status === 'proposed') && actions.some((r) => r.decided_by_name !== null) && actions.some((r) => r.open_appeal === 1)).toBe(true)
    for (const row of actions) {
      const proposal = toProposedAction(row)
      expect(ProposedAction.parse(proposal)).toEqual(proposal)
      const { action, decidedBy, ...rest } = proposal
      expectRoundTrip(RULE_ACTIONS, row, { ...rest, ...action }, ['idemKey', 'decidedBy', 'decidedByName'])
      expect({ decidedBy, status: proposal.status, openAppeal: proposal.openAppeal }).toEqual({ decidedBy: row.decided_by_name ?? row.decided_by, status: row.status, openAppeal: row.open_appeal === 1 })
    }
    const appeals = db().prepare(APPEAL_SELECT).all() as AppealRow[]
    expect(appeals.length).toBeGreaterThan(0)
    for (const row of appeals) {
      const appeal = toAppeal(row)
      expect(AppealSchema.parse(appeal)).toEqual(appeal)
      const { filedBy, decidedBy, ...rest } = appeal
      expectRoundTrip(APPEALS, row, rest, ['filedBy', 'filedByName', 'decidedBy', 'decidedByName'])
      expect({ filedBy, decidedBy, status: appeal.status }).toEqual({ filedBy: row.filed_by_name ?? row.filed_by, decidedBy: row.decided_by_name ?? row.decided_by, status: row.status })
      expect(appeal).toMatchObject({ memberId: row.member_id, memberName: row.member_name, ruleName: row.rule_name, action: { kind: row.kind, points: row.points, amountFen: row.amount_fen, days: row.days } })
    }
  })

  it('maps every profile row to a valid profile and back, without its PIN, locked only while the lock lasts', () => {
    db().prepare('UPDATE profiles SET locked_until = ?, failed_attempts = 5 WHERE id = (SELECT id FROM profiles ORDER BY rowid LIMIT 1)').run('2001-01-06T00:05:00.000Z')
    const rows = db().prepare('SELECT * FROM profiles').all() as ProfileRow[]
    expect(rows.some((r) => r.locked_until !== null) && rows.some((r) => r.is_default === 1)).toBe(true)
    for (const row of rows) {
      const during = toProfile(row, new Date('2001-01-06T00:00:00.000Z'))
      expect(Profile.parse(during)).toEqual(during)
      expectRoundTrip(PROFILES, row, during)
      expect(Object.keys(during).filter((k) => k.startsWith('pin'))).toEqual([])
      expect(toProfile(row, new Date('2001-01-06T00:05:00.000Z')).lockedUntil).toBeNull()
    }
  })

  it('maps every group ritual row to a valid temperature day and back', () => {
    const rows = db().prepare('SELECT * FROM group_rituals ORDER BY group_id, day LIMIT 500').all() as RitualRow[]
    expect(rows.length).toBeGreaterThan(10)
    expect(rows.some((r) => !Number.isInteger(r.score))).toBe(true)
    for (const row of rows) {
      const day = toTemperatureDay(row)
      expect(TemperatureDay.parse(day)).toEqual(day)
      expectRoundTrip(GROUP_RITUALS, row, day)
      expect(day.counts).toEqual({ morning: row.morning, night: row.night, training: row.training, goal: row.goal, red_envelope: row.red_envelope, showcase: row.showcase, replies: row.replies })
    }
  })

  it('maps every kit template and its sections to a valid template, and to its summary, and back', () => {
    const rows = db().prepare('SELECT t.*, (SELECT COUNT(*) FROM kit_sections s WHERE s.template_id = t.id) AS section_count FROM kit_templates t').all() as KitTemplateSummaryRow[]
    expect(rows.length).toBeGreaterThan(0)
    for (const row of rows) {
      const sections = db().prepare('SELECT * FROM kit_sections WHERE template_id = ? ORDER BY position').all(row.id) as KitSectionRow[]
      expect(sections.length).toBeGreaterThan(1)
      const template = toKitTemplate(row, sections.map(toKitSection))
      expect(KitTemplate.parse(template)).toEqual(template)
      expectRoundTrip(KIT_TEMPLATES, row, template)
      template.sections.forEach((section, i) => expectRoundTrip(KIT_SECTIONS, sections[i], section))
      const summary = toKitTemplateSummary(row)
      expect(KitTemplateSummary.parse(summary)).toEqual(summary)
      expect(summary).toEqual({ ...template, sections: undefined, sectionCount: sections.length })
    }
  })

  it('gives records sync the shared fields of plans, rules, proposals and appeals from the same declarations', () => {
    const held = (record: 'carePlan' | 'rule' | 'action' | 'appeal', table: string) => {
      const id = db().prepare(`SELECT id FROM ${table} ORDER BY rowid LIMIT 1`).pluck().get() as string
      const [value] = readRecords(db(), record, [id]).values()
      return { id, value }
    }
    const shared = <T extends { fields: Record<string, string> }>(table: T, value: Record<string, unknown>) => Object.fromEntries(Object.keys(table.fields).map((f) => [f, value[f]]))

    const plan = held('carePlan', 'care_plans')
    const planRow = db().prepare('SELECT * FROM care_plans WHERE id = ?').get(plan.id) as CarePlanRow
    expect(shared(CARE_PLANS, plan.value)).toEqual(decodeFields(CARE_PLANS, planRow))
    const steps = db().prepare('SELECT * FROM care_steps WHERE plan_id = ? ORDER BY position').all(plan.id) as CareStepRow[]
    expect(plan.value).toEqual({ ...decodeFields(CARE_PLANS, planRow), steps: steps.map(toCareStep) })

    const rule = held('rule', 'rules')
    expect(rule.value).toEqual(decodeFields(RULES, db().prepare('SELECT * FROM rules WHERE id = ?').get(rule.id) as RuleRow))

    const decided = db().prepare("SELECT id FROM rule_actions WHERE status <> 'proposed' AND decided_by_name IS NOT NULL ORDER BY rowid LIMIT 1").pluck().get() as string
    const waiting = db().prepare("SELECT id FROM rule_actions WHERE status = 'proposed' ORDER BY rowid LIMIT 1").pluck().get() as string
    for (const id of [decided, waiting]) {
      const [value] = readRecords(db(), 'action', [id]).values()
      const row = db().prepare(`${RULE_ACTION_SELECT} WHERE a.id = ?`).get(id) as RuleActionRow
      const events = db().prepare('SELECT event_id FROM rule_action_events WHERE action_id = ? ORDER BY event_id').pluck().all(id)
      expect(events.length).toBeGreaterThan(0)
      expect(value).toEqual({ ...decodeFields(RULE_ACTIONS, row), events, decision: row.status === 'proposed' ? null : row.status })
    }

    const appealId = db().prepare('SELECT id FROM appeals ORDER BY rowid LIMIT 1').pluck().get() as string
    const [appeal] = readRecords(db(), 'appeal', [appealId]).values()
    const appealRow = db().prepare(`${APPEAL_SELECT} WHERE p.id = ?`).get(appealId) as AppealRow
    expect(appeal).toEqual({ ...decodeFields(APPEALS, appealRow), decision: appealRow.status === 'open' ? null : appealRow.status })
  })

  it('reads lifecycle records written through their services back through records sync, field for field', async () => {
    // Every field a different value: a shared field declared on another field's column reads back wrong.
    actAs(core, 'manager', '店长庚')
    const manager = core.context.session.profileId
    const points = { name: '分享加分', description: '说明甲', eventType: 'share' as const, threshold: 3, windowDays: 17, action: { kind: 'points' as const, points: 7, amountFen: 0, days: 0 }, active: false, effectiveFrom: '2001-01-07' }
    const suspension = { name: '拉人头暂停', description: '说明乙', eventType: 'deceptive_recruiting' as const, threshold: 2, windowDays: 11, action: { kind: 'suspension' as const, points: 0, amountFen: 0, days: 9 }, active: true, effectiveFrom: '2001-01-08' }
    for (const input of [points, suspension]) {
      const rule = await core.invoke('rules', 'create', input)
      expect(rule).toMatchObject(input)
      const [synced] = readRecords(db(), 'rule', [rule.id]).values()
      const { action, ...rest } = input
      expect(synced).toEqual({ ...rest, actionKind: action.kind, actionPoints: action.points, actionAmountFen: action.amountFen, actionDays: action.days, archivedAt: null })
    }

    const plan = {
      name: '计划己',
      description: '说明己',
      trigger: 'member_joined' as const,
      active: false,
      steps: [
        { offsetDays: 2, offsetHours: 5, channel: 'private' as const, ownerKind: 'mentor' as const, purpose: 'water' as const, title: '步骤一', script: '话术一' },
        { offsetDays: 6, offsetHours: 0, channel: 'offline' as const, ownerKind: 'trainer' as const, purpose: 'light' as const, title: '步骤二', script: '话术二' },
      ],
    }
    const savedPlan = await core.invoke('care', 'savePlan', plan)
    expect(savedPlan).toMatchObject({ ...plan, builtIn: false })
    const [syncedPlan] = readRecords(db(), 'carePlan', [savedPlan.id]).values()
    expect(syncedPlan).toEqual({ ...plan, builtIn: false, steps: plan.steps.map((step, i) => ({ id: savedPlan.steps[i].id, ...step })) })

    const penalty = await core.invoke('rules', 'create', { name: '乱价扣佣庚', eventType: 'price_below_floor', threshold: 1, windowDays: 30, action: { kind: 'penalty', amountFen: 4321 } })
    const member = await core.invoke('members', 'create', { name: '会员庚', inviteCode: 'TBLLIFE', joinDate: core.context.clock.now().toISOString().slice(0, 10) })
    const occurredAt = new Date(core.context.clock.now().getTime() - 1000).toISOString()
    const logged = await core.invoke('care', 'logEvent', { memberId: member.id, type: 'price_below_floor', occurredAt, note: '备注庚' })
    expect(logged.event).toMatchObject({ memberId: member.id, memberName: '会员庚', type: 'price_below_floor', occurredAt, note: '备注庚', source: 'manual' })
    const proposal = logged.proposed.find((a) => a.ruleId === penalty.id)!
    const [approved] = (await core.invoke('approvals', 'approve', { ids: [proposal.id], reason: '属实庚' })).updated
    const appeal = await core.invoke('approvals', 'appeal', { actionId: proposal.id, reason: '申诉庚' })

    const [syncedAction] = readRecords(db(), 'action', [proposal.id]).values()
    expect(syncedAction).toMatchObject({
      ruleId: penalty.id,
      ruleName: '乱价扣佣庚',
      ruleVersion: penalty.version,
      memberId: member.id,
      memberName: '会员庚',
      kind: 'penalty',
      points: 0,
      amountFen: 4321,
      days: 0,
      eventCount: 1,
      proposedAt: proposal.proposedAt,
      events: [logged.event.id],
      decision: 'approved',
      decidedAt: approved.decidedAt,
      decidedBy: manager,
      decidedByName: '店长庚',
      decisionReason: '属实庚',
      overturnedAt: null,
    })
    expect(approved.decidedBy).toBe('店长庚')
    const [syncedAppeal] = readRecords(db(), 'appeal', [appeal.id]).values()
    expect(syncedAppeal).toEqual({
      actionId: proposal.id,
      reason: '申诉庚',
      filedAt: appeal.filedAt,
      filedBy: manager,
      filedByName: '店长庚',
      decision: null,
      decidedAt: null,
      decidedBy: null,
      decidedByName: null,
      decisionReason: null,
    })
    expect(appeal.filedBy).toBe('店长庚')
  })

  it('refuses to give records sync a field kept as a fraction, which its integer codec would turn away', () => {
    expect(() => syncColumns(GROUP_RITUALS)).toThrow('group_rituals.score: records sync carries no fractions')
  })
})
