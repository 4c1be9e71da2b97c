import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { SchemeRules } from '../../../src-shared/contracts/ledger'
import { createCore, type OrchardCore } from '../api'
import type { Clock } from '../clock'
import { actAs } from '../lifecycle/lifecycle.testkit'
import { commissionFen } from './entries'
import { allocateRefund } from './posting'
import { DEFAULT_SCHEME_RULES } from './schemes'

/**
 * Real-world order histories, tried as a studio lives them: the shop's exports imported
 * through the order import (older and newer, again and again) and the ledger posted in
 * between. What the ledger holds must always be what posting the orders' latest state
 * once into a fresh studio gives.
 */
let dir: string
const cores: OrchardCore[] = []
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-histories-'))
})
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close()
  rmSync(dir, { recursive: true, force: true })
})

/** A clock the test moves: the studio lives through November into December. */
function movingClock(start: string): Clock & { set(iso: string): void } {
  let now = new Date(start)
  return { now: () => now, set: (iso: string) => (now = new Date(iso)) }
}

// Level-1 sellers earn 10 % (美妆 8 %, 母婴 20 %), their level-2 mentors 2 % (母婴 3 %); level-1 mentors nothing.
const RULES: SchemeRules = {
  ...DEFAULT_SCHEME_RULES,
  sellerBp: [1000, 1200, 1500],
  mentorBp: [0, 200, 300],
  categories: [
    { category: '美妆', sellerBp: [800, 1000, 1200], mentorBp: [0, 200, 300] },
    { category: '母婴', sellerBp: [2000, 2000, 2000], mentorBp: [0, 300, 300] },
  ],
  useProductRates: true,
}

async function studio(name: string, clock: Clock = movingClock('2026-11-20T04:00:00Z')) {
  const core = createCore({ dataDir: join(dir, name), host: 'test', firstStart: 'empty', clock })
  actAs(core, 'manager', '陈姐')
  cores.push(core)
  const mentor = await core.invoke('members', 'create', { name: '李师父', inviteCode: 'LEE01', level: 2, joinDate: '2026-01-10' })
  const seller = await core.invoke('members', 'create', { name: '小王', inviteCode: 'WANG01', level: 1, mentorId: mentor.id, joinDate: '2026-03-01' })
  for (const [sku, name, category] of [
    ['MZ-001', '双抗精华', '美妆'],
    ['MY-001', '婴儿湿巾', '母婴'],
    ['SP-001', '坚果礼盒', '食品'],
  ]) {
    await core.invoke('products', 'create', { sku, name, category, listPriceFen: 29900, salePriceFen: 19900, priceFloorFen: 9900 })
  }
  await core.invoke('schemes', 'save', { name: '标准两级', rules: RULES })
  return { core, mentor, seller }
}

interface Row {
  no: string
  placedAt?: string
  status?: string
  sku?: string
  amount: string
  refunded?: string
  lineRefunded?: string
  refundedAt?: string
  member?: string
}
const HEADER = '订单号,下单时间,状态,商品编码,商品名称,数量,金额,退款金额,商品退款金额,退款时间,归属会员邀请码'
const NAMES: Record<string, string> = { 'MZ-001': '双抗精华', 'MY-001': '婴儿湿巾', 'SP-001': '坚果礼盒' }
let files = 0

/** Imports an export as the shop writes it (CSV, one row per line), the way `orchard import orders` does. */
async function importOrders(core: OrchardCore, rows: Row[], options: { applyOlderFor?: string[]; olderOrders?: 'keep' | 'apply' } = {}) {
  const path = join(dir, `export-${++files}.csv`)
  const lines = rows.map((r) =>
    [r.no, r.placedAt ?? '2026-11-08 10:00', r.status ?? '已付款', r.sku ?? 'SP-001', NAMES[r.sku ?? 'SP-001'], 1, r.amount, r.refunded ?? '', r.lineRefunded ?? '', r.refundedAt ?? '', r.member ?? 'WANG01'].join(','),
  )
  writeFileSync(path, [HEADER, ...lines].join('\n') + '\n')
  const result = await core.invoke('imports', 'run', { entity: 'orders', path, format: 'orchard', mode: 'all-or-nothing', ...options })
  expect(result.errors).toEqual([])
  return result
}
const post = (core: OrchardCore) => core.invoke('ledger', 'post', {})

