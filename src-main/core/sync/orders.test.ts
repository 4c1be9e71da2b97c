import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { OrchardCore } from '../api'
import { postLedger } from '../ledger/posting'
import { DEFAULT_SCHEME_RULES, managerWriter, saveScheme } from '../ledger/schemes'
import { readRecords } from '../records/sync'
import { ledgerTotals } from './ledgerStudio.testkit'
import { teamHarness } from './team.testkit'

/**
 * Orders (with their lines and refunds) shared through a real server process over HTTP,
 * and the ledger every workstation posts from them: one book of orders, one ledger.
 */
const team_ = teamHarness('orders')
const { enrol, sync, newTeam } = team_

function workstation(): { core: OrchardCore; dir: string } {
  const core = team_.workstation()
  // Each workstation saved the same rules before it joined the team.
  saveScheme(managerWriter(core.context.db, new Date('2026-09-01T00:00:00.000Z'), 'console', '店长'), { name: '标准两级佣金', rules: DEFAULT_SCHEME_RULES, note: '团队统一方案', activate: true })
  return { core, dir: team_.dirOf(core) }
}

/** A team of two workstations; A's members (a mentor and two sellers) and product reach B before any order. */
async function team(): Promise<{ name: string; a: { core: OrchardCore; dir: string }; b: { core: OrchardCore; dir: string } }> {
  const name = newTeam()
  const a = workstation()
  const b = workstation()
  await enrol(a.core, name, 'A')
  await enrol(b.core, name, 'B')
  const mentor = await a.core.invoke('members', 'create', { name: '李师父', inviteCode: 'MENTOR01', level: 2, joinDate: '2026-09-01' })
  await a.core.invoke('members', 'create', { name: '小美', inviteCode: 'ALICE001', mentorId: mentor.id, joinDate: '2026-09-02' })
  await a.core.invoke('members', 'create', { name: '小波', inviteCode: 'BOB00002', joinDate: '2026-09-02' })
  await a.core.invoke('products', 'create', { sku: 'SP-1001', name: '洗衣液', listPriceFen: 9900, salePriceFen: 5900, priceFloorFen: 5000, stock: 40, images: [] })
  await sync(a.core)
  await sync(b.core)
  return { name, a, b }
}

interface Row {
  orderNo: string
  status?: string
  phone?: string
  member: string
  lines: { sku: string; name: string; qty: number; unit: string; refunded?: string }[]
}

/** The shop's export as an operator imports it: one row per line, per-line refunds when given. */
async function importOrders(ws: { core: OrchardCore; dir: string }, rows: Row[]) {
  const csv = ['订单号,下单时间,状态,客户,手机,商品编码,商品名称,数量,单价,商品退款金额,归属会员邀请码']
  for (const r of rows) {
    for (const l of r.lines) {
      csv.push([r.orderNo, '2026-11-20 10:00', r.status ?? '已付款', `买家${r.orderNo}`, r.phone ?? '', l.sku, l.name, l.qty, l.unit, l.refunded ?? '', r.member].join(','))
    }
  }
  const path = join(ws.dir, `orders-${Math.random().toString(36).slice(2)}.csv`)
  writeFileSync(path, csv.join('\n') + '\n')
  const result = await ws.core.invoke('imports', 'run', { entity: 'orders', path, format: 'auto', mode: 'all-or-nothing' })
  expect(result.committed, JSON.stringify(result.errors.slice(0, 3))).toBe(true)
  return result
}

const EXPORT: Row[] = [
  {
    orderNo: 'SO-1',
    phone: '13800138001',
    member: 'ALICE001',
    lines: [
      { sku: 'SP-1001', name: '洗衣液', qty: 2, unit: '59.00' },
      { sku: '', name: '试用装', qty: 1, unit: '9.90' },
    ],
  },
  { orderNo: 'SO-2', phone: '13800138002', member: 'BOB00002', lines: [{ sku: 'SP-1001', name: '洗衣液', qty: 1, unit: '59.00' }] },
  { orderNo: 'SO-3', member: 'ALICE001', lines: [{ sku: '', name: '柔顺剂', qty: 3, unit: '25.50' }] },
]
/** The same orders a week later: SO-1's first line refunded in part. */
const NEWER: Row[] = EXPORT.map((r) =>
  r.orderNo === 'SO-1' ? { ...r, status: '部分退款', lines: [{ ...r.lines[0], refunded: '30.00' }, r.lines[1]] } : r,
)

