import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { LedgerEntry, PayoutBatch, PeriodClose } from '../../../../src-shared/contracts/ledger'
import { Scheme, SchemeVersion, Withdrawal } from '../../../../src-shared/contracts/ledger'
import { LedgerEntryWire } from '../../../../src-shared/ledgerWire'
import { BuyerPhoto, GroupQr, PriceComparison } from '../../../../src-shared/contracts/materials'
import type { PosterTemplate } from '../../../../src-shared/materials/templates'
import { AuditRecord } from '../../../../src-shared/contracts/lifecycle'
import { defaultTemplates } from '../../materials/render'
import { CustomerMerge } from '../../../../src-shared/contracts/duplicates'
import { FollowUp, ImportRun } from '../../../../src-shared/schemas'
import { listMerges } from '../../customers/merge'
import { packJob } from '../../materials/packs/run'
import { listFollowUps } from '../../followUps/records'
import { memberLink } from '../../memberPages/links'
import { readSyncState } from '../../sync/state'
import { Customer, Group, Member, Order, OrderDetail, Product } from '../../../../src-shared/schemas'
import { createCore, type OrchardCore } from '../../api'
import { readRecords, recordsOutbox } from '../../records/sync'
import { CUSTOMER_COLUMNS, CUSTOMER_PHONES, CUSTOMER_TAGS, CUSTOMERS, SEARCH_INDEX_STATE, toCustomer, type CustomerRow } from './customers'
import { GROUP_COLUMNS, GROUP_CUSTOMERS, GROUP_MEMBERS, GROUPS, toGroup, type GroupRow } from './groups'
import { GROUP_BUY_ORDERS, GROUP_BUYS, LEDGER_CLOSES, LEDGER_DEVICE, LEDGER_POSTED_ORDERS, PAYOUT_ACCOUNTS, MEMBERSHIP_FEES, PAYOUT_BATCHES, PERIOD_CLOSE_COLUMNS, toPayoutBatch, toPeriodClose, type PayoutBatchRow, type PeriodCloseRow } from './ledger'
import { COMMISSION_SCHEME_VERSIONS, COMMISSION_SCHEMES, LEDGER_ENTRIES, LEDGER_ENTRY_WIRE_COLUMNS, SCHEME_SELECT, toLedgerEntryWire, toScheme, toSchemeVersion, toWithdrawal, WITHDRAWAL_COLUMNS, WITHDRAWAL_FROM, WITHDRAWALS } from './ledger'
import { LEDGER_ENTRY_COLUMNS, LEDGER_ENTRY_FROM, toLedgerEntry } from './ledger'
import type { LedgerEntryListRow, LedgerEntryWireRow, SchemeRow, SchemeVersionRow, WithdrawalRow } from './ledger'
import { BUYER_PHOTO_COLUMNS, BUYER_PHOTOS, COPY_TEMPLATES, FORBIDDEN_CLAIMS, GROUP_MASS_SENDS, GROUP_QR_CODES, POSTER_TEMPLATES, PRICE_COMPARISONS, toBuyerPhoto, toComparison, toCopyTemplate, toGroupQr, toTemplateSummary } from './materials'
import type { BuyerPhotoRow, ComparisonRow, CopyTemplateRow, GroupQrRow, PosterTemplateRow } from './materials'
import { JOB_ITEMS, JOBS, toJobItem, type JobItemRow, type JobRow } from './jobs'
import { AUDIT_LOG, toAuditRecord, type AuditRow } from './audit'
import { CUSTOMER_FOLLOW_UPS, FOLLOW_UP_COLUMNS, FOLLOW_UP_FROM, type FollowUpRow } from './followUps'
import { IMPORT_MAPPINGS, IMPORT_RUNS, type ImportRunTableRow } from './imports'
import { GROUP_CONTACT_QR, GROUP_LIVE_CODES, GROUP_SCAN_COUNTS, MEMBER_PAGE_LINKS, MEMBER_PAGE_STATE, PACK_PUBLICATIONS } from './memberPages'
import { LIFECYCLE_SETTINGS, SETTINGS } from './settings'
import { CUSTOMER_MERGES, CUSTOMER_MERGES_TAKEN, type CustomerMergeRow } from './merges'
import { HELD_CONFLICT_COLUMNS, RECORD_CHANGES, RECORD_CONFLICTS, SYNC_CONFLICTS, SYNC_RECORD_ISSUES, SYNC_REFUSED, SYNC_STATE, SYNC_UNKNOWN_MEMBERS, type RecordChangeRow, type SyncStateRow } from './sync'
import { MEMBERS, toMember, type MemberRow } from './members'
import { ORDER_ALIASES, ORDER_COLUMNS, ORDER_FROM, ORDER_LINES, ORDERS, toOrder, toOrderDetail, type OrderRow } from './orders'
import { PRODUCT_COLUMNS, PRODUCTS, toProduct, type ProductRow } from './products'
import { columnList, insertRow, insertRowIfNew, rowWriter, upsertRow, type ColumnCodec } from './table'
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
  RULE_ACTION_EVENTS,
  RULE_ACTIONS_REKEYED,
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
  COMMISSION_SCHEMES,
  COMMISSION_SCHEME_VERSIONS,
  LEDGER_ENTRIES,
  WITHDRAWALS,
  PRICE_COMPARISONS,
  BUYER_PHOTOS,
  GROUP_QR_CODES,
  COPY_TEMPLATES,
  POSTER_TEMPLATES,
  JOBS,
  JOB_ITEMS,
  AUDIT_LOG,
  CUSTOMER_FOLLOW_UPS,
  IMPORT_RUNS,
  SYNC_STATE,
  RECORD_CONFLICTS,
  MEMBER_PAGE_LINKS,
  CUSTOMER_MERGES,
  RECORD_CHANGES,
  PACK_PUBLICATIONS,
  CUSTOMER_PHONES,
  CUSTOMER_TAGS,
  GROUP_MEMBERS,
  GROUP_CUSTOMERS,
  GROUP_LIVE_CODES,
  FORBIDDEN_CLAIMS,
  SETTINGS,
  LIFECYCLE_SETTINGS,
  SYNC_RECORD_ISSUES,
  SYNC_CONFLICTS,
  SYNC_REFUSED,
  SYNC_UNKNOWN_MEMBERS,
  RULE_ACTION_EVENTS,
  ORDER_ALIASES,
  LEDGER_DEVICE,
  MEMBERSHIP_FEES,
  GROUP_BUYS,
  GROUP_BUY_ORDERS,
  GROUP_SCAN_COUNTS,
  GROUP_CONTACT_QR,
  GROUP_MASS_SENDS,
  IMPORT_MAPPINGS,
  CUSTOMER_MERGES_TAKEN,
  LEDGER_POSTED_ORDERS,
  MEMBER_PAGE_STATE,
  RULE_ACTIONS_REKEYED,
  SEARCH_INDEX_STATE,
  PAYOUT_ACCOUNTS,
]