/** Net per member, order line and kind (a reversal counts with the commission it reverses). */
function netByLine(core: OrchardCore): Record<string, number> {
  const rows = core.context.db
    .prepare(
      `SELECT COALESCE(g.member_code, e.member_code) AS code, COALESCE(g.source_key, e.source_key) AS line, COALESCE(g.kind, e.kind) AS kind, SUM(e.amount_fen) AS net
         FROM ledger_entries e LEFT JOIN ledger_entries g ON g.id = e.reverses_id
        WHERE e.kind <> 'membership_fee' GROUP BY 1, 2, 3`,
    )
    .all() as { code: string; line: string; kind: string; net: number }[]
  return Object.fromEntries(rows.filter((r) => r.net !== 0).map((r) => [`${r.code} ${r.line} ${r.kind}`, r.net]))
}
const net = (core: OrchardCore, code: string) =>
  (core.context.db.prepare(`SELECT COALESCE(SUM(amount_fen), 0) AS n FROM ledger_entries WHERE member_code = ? AND kind <> 'membership_fee'`).get(code) as { n: number }).n

/** What posting the studio's orders as they stand now, once, into a fresh studio gives (through Orchard's own export). */
async function freshNetOf(core: OrchardCore, name: string) {
  const exported = await core.invoke('exports', 'run', { entity: 'orders', format: 'csv', path: join(dir, `${name}.csv`) })
  const { core: fresh } = await studio(name)
  const result = await fresh.invoke('imports', 'run', { entity: 'orders', path: exported.path, format: 'orchard', mode: 'all-or-nothing' })
  expect(result.errors).toEqual([])
  await post(fresh)
  return netByLine(fresh)
}

describe('1 · a refund that returns to an earlier amount keeps its reversal', () => {
  const v1: Row[] = [{ no: 'DD1101', sku: 'SP-001', amount: '199.00' }]
  const refunded: Row[] = [{ no: 'DD1101', sku: 'SP-001', amount: '199.00', status: '部分退款', refunded: '45.00' }]

  it('refund ¥45, the older export taken back (asked for), the newer one again: the ¥45 stays reversed', async () => {
    const { core } = await studio('a')
    await importOrders(core, refunded)
    await post(core)
    const reversed = net(core, 'WANG01')
    expect(reversed).toBe(commissionFen(19900, 1000) - commissionFen(4500, 1000))
    await importOrders(core, v1, { applyOlderFor: ['DD1101'] })
    await post(core)
    expect(net(core, 'WANG01')).toBe(commissionFen(19900, 1000))
    await importOrders(core, refunded)
    await post(core)
    expect(net(core, 'WANG01')).toBe(reversed)
    expect(netByLine(core)).toEqual(await freshNetOf(core, 'fresh-a'))
  })

  it('refund ¥45 → withdrawn (0) → ¥45 again, posting after each: the same', async () => {
    const { core } = await studio('b')
    const withdrawn: Row[] = [{ no: 'DD1101', sku: 'SP-001', amount: '199.00', status: '已付款', refunded: '0' }]
    for (const [rows, apply] of [
      [refunded, false],
      [withdrawn, true],
      [refunded, false],
      [withdrawn, true],
      [refunded, false],
    ] as const) {
      await importOrders(core, rows, apply ? { olderOrders: 'apply' } : {})
      await post(core)
    }
    expect(net(core, 'WANG01')).toBe(commissionFen(19900, 1000) - commissionFen(4500, 1000))
    expect(net(core, 'LEE01')).toBe(commissionFen(19900, 200) - commissionFen(4500, 200))
    expect(netByLine(core)).toEqual(await freshNetOf(core, 'fresh-b'))
  })
})