/** Every order of a workstation, field by field with its lines, by order number. */
function ordersOf(core: OrchardCore) {
  const ids = (core.context.db.prepare('SELECT id FROM orders ORDER BY order_no').all() as { id: string }[]).map((r) => r.id)
  return [...readRecords(core.context.db, 'order', ids).entries()].map(([id, fields]): Record<string, unknown> & { id: string } => ({ ...fields, id })).sort((x, y) => String(x.orderNo).localeCompare(String(y.orderNo)))
}
const idsByNumber = (core: OrchardCore) => new Map((core.context.db.prepare('SELECT order_no, id FROM orders ORDER BY order_no').raw().all() as [string, string][]).map(([no, id]) => [no, id]))
const orderCount = (core: OrchardCore) => (core.context.db.prepare('SELECT count(*) AS n FROM orders').get() as { n: number }).n

/** The books as each workstation and the server add them up, to the fen. */
async function expectOneLedger(teamName: string, ...workstations: OrchardCore[]) {
  const summary = await team_.server.summary(teamName)
  expect(summary.entries).toBeGreaterThan(0)
  for (const core of workstations) {
    const t = ledgerTotals(core)
    expect({ entries: t.entries, totalFen: t.totalFen }).toEqual({ entries: summary.entries, totalFen: summary.totalFen })
  }
  return summary
}