/** A contract value as its column stores it: the inverse of the mapper's decoding. */
function stored(codec: ColumnCodec, value: unknown): unknown {
  if (value === null) return null
  if (codec === 'json' || codec === 'object') return JSON.stringify(value)
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

  it('declares every table the migrations made, but the migrations’ own list and the search index’s FTS5 tables', () => {
    const declared = new Set(TABLES.map((t) => t.name))
    const made = db()
      .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
      .all() as { name: string; sql: string }[]
    const fts = made.filter((t) => /VIRTUAL TABLE .* USING fts5/i.test(t.sql)).map((t) => t.name)
    const undeclared = made.filter((t) => !declared.has(t.name) && !fts.some((v) => t.name === v || t.name.startsWith(`${v}_`))).map((t) => t.name)
    expect(undeclared).toEqual(['schema_migrations'])
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

  it('maps the schemes and their versions to the ledger’s contract and back, and records sync reads them from the same declaration', () => {
    const schemes = db().prepare(SCHEME_SELECT).all() as SchemeRow[]
    expect(schemes.length).toBeGreaterThan(0)
    for (const row of schemes) {
      const scheme = toScheme(row)
      expect(Scheme.parse(scheme)).toEqual(scheme)
      expect(scheme).toMatchObject({ id: row.id, name: row.name, version: row.current_version, active: row.active === 1, updatedAt: row.updated_at })
      const [held] = readRecords(db(), 'scheme', [row.id]).values()
      expect(held).toEqual({ name: scheme.name, currentVersion: scheme.version })
    }
    expect(schemes.some((s) => s.active === 1)).toBe(true)
    const versions = db().prepare('SELECT * FROM commission_scheme_versions').all() as SchemeVersionRow[]
    expect(versions.length).toBeGreaterThan(1)
    for (const row of versions) {
      const version = toSchemeVersion(row)
      expect(SchemeVersion.parse(version)).toEqual(version)
      // The history shows when the manager saved the version as its creation.
      expectRoundTrip(COMMISSION_SCHEME_VERSIONS, row, { ...version, savedAt: version.createdAt })
      const [held] = readRecords(db(), 'schemeVersion', [row.id!]).values()
      expect(held).toEqual({ ...Object.fromEntries(Object.entries(version).filter(([f]) => f !== 'createdAt')), savedAt: row.saved_at })
    }
  })

  it('sends every kind of ledger entry as the wire holds it, field for field', () => {
    const rows = db().prepare(`SELECT ${LEDGER_ENTRY_WIRE_COLUMNS} FROM ledger_entries WHERE rowid % 16 = 0 ORDER BY rowid`).all() as LedgerEntryWireRow[]
    expect(new Set(rows.map((r) => r.kind)).size).toBeGreaterThan(3)
    expect(rows.some((r) => r.reverses_id !== null) && rows.some((r) => r.scheme_version !== null)).toBe(true)
    for (const row of rows) {
      const entry = toLedgerEntryWire(row)
      expect(LedgerEntryWire.parse(entry)).toEqual(entry)
      expectRoundTrip(LEDGER_ENTRIES, row, entry)
    }
  })

  it('maps every kind of ledger entry to the ledger’s contract and back, with its member, its order’s number and whether the team has it', () => {
    const rows = db().prepare(`SELECT ${LEDGER_ENTRY_COLUMNS} FROM ${LEDGER_ENTRY_FROM} WHERE e.rowid % 8 = 0 ORDER BY e.rowid`).all() as LedgerEntryListRow[]
    expect(new Set(rows.map((r) => r.kind)).size).toBeGreaterThan(3)
    expect(rows.some((r) => r.order_no !== null) && rows.some((r) => r.member_name !== null) && rows.some((r) => r.base_fen !== null)).toBe(true)
    for (const row of rows) {
      const entry = toLedgerEntry(row)
      expect(LedgerEntry.parse(entry)).toEqual(entry)
      // Which device posted it is the team's business, not the ledger screens'.
      expectRoundTrip(LEDGER_ENTRIES, row, entry, ['deviceId'])
      expect(entry).toMatchObject({
        memberId: row.member_id,
        memberName: row.member_name,
        baseFen: row.base_fen,
        rateBp: row.rate_bp,
        status: row.status,
        origin: row.origin,
        orderId: row.order_id,
        orderNo: row.order_no,
        synced: row.pending_sync === 0,
        createdAt: row.created_at,
        bookedPeriod: row.booked_period,
      })
    }
  })

  it('maps every withdrawal request to the ledger’s contract and back, its payout account masked', () => {
    const rows = db().prepare(`SELECT ${WITHDRAWAL_COLUMNS} FROM ${WITHDRAWAL_FROM}`).all() as WithdrawalRow[]
    expect(rows.length).toBeGreaterThan(3)
    expect(rows.some((r) => r.account_id !== null) && rows.some((r) => r.batch_id !== null)).toBe(true)
    for (const row of rows) {
      const withdrawal = toWithdrawal(row)
      expect(Withdrawal.parse(withdrawal)).toEqual(withdrawal)
      expectRoundTrip(WITHDRAWALS, row, withdrawal)
      expect(withdrawal).toMatchObject({ id: row.id, memberId: row.member_id, memberName: row.member_name, batchNo: row.batch_no })
      expect(withdrawal.account).toEqual(row.account_id ? { id: row.account_id, kind: row.account_kind, holder: row.account_holder, bank: row.account_bank, masked: `**** ${row.account_last4}` } : null)
    }
  })

  it('maps the price comparisons, buyer photos and copy variants to the materials’ contract and back, and records sync reads them from the same declaration', () => {
    const comparisons = db().prepare('SELECT * FROM price_comparisons').all() as ComparisonRow[]
    expect(comparisons.length).toBeGreaterThan(5)
    for (const row of comparisons) {
      const comparison = toComparison(row)
      expect(PriceComparison.parse(comparison)).toEqual(comparison)
      expectRoundTrip(PRICE_COMPARISONS, row, comparison)
      expect(comparison).toMatchObject({ id: row.id, createdAt: row.created_at })
      const [held] = readRecords(db(), 'comparison', [row.id]).values()
      expect(held).toEqual(decodeFields(PRICE_COMPARISONS, row))
    }
    const photos = db().prepare(`SELECT ${BUYER_PHOTO_COLUMNS} FROM buyer_photos b LEFT JOIN customers c ON c.id = b.customer_id`).all() as BuyerPhotoRow[]
    expect(photos.length).toBeGreaterThan(3)
    expect(photos.some((r) => r.customer_name !== null)).toBe(true)
    for (const row of photos) {
      const photo = toBuyerPhoto(row, { thumb: 'data:image/jpeg;base64,AA', downloaded: true })
      expect(BuyerPhoto.parse(photo)).toEqual(photo)
      // The console never sees where the image is kept.
      expectRoundTrip(BUYER_PHOTOS, row, photo, ['sha256'])
      expect(photo).toMatchObject({ id: row.id, customerName: row.customer_name, thumb: 'data:image/jpeg;base64,AA', downloaded: true, createdAt: row.created_at })
      const [held] = readRecords(db(), 'buyerPhoto', [row.id]).values()
      expect(held).toEqual(decodeFields(BUYER_PHOTOS, row))
    }
    const copies = db().prepare('SELECT * FROM copy_templates').all() as CopyTemplateRow[]
    expect(copies.length).toBeGreaterThan(5)
    for (const row of copies) {
      const copy = toCopyTemplate(row)
      expect(copy.active).toBe(row.active === 1)
      expectRoundTrip(COPY_TEMPLATES, row, copy)
      const [held] = readRecords(db(), 'copyTemplate', [row.id]).values()
      expect(held).toEqual(Object.fromEntries(Object.entries(copy).filter(([f]) => f !== 'id')))
    }
  })

  it('reads a poster template of the studio’s own back whole, and records sync reads its layout as a structure', async () => {
    const shipped = defaultTemplates()[0]
    const template = (await core.invoke('posterTemplates', 'duplicate', { id: shipped.id })).template as unknown as PosterTemplate
    const row = db().prepare('SELECT * FROM poster_templates WHERE id = ?').get(template.id) as PosterTemplateRow
    const fields = decodeFields(POSTER_TEMPLATES, row)
    expect(fields).toEqual({ name: template.name, shape: shipped.shape, spec: template, basedOn: shipped.id, archived: false })
    expectRoundTrip(POSTER_TEMPLATES, row, fields)
    expect(toTemplateSummary(row)).toEqual({ id: template.id, name: template.name, shape: shipped.shape, builtin: false, basedOn: shipped.id, updatedAt: row.updated_at })
    const [held] = readRecords(db(), 'posterTemplate', [template.id]).values()
    expect(held).toEqual(fields)
  })

  it('maps a group’s QR code to the contract, lapsed once it expired', () => {
    const group = db().prepare('SELECT id FROM groups ORDER BY rowid LIMIT 1').pluck().get() as string
    db()
      .prepare(`INSERT INTO group_qr_codes (id, group_id, file, payload, uploaded_at, expires_at, created_by) VALUES ('qr-a', ?, '/nowhere/qr-a.png', 'https://weixin.qq.com/g/a', '2001-01-01T00:00:00.000Z', '2001-01-08T00:00:00.000Z', NULL)`)
      .run(group)
    const row = db().prepare(`SELECT * FROM group_qr_codes WHERE id = 'qr-a'`).get() as GroupQrRow
    const live = toGroupQr(row, '2001-01-07T23:59:59.999Z', 'thumb')
    expect(GroupQr.parse(live)).toEqual(live)
    expectRoundTrip(GROUP_QR_CODES, row, live)
    expect(live).toMatchObject({ id: 'qr-a', lapsed: false, thumb: 'thumb' })
    expect(toGroupQr(row, '2001-01-08T00:00:00.000Z', '').lapsed).toBe(true)
  })

  it('hands a job’s items to the runner as planned, and its summary fields from the job’s row', () => {
    db()
      .prepare(
        `INSERT INTO jobs (id, kind, request_key, params, label, out_dir, status, total, warnings, error, run_ms, runs, created_at, updated_at)
         VALUES ('job-a', 'packs', 'key-a', '{"date":"2001-01-01"}', '素材包 2001-01-01', '/out/a', 'running', 2, '[{"code":"w"}]', NULL, 12, 1, '2001-01-01T00:00:00.000Z', '2001-01-01T00:00:00.000Z')`,
      )
      .run()
    db()
      .prepare(
        `INSERT INTO job_items (job_id, seq, kind, owner_id, spec, file, sha256, bytes, done_at) VALUES
           ('job-a', 0, 'poster', 'owner-a', '{"product":"p1"}', 'a/poster.jpg', NULL, NULL, NULL),
           ('job-a', 1, 'video', NULL, '{"product":"p2"}', 'videos/p2.mp4', 'abc', 42, '2001-01-01T00:01:00.000Z')`,
      )
      .run()
    const job = db().prepare(`SELECT * FROM jobs WHERE id = 'job-a'`).get() as JobRow
    const fields = decodeFields(JOBS, job)
    expect(fields).toEqual({ label: '素材包 2001-01-01', out: '/out/a', total: 2, warnings: [{ code: 'w' }], createdAt: '2001-01-01T00:00:00.000Z' })
    expectRoundTrip(JOBS, job, fields)
    const items = (db().prepare(`SELECT * FROM job_items WHERE job_id = 'job-a' ORDER BY seq`).all() as JobItemRow[]).map((row, i, rows) => {
      const item = toJobItem(row)
      expectRoundTrip(JOB_ITEMS, rows[i], item)
      return item
    })
    expect(items).toEqual([
      { seq: 0, kind: 'poster', owner: 'owner-a', spec: '{"product":"p1"}', file: 'a/poster.jpg' },
      { seq: 1, kind: 'video', owner: null, spec: '{"product":"p2"}', file: 'videos/p2.mp4' },
    ])
  })

  it('maps every audit record to the contract and back, what was before and after parsed from the text its hash covers', () => {
    const rows = db().prepare('SELECT * FROM audit_log ORDER BY seq').all() as AuditRow[]
    expect(rows.length).toBeGreaterThan(10)
    expect(rows.some((r) => r.before_json !== null) && rows.some((r) => r.after_json !== null) && rows.some((r) => r.entity_id === null)).toBe(true)
    for (const row of rows) {
      const record = toAuditRecord(row)
      expect(AuditRecord.parse(record)).toEqual(record)
      expectRoundTrip(AUDIT_LOG, row, record)
      expect({ before: record.before === null ? null : JSON.stringify(record.before), after: record.after === null ? null : JSON.stringify(record.after) }).toEqual({
        before: row.before_json,
        after: row.after_json,
      })
    }
  })

  it('maps a customer’s follow-ups to the contract and back, with their owner and the state of the next one', () => {
    const [customer, owner] = [
      db().prepare('SELECT id FROM customers ORDER BY rowid LIMIT 1').pluck().get() as string,
      db().prepare('SELECT id FROM members ORDER BY rowid LIMIT 1').pluck().get() as string,
    ]
    db()
      .prepare(
        `INSERT INTO customer_follow_ups (id, customer_id, owner_member_id, channel, summary, followed_at, next_day, by_profile_id, by_name, created_at) VALUES
           ('fu-a', @customer, @owner, 'call', '问了尺码', '2001-01-01T02:00:00.000Z', '2999-01-01', NULL, '店主', '2001-01-01T02:00:01.000Z'),
           ('fu-b', @customer, NULL, 'wechat', '发了新品', '2001-01-02T02:00:00.000Z', NULL, NULL, '客服', '2001-01-02T02:00:01.000Z')`,
      )
      .run({ customer, owner })
    const rows = db().prepare(`SELECT ${FOLLOW_UP_COLUMNS} FROM ${FOLLOW_UP_FROM} WHERE f.customer_id = ?`).all(customer) as FollowUpRow[]
    const listed = listFollowUps(db(), 'Asia/Shanghai', new Date(), customer)
    expect(listed.map((f) => f.id).sort()).toEqual(['fu-a', 'fu-b'])
    for (const followUp of listed) {
      expect(FollowUp.parse(followUp)).toEqual(followUp)
      const row = rows.find((r) => r.id === followUp.id)!
      expectRoundTrip(CUSTOMER_FOLLOW_UPS, row, followUp)
      expect(followUp).toMatchObject({ ownerName: row.owner_name, createdAt: row.created_at })
    }
    expect(listed.find((f) => f.id === 'fu-a')).toMatchObject({ nextState: 'open', ownerMemberId: owner })
    expect(listed.find((f) => f.id === 'fu-b')).toMatchObject({ nextState: 'none', ownerName: null })
  })

  it('shows an import run in the history as it was kept', async () => {
    db()
      .prepare(
        `INSERT INTO import_runs (id, entity, file_name, mode, committed, total_rows, inserted, updated, unchanged, rejected_rows, error_count, unattributed_orders, errors, duration_ms, created_at, rates, warnings, warning_count, rejected_source)
         VALUES ('run-a', 'orders', '订单.xlsx', 'valid-rows', 1, 9, 4, 3, 1, 1, 2, 5, '[]', 1234.5, '2001-01-01T03:00:00.000Z', '{"USD":"7.1"}', '[]', 6, NULL)`,
      )
      .run()
    const row = db().prepare(`SELECT * FROM import_runs WHERE id = 'run-a'`).get() as ImportRunTableRow
    const run = (await core.invoke('imports', 'history', {})).find((r) => r.importId === 'run-a')!
    expect(ImportRun.parse(run)).toEqual(run)
    expectRoundTrip(IMPORT_RUNS, row, run)
    expect(run).toMatchObject({ committed: true, rates: { USD: '7.1' }, durationMs: 1234.5, warningCount: 6 })
  })

  it('reads the sync’s state from its row, its last error and round put together', () => {
    const row = db().prepare('SELECT * FROM sync_state WHERE id = 1').get() as SyncStateRow
    const state = readSyncState(db())
    expectRoundTrip(SYNC_STATE, row, state)
    expect(state).toMatchObject({ lastError: null, lastRound: null })
    db()
      .prepare(`UPDATE sync_state SET last_error_code = 'offline', last_error_message = '连不上 / offline', last_error_at = '2001-01-01T00:00:00.000Z', last_round = '{"at":"x"}' WHERE id = 1`)
      .run()
    expect(readSyncState(db())).toMatchObject({ lastError: { code: 'offline', message: '连不上 / offline', at: '2001-01-01T00:00:00.000Z' }, lastRound: { at: 'x' } })
    db().prepare('UPDATE sync_state SET last_error_code = NULL, last_error_message = NULL, last_error_at = NULL, last_round = NULL WHERE id = 1').run()
    expect(HELD_CONFLICT_COLUMNS.split(', ').every((c) => Object.hasOwn(RECORD_CONFLICTS.columns, c))).toBe(true)
  })

  it('sends a change of the records’ outbox as its row holds it, the record’s value read when it is sent', async () => {
    const before = db().prepare('SELECT MAX(seq) FROM record_changes').pluck().get() as number
    const created = await core.invoke('products', 'create', { sku: 'TBL-OUTBOX-1', name: '商品出', brand: '品牌出', category: '类目出', listPriceFen: 900, salePriceFen: 800, priceFloorFen: 700 })
    await core.invoke('products', 'update', { id: created.id, patch: { name: '商品出二' } })
    const rows = db().prepare('SELECT * FROM record_changes WHERE seq > ? ORDER BY seq').all(before) as RecordChangeRow[]
    expect(rows.map((r) => [r.op, r.field])).toEqual([
      ['create', null],
      ['update', 'name'],
    ])
    const pushed = db().prepare('SELECT records_pushed FROM sync_state WHERE id = 1').pluck().get()
    db().prepare('UPDATE sync_state SET records_pushed = ? WHERE id = 1').run(before)
    const { changes, upTo } = recordsOutbox(db(), 100)
    db().prepare('UPDATE sync_state SET records_pushed = ? WHERE id = 1').run(pushed)
    expect(upTo).toBe(rows[1].seq)
    rows.forEach((row, i) => expectRoundTrip(RECORD_CHANGES, row, changes[i], ['restores']))
    expect(changes.map((c) => c.value)).toEqual([expect.objectContaining({ sku: 'TBL-OUTBOX-1', name: '商品出二' }), '商品出二'])
  })

  it('shows a member’s page link as its row holds it: issued, revoked, not yet confirmed by the server', async () => {
    const member = db().prepare('SELECT id FROM members ORDER BY rowid LIMIT 1').pluck().get() as string
    db().prepare(`INSERT INTO member_page_links (member_id, token, token_hash, issued_at, revoked_at, pushed) VALUES (?, NULL, 'h', '2001-01-01T00:00:00.000Z', '2001-01-02T00:00:00.000Z', 0)`).run(member)
    const row = db().prepare('SELECT * FROM member_page_links WHERE member_id = ?').get(member) as Record<string, unknown>
    const link = await memberLink(db(), member)
    expectRoundTrip(MEMBER_PAGE_LINKS, row, link)
    expect(link).toMatchObject({ url: null, pending: true, qr: null })
  })

  it('shows a pack run as published from its publication’s row', () => {
    db()
      .prepare(
        `INSERT INTO jobs (id, kind, request_key, params, label, out_dir, status, total, warnings, error, run_ms, runs, created_at, updated_at)
         VALUES ('job-pub', 'packs', 'key-pub', '{"date":"2001-01-03"}', '2001-01-03', '/out/pub', 'done', 0, '[]', NULL, 5, 1, '2001-01-03T00:00:00.000Z', '2001-01-03T00:00:00.000Z')`,
      )
      .run()
    expect(packJob(db(), 'job-pub').published).toBeNull()
    db().prepare(`INSERT INTO pack_publications (job_id, server_id, published_at, packs, files, uploaded) VALUES ('job-pub', 'server-a', '2001-01-03T01:00:00.000Z', 4, 37, 12)`).run()
    const row = db().prepare(`SELECT * FROM pack_publications WHERE job_id = 'job-pub'`).get() as Record<string, unknown>
    const published = packJob(db(), 'job-pub').published!
    expectRoundTrip(PACK_PUBLICATIONS, row, published)
    expect(published).toEqual({ at: '2001-01-03T01:00:00.000Z', packs: 4, files: 37 })
  })

  it('lists a customer merge as the history shows it, names taken from the rows it kept', () => {
    const [survivor, merged] = db().prepare('SELECT id FROM customers ORDER BY rowid LIMIT 2').pluck().all() as string[]
    db()
      .prepare(
        `INSERT INTO customer_merges (id, survivor_id, merged_id, merged_at, merged_by, merged_by_name, choices, survivor_before, survivor_after, merged_row, moved, undone_at, undone_by_name)
         VALUES ('merge-a', ?, ?, '2001-01-01T00:00:00.000Z', NULL, '店主', '{}', '{"name":"甲"}', '{"name":"甲一"}', '{"name":"乙"}', '[{"table":"orders","column":"customer_id","key":["id"],"rows":[{"row":{},"repointed":true}]}]', '2001-01-02T00:00:00.000Z', '会计')`,
      )
      .run(survivor, merged)
    const row = db().prepare(`SELECT * FROM customer_merges WHERE id = 'merge-a'`).get() as CustomerMergeRow
    const merge = listMerges(db(), { offset: 0, limit: 10 }).rows.find((m) => m.id === 'merge-a')!
    expect(CustomerMerge.parse(merge)).toEqual(merge)
    expectRoundTrip(CUSTOMER_MERGES, row, merge)
    expect(merge).toMatchObject({ survivorName: '甲一', mergedName: '乙', moves: [{ kind: 'orders', count: 1 }] })
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

  it('writes a whole row from its declaration with a statement prepared once, and a row whose key is taken only when asked to keep the one there', () => {
    const at = new Date(0).toISOString()
    const group = { id: 'tables-test-group', name: '新群', owner_member_id: null, theme: '', notes: '', created_at: at, updated_at: at, mass_send_allowance: 3 }
    const read = () => db().prepare(`SELECT ${columnList(GROUPS)} FROM groups WHERE id = ?`).get(group.id)
    try {
      insertRow(db(), GROUPS, group)
      expect(read()).toEqual(group)
      const prepare = vi.spyOn(db(), 'prepare')
      expect(insertRowIfNew(db(), GROUPS, { ...group, name: '改过的群' })).toBe(0)
      expect(insertRowIfNew(db(), GROUPS, { ...group, name: '又改过的群' })).toBe(0)
      expect(read()).toEqual(group)
      expect(() => insertRow(db(), GROUPS, { ...group, name: '改过的群' })).toThrow(/UNIQUE/)
      expect(read()).toEqual(group)
      expect(prepare.mock.calls.filter(([sql]) => String(sql).includes('INTO groups'))).toHaveLength(1)
      prepare.mockRestore()
      db().prepare('DELETE FROM groups WHERE id = ?').run(group.id)
      expect(insertRowIfNew(db(), GROUPS, group)).toBe(1)
      expect(read()).toEqual(group)
    } finally {
      db().prepare('DELETE FROM groups WHERE id = ?').run(group.id)
    }
  })

  it('writes a row whose key is new, and gives the row holding its key every other column of it', () => {
    const at = new Date(0).toISOString()
    const first = { id: 'tables-test-upsert', name: '新群', owner_member_id: null, theme: '', notes: '', created_at: at, updated_at: at, mass_send_allowance: 3 }
    const read = () => db().prepare(`SELECT ${columnList(GROUPS)} FROM groups WHERE id = ?`).get(first.id)
    const count = () => db().prepare('SELECT COUNT(*) FROM groups').pluck().get()
    const before = count()
    try {
      upsertRow(db(), GROUPS, ['id'], first)
      expect(read()).toEqual(first)
      const second = { ...first, name: '改过的群', theme: '早安', notes: '换了', updated_at: new Date(1).toISOString(), mass_send_allowance: 5 }
      upsertRow(db(), GROUPS, ['id'], second)
      expect(read()).toEqual(second)
      expect(count()).toBe((before as number) + 1)
    } finally {
      db().prepare('DELETE FROM groups WHERE id = ?').run(first.id)
    }
  })

  it('writes rows in bulk with every column or the ones named, the others taking the table’s defaults, through statements prepared once', () => {
    const at = new Date(0).toISOString()
    const columns = ['id', 'name', 'owner_member_id', 'created_at', 'updated_at'] as const
    const named = (id: string) => ({ id, name: '新群', owner_member_id: null, created_at: at, updated_at: at })
    const whole = (id: string) => ({ id, name: '另一个群', owner_member_id: null, theme: '早安', notes: '群规', created_at: at, updated_at: at, mass_send_allowance: 3 })
    const read = (id: string) => db().prepare(`SELECT ${columnList(GROUPS)} FROM groups WHERE id = ?`).get(id)
    const ids = ['tables-test-bulk-1', 'tables-test-bulk-2', 'tables-test-bulk-3', 'tables-test-bulk-4']
    try {
      rowWriter(db(), GROUPS, columns)(named(ids[0]))
      rowWriter(db(), GROUPS)(whole(ids[1]))
      expect(read(ids[0])).toEqual({ ...named(ids[0]), theme: '', notes: '', mass_send_allowance: 30 })
      expect(read(ids[1])).toEqual(whole(ids[1]))
      const prepare = vi.spyOn(db(), 'prepare')
      const writeNamed = rowWriter(db(), GROUPS, columns)
      const writeWhole = rowWriter(db(), GROUPS)
      writeNamed(named(ids[2]))
      writeWhole(whole(ids[3]))
      expect(prepare.mock.calls.filter(([sql]) => String(sql).includes('INTO groups'))).toHaveLength(0)
      prepare.mockRestore()
      expect(read(ids[2])).toEqual({ ...named(ids[2]), theme: '', notes: '', mass_send_allowance: 30 })
      expect(read(ids[3])).toEqual(whole(ids[3]))
      // @ts-expect-error a misspelt column
      expect(() => writeNamed({ id: 'tables-test-bulk-5', nmae: '新群', owner_member_id: null, created_at: at, updated_at: at })).toThrow(/Missing named parameter "name"/)
      // @ts-expect-error a column left out that the list names
      expect(() => writeNamed({ id: 'tables-test-bulk-5', name: '新群', created_at: at, updated_at: at })).toThrow(/Missing named parameter "owner_member_id"/)
      // @ts-expect-error a column left out of a whole row
      expect(() => writeWhole(named('tables-test-bulk-5'))).toThrow(/Missing named parameter "theme"/)
      expect(read('tables-test-bulk-5')).toBeUndefined()
    } finally {
      for (const id of ids) db().prepare('DELETE FROM groups WHERE id = ?').run(id)
    }
  })

  it('refuses to give records sync a field kept as a fraction, which its integer codec would turn away', () => {
    expect(() => syncColumns(GROUP_RITUALS)).toThrow('group_rituals.score: records sync carries no fractions')
  })
})
