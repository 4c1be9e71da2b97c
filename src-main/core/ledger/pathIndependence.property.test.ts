import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SchemeRules } from '../../../src-shared/contracts/ledger'
import { ORDER_STATUS_LABELS, type OrderStatus } from '../../../src-shared/vocabulary'
import { createCore, type OrchardCore } from '../api'
import { fixedClock } from '../clock'
import { actAs } from '../lifecycle/lifecycle.testkit'

/**
 * Path independence: whatever sequence of exports a studio imports for its orders —
 * older and newer in any order, the same one again, refunds rising, falling and
 * withdrawn, per line or per order, pending, refunded, cancelled, with the older state
 * taken for some orders and kept for others — and whenever it posts in between, the
 * ledger's net per member, order line and kind equals what posting the orders' final
 * state once into a fresh studio gives.
 *
 * Each run imports a batch of orders, each with its own history, through the real order
 * import into one studio (posting at random steps), then writes the state the studio
 * ended up holding into an export that a second, fresh studio imports and posts once.
 * Orders are independent in the ledger, so the two studios are shared by every run,
 * each run with order numbers of its own.
 */
const RUNS = 300
const STEPS = 5

const RULES: SchemeRules = {
  tiers: 2,
  sellerBp: [1000, 1200, 1500],
  mentorBp: [0, 200, 300],
  categories: [{ category: '母婴', sellerBp: [2000, 1800, 1700], mentorBp: [150, 250, 350] }],
  useProductRates: true,
  perRecruitFen: 0,
  feeShareBp: 0,
  joinFeeRequired: false,
}
/** Sellers at every level, some under mentors, one who left before the orders and one after. */
const MEMBERS = [
  { code: 'TOP1', level: 3, mentor: null, leftAt: null },
  { code: 'MID1', level: 2, mentor: 'TOP1', leftAt: null },
  { code: 'MID2', level: 2, mentor: 'TOP1', leftAt: '2026-11-01T00:00:00Z' },
  { code: 'NEW1', level: 1, mentor: 'MID1', leftAt: null },
  { code: 'NEW2', level: 1, mentor: 'MID2', leftAt: null },
  { code: 'NEW3', level: 1, mentor: 'MID1', leftAt: '2026-11-20T00:00:00Z' },
  { code: 'SOLO', level: 1, mentor: null, leftAt: null },
] as const
const PRODUCTS = [
  { sku: 'P-0', category: '美妆', bp: 0, mentorBp: 0 },
  { sku: 'P-1', category: '母婴', bp: 0, mentorBp: 0 },
  { sku: 'P-2', category: '食品', bp: 1800, mentorBp: 300 },
  { sku: 'P-3', category: '母婴', bp: 2500, mentorBp: 0 },
]

let dir: string
let studio: OrchardCore
let fresh: OrchardCore
let files = 0