describe('orders shared through the team server', () => {
  it('orders A imports reach B line by line; both post the ledger and the server holds each entry once', async () => {
    const { name, a, b } = await team()
    const imported = await importOrders(a, EXPORT)
    expect(imported).toMatchObject({ inserted: 3 })
    const posted = postLedger(a.core.context).entries
    expect(posted).toBeGreaterThan(0)

    await sync(a.core)
    const round = await sync(b.core)
    expect(round.records).toMatchObject({ notApplied: 0 })
    expect(orderCount(b.core)).toBe(3)
    // Field by field, lines and all — the order, its buyer, its member, its product.
    expect(ordersOf(b.core)).toEqual(ordersOf(a.core))
    const so1 = ordersOf(b.core).find((o) => o.orderNo === 'SO-1')!
    expect(so1).toMatchObject({ status: 'paid', totalFen: 12790, buyerPhone: '+8613800138001' })
    expect(so1.lines).toMatchObject([
      { lineNo: 1, sku: 'SP-1001', quantity: 2, amountFen: 11800, refundedFen: null },
      { lineNo: 2, sku: '', name: '试用装', amountFen: 990 },
    ])
    // What B's screens read: the order with its buyer and member.
    const list = await b.core.invoke('orders', 'list', { search: 'SO-1' })
    expect(list.rows[0]).toMatchObject({ orderNo: 'SO-1', memberName: '小美', customerName: '买家SO-1' })
    const buyer = async (core: OrchardCore) => (await core.invoke('customers', 'list', { search: '13800138001' })).rows[0]
    expect(await buyer(b.core)).toMatchObject({ orderCount: 1, totalSpentFen: 12790 })
    expect(await buyer(b.core)).toMatchObject({ orderCount: (await buyer(a.core)).orderCount, totalSpentFen: (await buyer(a.core)).totalSpentFen })

    // B posts from the orders it now holds: every entry it would post is one it holds already.
    expect(postLedger(b.core.context).entries).toBe(0)
    await sync(b.core)
    await sync(a.core)
    const summary = await expectOneLedger(name, a.core, b.core)
    expect(summary.entries).toBe(posted)
  })

  it('a refund imported on B reaches A, whose ledger posts the same reversal; an older export moves no money back on either', async () => {
    const { name, a, b } = await team()
    await importOrders(a, EXPORT)
    postLedger(a.core.context)
    await sync(a.core)
    await sync(b.core)
    const before = ledgerTotals(a.core)

    // B takes the newer export and sends it without posting: A posts the reversal from the shared order.
    const newer = await importOrders(b, NEWER)
    expect(newer).toMatchObject({ updated: 1, unchanged: 2 })
    await sync(b.core)
    await sync(a.core)
    expect(ordersOf(a.core)).toEqual(ordersOf(b.core))
    expect(ordersOf(a.core).find((o) => o.orderNo === 'SO-1')).toMatchObject({ status: 'partially_refunded', refundedFen: 3000 })
    const reversals = postLedger(a.core.context).entries
    expect(reversals).toBeGreaterThan(0)
    // B posts from the same order on its own: the same reversal, the same ids.
    expect(postLedger(b.core.context).entries).toBe(reversals)
    for (const ws of [a, b, a, b]) await sync(ws.core)
    const summary = await expectOneLedger(name, a.core, b.core)
    expect(summary.entries).toBe(before.entries + reversals)
    expect(summary.totalFen).toBeLessThan(before.totalFen)

    // The first export again, on either workstation: the order keeps its refund, the ledger its money.
    for (const ws of [a, b]) {
      const older = await importOrders(ws, EXPORT)
      expect(older.olderOrders.map((o) => o.orderNo)).toEqual(['SO-1'])
      expect(postLedger(ws.core.context).entries).toBe(0)
    }
    for (const ws of [a, b, a]) await sync(ws.core)
    for (const core of [a.core, b.core]) expect(ordersOf(core).find((o) => o.orderNo === 'SO-1')).toMatchObject({ status: 'partially_refunded', refundedFen: 3000 })
    const after = await expectOneLedger(name, a.core, b.core)
    expect(after).toMatchObject({ entries: summary.entries, totalFen: summary.totalFen })
  })

  it('the same export imported on both before they shared becomes one order per number, under one id, posted once', async () => {
    const { name, a, b } = await team()
    // Both import the same export and post it before either sends its orders; B has the newer one already.
    await importOrders(a, EXPORT)
    await importOrders(b, NEWER)
    const idsA = idsByNumber(a.core)
    const idsB = idsByNumber(b.core)
    const postedA = postLedger(a.core.context).entries
    postLedger(b.core.context)

    for (const ws of [a, b, a, b]) await sync(ws.core)
    for (const core of [a.core, b.core]) expect(orderCount(core)).toBe(3)
    // One id team-wide, chosen alike on both: the smaller of the two.
    const kept = [...idsA].map(([no, id]) => [no, [id, idsB.get(no)!].sort()[0]])
    for (const core of [a.core, b.core]) expect([...idsByNumber(core)]).toEqual(kept)
    // Each imported the buyers too, under ids of its own: those are the customers' to merge, by phone.
    const withoutBuyer = (core: OrchardCore) => ordersOf(core).map(({ customerId: _, ...o }) => o)
    const orders = withoutBuyer(a.core)
    expect(withoutBuyer(b.core)).toEqual(orders)
    // The merge never takes a refund back: the newer export's state holds on both.
    expect(orders.find((o) => o.orderNo === 'SO-1')).toMatchObject({ status: 'partially_refunded', refundedFen: 3000 })

    // Neither posts again what the other posted; the server holds every entry once.
    for (const core of [a.core, b.core]) expect(postLedger(core.context).entries).toBe(0)
    for (const ws of [a, b]) await sync(ws.core)
    const summary = await expectOneLedger(name, a.core, b.core)
    expect(summary.entries).toBeGreaterThan(postedA)

    // A later change of the order, made on either, reaches the one order on the other.
    await importOrders(a, NEWER.map((r) => (r.orderNo === 'SO-2' ? { ...r, status: '已退款' } : r)))
    for (const ws of [a, b]) await sync(ws.core)
    expect(ordersOf(b.core).find((o) => o.orderNo === 'SO-2')).toMatchObject({ status: 'refunded', refundedFen: 5900 })
    expect(withoutBuyer(b.core)).toEqual(withoutBuyer(a.core))
  })
})