describe('2 · re-importing an older export never undoes a failed group buy', () => {
  it('keeps the orders refunded, reports each with both states, and pays nothing', async () => {
    const { core } = await studio('a')
    const rows: Row[] = [
      { no: 'PT2001', sku: 'MY-001', amount: '259.35' },
      { no: 'PT2002', sku: 'MY-001', amount: '259.35' },
    ]
    await importOrders(core, rows)
    const ids = (core.context.db.prepare("SELECT id FROM orders WHERE order_no LIKE 'PT%' ORDER BY order_no").pluck().all() as string[])
    const buy = await core.invoke('groupBuys', 'create', { name: '湿巾三人团', minParticipants: 3, closesAt: '2026-11-21T12:00:00Z', orderIds: ids })
    await core.invoke('groupBuys', 'decide', { id: buy.id, outcome: 'failed' })
    await post(core)
    expect(net(core, 'WANG01')).toBe(0)

    const again = await importOrders(core, rows)
    expect(again.olderOrders).toEqual([
      expect.objectContaining({ orderNo: 'PT2001', row: 2, held: { status: 'refunded', refundedFen: 25935 }, file: { status: 'paid', refundedFen: 0 }, applied: false }),
      expect.objectContaining({ orderNo: 'PT2002', row: 3, held: { status: 'refunded', refundedFen: 25935 }, file: { status: 'paid', refundedFen: 0 }, applied: false }),
    ])
    expect(again.olderOrders[0].reason).toContain('已退款')
    await post(core)
    expect(core.context.db.prepare("SELECT status FROM orders WHERE order_no LIKE 'PT%'").pluck().all()).toEqual(['refunded', 'refunded'])
    expect(net(core, 'WANG01')).toBe(0)
    expect(net(core, 'LEE01')).toBe(0)
  })
})

describe('3 · refunds split in exact integers, ties to the earlier line', () => {
  it('splits ¥41.96 over 9,900 / 990 / 990 fen as 3497 / 350 / 349', () => {
    expect(allocateRefund([9900, 990, 990], 4196)).toEqual([3497, 350, 349])
  })

  it('agrees with a BigInt largest-remainder split on 20,000 random orders', () => {
    let state = 20261123
    const rnd = () => (state = (state * 48271) % 2147483647) / 2147483647
    const reference = (amounts: number[], refund: number) => {
      const total = BigInt(amounts.reduce((a, b) => a + b, 0))
      const r = BigInt(refund)
      const parts = amounts.map((a) => (BigInt(a) * r) / total)
      const rest = amounts.map((a, i) => ({ i, rem: (BigInt(a) * r) % total }))
      let left = r - parts.reduce((a, b) => a + b, 0n)
      rest.sort((x, y) => (y.rem > x.rem ? 1 : y.rem < x.rem ? -1 : x.i - y.i))
      for (const { i } of rest) if (left-- > 0n) parts[i]++
      return parts.map(Number)
    }
    for (let n = 0; n < 20_000; n++) {
      // Repeated amounts make equal remainders common: the ties the old split got wrong.
      const pool = [990, 9900, 1990, 500, Math.floor(rnd() * 100_000) + 1]
      const amounts = Array.from({ length: 2 + Math.floor(rnd() * 4) }, () => pool[Math.floor(rnd() * pool.length)])
      const total = amounts.reduce((a, b) => a + b, 0)
      const refund = 1 + Math.floor(rnd() * (total - 1))
      expect(allocateRefund(amounts, refund)).toEqual(reference(amounts, refund))
    }
  })
})

describe('4 · members who left', () => {
  it('a seller who left earns nothing on sales placed after leaving; the sales before stay paid', async () => {
    const clock = movingClock('2026-11-10T04:00:00Z')
    const { core, seller } = await studio('a', clock)
    await core.invoke('members', 'update', { id: seller.id, patch: { status: 'left' } })
    clock.set('2026-11-20T04:00:00Z')
    await importOrders(core, [
      { no: 'SO4001', placedAt: '2026-11-05 10:00', amount: '100.00' },
      { no: 'SO4002', placedAt: '2026-11-15 10:00', amount: '100.00' },
    ])
    await post(core)
    expect(netByLine(core)).toEqual({
      'WANG01 SO4001#1 sale_commission': 1000,
      'LEE01 SO4001#1 mentor_commission': 200,
      // The mentor is still in the team: the apprentice's sale pays the mentor.
      'LEE01 SO4002#1 mentor_commission': 200,
    })
  })

  it('a mentor who left is paid on an apprentice’s sale placed before leaving, not after', async () => {
    const clock = movingClock('2026-11-10T04:00:00Z')
    const { core, mentor } = await studio('a', clock)
    await core.invoke('members', 'update', { id: mentor.id, patch: { status: 'left' } })
    clock.set('2026-11-20T04:00:00Z')
    await importOrders(core, [
      { no: 'SO4101', placedAt: '2026-11-05 10:00', amount: '100.00' },
      { no: 'SO4102', placedAt: '2026-11-15 10:00', amount: '100.00' },
    ])
    await post(core)
    expect(netByLine(core)).toEqual({
      'WANG01 SO4101#1 sale_commission': 1000,
      'LEE01 SO4101#1 mentor_commission': 200,
      'WANG01 SO4102#1 sale_commission': 1000,
    })
  })
})