async function openStudio(name: string): Promise<OrchardCore> {
  const core = createCore({ dataDir: join(dir, name), host: 'test', firstStart: 'empty', clock: fixedClock('2026-12-02T04:00:00Z') })
  actAs(core, 'manager', 'test')
  const db = core.context.db
  const ids = new Map<string, string>()
  for (const m of MEMBERS) {
    ids.set(m.code, `m-${m.code}`)
    db.prepare(
      `INSERT INTO members (id, name, invite_code, mentor_id, level, join_date, status, left_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, '2026-01-01', ?, ?, 'x', 'x')`,
    ).run(`m-${m.code}`, m.code, m.code, m.mentor ? ids.get(m.mentor) : null, m.level, m.leftAt ? 'left' : 'active', m.leftAt)
  }
  for (const p of PRODUCTS) {
    db.prepare(
      `INSERT INTO products (id, sku, name, category, list_price_fen, sale_price_fen, price_floor_fen, commission_bp, mentor_commission_bp, created_at, updated_at) VALUES (?, ?, ?, ?, 100, 100, 0, ?, ?, 'x', 'x')`,
    ).run(`p-${p.sku}`, p.sku, `商品${p.sku}`, p.category, p.bp, p.mentorBp)
  }
  await core.invoke('schemes', 'save', { name: '方案', rules: RULES })
  return core
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-paths-'))
  studio = await openStudio('studio')
  fresh = await openStudio('fresh')
})
afterAll(async () => {
  await studio?.close()
  await fresh?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** One export of an order: its status, and refunds per line (written per line, or only as the order's total). */
interface Version {
  status: OrderStatus
  /** Percent of each line refunded (partially refunded orders). */
  shares: number[]
  perLine: boolean
}
interface History {
  seller: number
  lines: { product: number; amount: number }[]
  versions: Version[]
  /** Which version each step's export carries (-1: the order is not in that export). */
  picks: number[]
  /** Whether, when the step's version is older than what the studio holds, the person takes it. */
  takeOlder: boolean[]
}

const versionArb: fc.Arbitrary<Version> = fc.record({
  status: fc.constantFrom<OrderStatus>('pending', 'paid', 'partially_refunded', 'partially_refunded', 'refunded', 'cancelled'),
  shares: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 3, maxLength: 3 }),
  perLine: fc.boolean(),
})
const historyArb: fc.Arbitrary<History> = fc.record({
  seller: fc.integer({ min: 0, max: MEMBERS.length - 1 }),
  lines: fc.array(fc.record({ product: fc.integer({ min: 0, max: PRODUCTS.length - 1 }), amount: fc.integer({ min: 1, max: 80_000 }) }), { minLength: 1, maxLength: 3 }),
  versions: fc.array(versionArb, { minLength: 1, maxLength: 4 }),
  picks: fc.array(fc.integer({ min: -1, max: 3 }), { minLength: STEPS, maxLength: STEPS }),
  takeOlder: fc.array(fc.boolean(), { minLength: STEPS, maxLength: STEPS }),
})

const HEADER = '订单号,下单时间,状态,商品编码,商品名称,数量,金额,退款金额,商品退款金额,归属会员邀请码'
const yuan = (fen: number) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`

function rowsOf(no: string, seller: string, lines: History['lines'], status: OrderStatus, orderRefund: number | null, lineRefunds: (number | null)[] | null): string[] {
  return lines.map((l, i) =>
    [
      no,
      '2026-11-10 10:00',
      ORDER_STATUS_LABELS[status].zh,
      PRODUCTS[l.product].sku,
      `商品${PRODUCTS[l.product].sku}`,
      1,
      yuan(l.amount),
      i === 0 && orderRefund !== null ? yuan(orderRefund) : '',
      lineRefunds ? yuan(lineRefunds[i] ?? 0) : '',
      seller,
    ].join(','),
  )
}

async function importRows(core: OrchardCore, rows: string[], applyOlderFor: string[]) {
  const path = join(dir, `export-${++files}.csv`)
  writeFileSync(path, [HEADER, ...rows].join('\n') + '\n')
  const result = await core.invoke('imports', 'run', { entity: 'orders', path, format: 'orchard', mode: 'all-or-nothing', applyOlderFor, saveMapping: false })
  if (result.errors.length) throw new Error(JSON.stringify(result.errors.slice(0, 3)))
}

function netByLine(core: OrchardCore, prefix: string): Record<string, number> {
  const rows = core.context.db
    .prepare(
      `SELECT COALESCE(g.member_code, e.member_code) AS code, COALESCE(g.source_key, e.source_key) AS line, COALESCE(g.kind, e.kind) AS kind, SUM(e.amount_fen) AS net
         FROM ledger_entries e LEFT JOIN ledger_entries g ON g.id = e.reverses_id
        WHERE COALESCE(g.source_key, e.source_key) LIKE ? GROUP BY 1, 2, 3`,
    )
    .all(`${prefix}%`) as { code: string; line: string; kind: string; net: number }[]
  return Object.fromEntries(rows.filter((r) => r.net !== 0).map((r) => [`${r.code} ${r.line} ${r.kind}`, r.net]))
}

let run = 0
let histories = 0

describe('path independence of the ledger', () => {
  it(`nets every order line as posting its final state once would, over ${RUNS} runs of about ten order histories each`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(historyArb, { minLength: 6, maxLength: 14 }), fc.array(fc.boolean(), { minLength: STEPS, maxLength: STEPS }), async (orders, posts) => {
        const prefix = `H${++run}-`
        histories += orders.length
        const no = (i: number) => `${prefix}${i}`
        for (let step = 0; step < STEPS; step++) {
          const rows: string[] = []
          const takeOlder: string[] = []
          orders.forEach((o, i) => {
            const pick = o.picks[step]
            if (pick < 0) return
            const v = o.versions[pick % o.versions.length]
            const lineRefunds = o.lines.map((l, n) => (v.status === 'partially_refunded' ? Math.floor((l.amount * v.shares[n]) / 100) : 0))
            const total = lineRefunds.reduce((a, b) => a + b, 0)
            rows.push(...rowsOf(no(i), MEMBERS[o.seller].code, o.lines, v.status, v.status === 'partially_refunded' ? total : null, v.perLine && v.status === 'partially_refunded' ? lineRefunds : null))
            if (o.takeOlder[step]) takeOlder.push(no(i))
          })
          if (rows.length) await importRows(studio, rows, takeOlder)
          if (posts[step]) await studio.invoke('ledger', 'post', {})
        }
        await studio.invoke('ledger', 'post', {})

        // The state the studio ended up holding, written as an export a fresh studio imports once.
        const db = studio.context.db
        const rows: string[] = []
        orders.forEach((o, i) => {
          const held = db.prepare('SELECT id, status, refunded_fen FROM orders WHERE order_no = ?').get(no(i)) as { id: string; status: OrderStatus; refunded_fen: number } | undefined
          if (!held) return
          const lines = db.prepare('SELECT refunded_fen FROM order_lines WHERE order_id = ? ORDER BY line_no').pluck().all(held.id) as (number | null)[]
          rows.push(...rowsOf(no(i), MEMBERS[o.seller].code, o.lines, held.status, held.refunded_fen, lines.some((r) => r !== null) ? lines : null))
        })
        if (rows.length) await importRows(fresh, rows, [])
        await fresh.invoke('ledger', 'post', {})
        expect(netByLine(studio, prefix)).toEqual(netByLine(fresh, prefix))
      }),
      { numRuns: RUNS, seed: 20261201 },
    )
    expect(histories).toBeGreaterThan(2000)
  }, 300_000)
})