describe('orders through the one write path', () => {
  it('an import records each order it writes and audits the buyer phone without its value; a re-attribution is a change of the order', async () => {
    const { a } = await team()
    const db = a.core.context.db
    const changes = () => db.prepare(`SELECT op, field FROM record_changes WHERE record = 'order' ORDER BY seq`).all() as { op: string; field: string | null }[]
    await importOrders(a, EXPORT)
    expect(changes()).toEqual([
      { op: 'create', field: null },
      { op: 'create', field: null },
      { op: 'create', field: null },
    ])
    const audit = db.prepare(`SELECT summary, after_json FROM audit_log WHERE entity = 'order'`).all() as { summary: string; after_json: string }[]
    expect(audit).toHaveLength(1)
    expect(JSON.parse(audit[0].after_json).fields).toContain('buyerPhone')
    expect(JSON.stringify(audit)).not.toMatch(/13800138001/)

    // A re-import of the newer export: only the fields that moved.
    await importOrders(a, NEWER)
    expect(changes().slice(3)).toEqual([
      { op: 'update', field: 'status' },
      { op: 'update', field: 'refundedFen' },
      { op: 'update', field: 'lines' },
    ])
    const so3 = ordersOf(a.core).find((o) => o.orderNo === 'SO-3')!
    const bob = await a.core.invoke('members', 'all', {})
    await a.core.invoke('orders', 'assign', { orderIds: [so3.id], memberId: bob.find((m) => m.inviteCode === 'BOB00002')!.id })
    expect(changes().at(-1)).toEqual({ op: 'update', field: 'memberId' })
  })
  it('refuses an order whose buyer phone is a masked rendering, located to its row; nothing of it is written', async () => {
    const a = workstation()
    const db = a.core.context.db
    const state = () => db.prepare(`SELECT (SELECT count(*) FROM orders) AS orders, (SELECT count(*) FROM customers) AS customers, (SELECT count(*) FROM record_changes) AS changes`).get()
    const before = state()
    const csv = ['订单号,下单时间,状态,客户,手机,商品名称,数量,单价', 'SO-2,2026-11-20 10:00,已付款,买家SO-2,138****8002,洗衣液,1,59.00']
    const path = join(a.dir, 'masked.csv')
    writeFileSync(path, csv.join('\n') + '\n')
    const result = await a.core.invoke('imports', 'run', { entity: 'orders', path, format: 'auto', mode: 'all-or-nothing' })
    expect(result).toMatchObject({ committed: false, inserted: 0 })
    expect(result.errors).toEqual([expect.objectContaining({ row: 2, column: '手机', value: '138****8002', code: 'masked_value' })])
    expect(state()).toEqual(before)
  })
  it('a merge of two buyers moves their orders as changes of the orders, which reach the team; its undo is a change of them too', async () => {
    const { a, b } = await team()
    await importOrders(a, EXPORT)
    await sync(a.core)
    await sync(b.core)
    const byNo = (core: OrchardCore, no: string) => ordersOf(core).find((o) => o.orderNo === no)!
    const survivorId = byNo(a.core, 'SO-1').customerId as string
    const mergedId = byNo(a.core, 'SO-2').customerId as string
    const { merge } = await a.core.invoke('duplicates', 'merge', { survivorId, mergedId })
    await sync(a.core)
    await sync(b.core)
    expect(byNo(b.core, 'SO-2').customerId).toBe(survivorId)
    expect(ordersOf(b.core)).toEqual(ordersOf(a.core))

    // The undo moves the order back here, as a change of the order too. (The customer it comes back
    // to was deleted for the team by the merge, and a tombstone is final on the server.)
    await a.core.invoke('duplicates', 'undo', { mergeId: merge.id })
    expect(byNo(a.core, 'SO-2').customerId).toBe(mergedId)
    const last = a.core.context.db.prepare(`SELECT record_id, op, field FROM record_changes WHERE record = 'order' ORDER BY seq DESC LIMIT 1`).get()
    expect(last).toEqual({ record_id: byNo(a.core, 'SO-2').id, op: 'update', field: 'customerId' })
  })
})