describe('5 · product rates follow the scheme', () => {
  it('a blank commission cell on product import means the scheme’s rate, not 10 %', async () => {
    const { core } = await studio('a')
    const path = join(dir, 'products.csv')
    writeFileSync(path, ['商品编码,商品名称,类目,原价,售价,控价,佣金比例,上级佣金比例', 'MZ-900,水光面膜,美妆,99,79,69,,'].join('\n') + '\n')
    const result = await core.invoke('imports', 'run', { entity: 'products', path, format: 'auto', mode: 'all-or-nothing' })
    expect(result).toMatchObject({ committed: true, inserted: 1 })
    expect(core.context.db.prepare("SELECT commission_bp, mentor_commission_bp FROM products WHERE sku = 'MZ-900'").get()).toEqual({ commission_bp: 0, mentor_commission_bp: 0 })
    NAMES['MZ-900'] = '水光面膜'
    await importOrders(core, [{ no: 'SO5001', sku: 'MZ-900', amount: '79.00' }])
    await post(core)
    // 美妆 pays level-1 sellers 8 % and level-2 mentors 2 %.
    expect(netByLine(core)).toEqual({ 'WANG01 SO5001#1 sale_commission': 632, 'LEE01 SO5001#1 mentor_commission': 158 })
  })

  it('a product’s own rate never pays someone the scheme gives 0 (level-1 mentors)', async () => {
    const { core, seller } = await studio('a')
    const apprentice = await core.invoke('members', 'create', { name: '小赵', inviteCode: 'ZHAO01', level: 1, mentorId: seller.id, joinDate: '2026-06-01' })
    expect(apprentice.id).toBeTruthy()
    const product = core.context.db.prepare("SELECT id FROM products WHERE sku = 'SP-001'").pluck().get() as string
    await core.invoke('products', 'update', { id: product, patch: { commissionBp: 1500, mentorCommissionBp: 300 } })
    await importOrders(core, [{ no: 'SO5101', sku: 'SP-001', amount: '100.00', member: 'ZHAO01' }])
    await post(core)
    // 小赵 sells at the product's 15 %; her mentor 小王 is level 1, whom the scheme pays nothing as a mentor.
    expect(netByLine(core)).toEqual({ 'ZHAO01 SO5101#1 sale_commission': 1500 })
  })

  it('product rates are checked like scheme rates: the whole sale is refused, a high share is flagged', async () => {
    const { core } = await studio('a')
    const product = core.context.db.prepare("SELECT id FROM products WHERE sku = 'SP-001'").pluck().get() as string
    await expect(core.invoke('products', 'update', { id: product, patch: { commissionBp: 5000, mentorCommissionBp: 5000 } })).rejects.toMatchObject({ code: 'commission_whole_sale' })
    const path = join(dir, 'products.csv')
    writeFileSync(path, ['商品编码,商品名称,类目,原价,售价,控价,佣金比例,上级佣金比例', 'MZ-901,精华水,美妆,99,79,69,50%,50%'].join('\n') + '\n')
    const refused = await core.invoke('imports', 'run', { entity: 'products', path, format: 'auto', mode: 'all-or-nothing' })
    expect(refused.errors).toEqual([expect.objectContaining({ row: 2, column: '佣金比例', code: 'commission_whole_sale' })])
    await core.invoke('products', 'update', { id: product, patch: { commissionBp: 3500, mentorCommissionBp: 1500 } })
    const findings = await core.invoke('schemes', 'check', { rules: RULES })
    expect(findings).toContainEqual(expect.objectContaining({ code: 'high_total_share', field: 'products.SP-001', severity: 'warning' }))
  })
})

describe('6 · refunds are dated by the source; closed months stay closed', () => {
  it('a refund carries the date the export gives, not the day it was imported', async () => {
    const clock = movingClock('2026-11-20T04:00:00Z')
    const { core } = await studio('a', clock)
    await importOrders(core, [{ no: 'SO6001', placedAt: '2026-11-08 10:00', amount: '100.00' }])
    await post(core)
    clock.set('2026-12-05T04:00:00Z')
    await importOrders(core, [{ no: 'SO6001', placedAt: '2026-11-08 10:00', amount: '100.00', status: '部分退款', refunded: '40.00', refundedAt: '2026-11-18 15:30' }])
    await post(core)
    const reversal = core.context.db.prepare(`SELECT occurred_at, period FROM ledger_entries WHERE kind = 'reversal' AND member_code = 'WANG01'`).get()
    expect(reversal).toEqual({ occurred_at: '2026-11-18T07:30:00.000Z', period: '2026-11' })
  })

  it('after November is closed, a late order and a refund for November post into December as adjustments; November does not move', async () => {
    const clock = movingClock('2026-11-20T04:00:00Z')
    const { core, seller } = await studio('a', clock)
    await importOrders(core, [{ no: 'SO6101', placedAt: '2026-11-08 10:00', amount: '300.00' }])
    await post(core)
    clock.set('2026-12-03T04:00:00Z')
    await expect(core.invoke('ledger', 'close', { period: '2026-12' })).rejects.toMatchObject({ code: 'period_not_closable' })
    const preview = await core.invoke('ledger', 'closePreview', { period: '2026-11' })
    expect(preview).toMatchObject({ canClose: true, lastClosed: null, adjustmentsInto: '2026-12', months: [{ period: '2026-11', entries: 2, earnedFen: 3600 }] })
    const closed = await core.invoke('ledger', 'close', { period: '2026-11' })
    expect(closed.closed.map((c) => c.period)).toEqual(['2026-11'])
    const november = await core.invoke('ledger', 'statement', { memberId: seller.id, period: '2026-11' })
    expect(november).toMatchObject({ closed: true, closingFen: 3000 })

    clock.set('2026-12-06T04:00:00Z')
    await importOrders(core, [
      { no: 'SO6101', placedAt: '2026-11-08 10:00', amount: '300.00', status: '部分退款', refunded: '100.00', refundedAt: '2026-11-29 09:00' },
      { no: 'SO6102', placedAt: '2026-11-28 20:00', amount: '150.00' },
    ])
    await post(core)
    expect(await core.invoke('ledger', 'statement', { memberId: seller.id, period: '2026-11' })).toEqual(november)
    const december = await core.invoke('ledger', 'statement', { memberId: seller.id, period: '2026-12' })
    expect(december.openingFen).toBe(3000)
    expect(december.entries).toEqual([])
    expect(december.adjustments.map((e) => [e.period, e.bookedPeriod, e.amountFen])).toEqual([
      ['2026-11', '2026-12', 1500],
      ['2026-11', '2026-12', -1000],
    ])
    expect(december).toMatchObject({ adjustmentsFen: 500, closingFen: 3500 })
    // The exported statement says the same: each adjustment names its month.
    const csv = await core.invoke('ledger', 'export', { report: 'statement', format: 'csv', period: '2026-12', memberId: seller.id, path: join(dir, 'december.csv') })
    const text = readFileSync(csv.path, 'utf8')
    expect(text.match(/调整（属于 2026-11）/g)).toHaveLength(2)
    expect(text).toContain('期末,期初 + 本期账目 + 调整,,35.00')
    // A closed month is never reopened, not even by hand.
    expect(() => core.context.db.prepare(`DELETE FROM ledger_closes`).run()).toThrow(/stays closed/)
    await expect(core.invoke('ledger', 'close', { period: '2026-11' })).rejects.toMatchObject({ code: 'period_not_closable' })
  })
})

describe('7 · a refund of one line reverses that line', () => {
  it('reverses the refunded line at its own rate, the other line untouched', async () => {
    const { core } = await studio('a')
    const order = (refund: string) => [
      { no: 'SO7001', sku: 'MZ-001', amount: '199.00', status: refund ? '部分退款' : '已付款', lineRefunded: '0' },
      { no: 'SO7001', sku: 'MY-001', amount: '100.00', status: refund ? '部分退款' : '已付款', lineRefunded: refund },
    ]
    await importOrders(core, order(''))
    await post(core)
    await importOrders(core, order('50.00'))
    await post(core)
    expect(netByLine(core)).toEqual({
      'WANG01 SO7001#1 sale_commission': commissionFen(19900, 800),
      'LEE01 SO7001#1 mentor_commission': commissionFen(19900, 200),
      'WANG01 SO7001#2 sale_commission': commissionFen(10000, 2000) - commissionFen(5000, 2000),
      'LEE01 SO7001#2 mentor_commission': commissionFen(10000, 300) - commissionFen(5000, 300),
    })
    expect(netByLine(core)).toEqual(await freshNetOf(core, 'fresh'))
  })
})
