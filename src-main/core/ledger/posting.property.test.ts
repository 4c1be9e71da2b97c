import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SchemeRules } from '../../../src-shared/contracts/ledger'
import { createCore } from '../api'
import { fixedClock } from '../clock'
import { actAs } from '../lifecycle/lifecycle.testkit'

/**
 * 100,000 random orders through random schemes, posted by the real code into real
 * SQLite files, against a reference computed here independently (BigInt arithmetic,
 * its own refund split): every member's net must match to the fen, and no sale may
 * pay more people or more money than its scheme allows.
 */
const ROUNDS = 10
const ORDERS_PER_ROUND = 10_000
const CATEGORIES = ['美妆', '母婴', '食品', '家居']

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-ledger-prop-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const levelRates = fc.tuple(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 3000 }))
const schemeArb = fc.record({
  tiers: fc.constantFrom(1, 2),
  sellerBp: levelRates,
  mentorBp: fc.tuple(fc.integer({ min: 0, max: 800 }), fc.integer({ min: 0, max: 800 }), fc.integer({ min: 0, max: 800 })),
  categories: fc.subarray(CATEGORIES).chain((cats) =>
    fc.tuple(...cats.map((category) => fc.record({ category: fc.constant(category), sellerBp: levelRates, mentorBp: levelRates }))),
  ),
  useProductRates: fc.boolean(),
})

interface Member {
  id: string
  code: string
  level: number
  mentor: number | null
  /** Left the team before the orders were placed (earns nothing on them), after, or not at all. */
  left: 'before' | 'after' | null
}
const PLACED_AT = '2026-11-10T02:00:00Z'
const LEFT_AT = { before: '2026-11-05T00:00:00Z', after: '2026-11-15T00:00:00Z' }
interface Product {
  id: string
  sku: string
  category: string
  bp: number
  mentorBp: number
}
interface Order {
  no: string
  seller: number
  status: 'paid' | 'partially_refunded' | 'refunded' | 'cancelled'
  refunded: number
  lines: { product: number; amount: number }[]
}

const half = (base: number, bp: number) => Number((BigInt(base) * BigInt(bp) + 5000n) / 10000n)

/** Largest remainder, written without looking at the ledger's own version. */
function split(amounts: number[], refund: number): number[] {
  const total = amounts.reduce((a, b) => a + b, 0)
  if (refund >= total) return amounts
  const scaled = amounts.map((a, i) => ({ i, q: Math.floor((a * refund) / total), r: (a * refund) % total }))
  let left = refund - scaled.reduce((n, s) => n + s.q, 0)
  const byRemainder = [...scaled].sort((x, y) => y.r - x.r || x.i - y.i)
  const out = scaled.map((s) => s.q)
  for (const s of byRemainder) if (left-- > 0) out[s.i]++
  return out
}

function reference(rules: SchemeRules, members: Member[], products: Product[], orders: Order[]): Map<string, number> {
  const net = new Map<string, number>()
  const pay = (code: string, fen: number) => net.set(code, (net.get(code) ?? 0) + fen)
  // The scheme's row gives the rate; a product's own rate replaces it only where the row pays at all.
  const rate = (tier: 'sellerBp' | 'mentorBp', level: number, p: Product) => {
    const own = tier === 'sellerBp' ? p.bp : p.mentorBp
    const c = rules.categories.find((x) => x.category === p.category)
    const scheme = (c ?? rules)[tier][level - 1]
    return scheme > 0 && rules.useProductRates && own > 0 ? own : scheme
  }
  for (const o of orders) {
    const seller = members[o.seller]
    const refunds = o.status === 'paid' ? o.lines.map(() => 0) : o.status === 'partially_refunded' ? split(o.lines.map((l) => l.amount), o.refunded) : o.lines.map((l) => l.amount)
    o.lines.forEach((line, i) => {
      const p = products[line.product]
      // Whoever had left when the sale was placed earns nothing on it, seller or mentor.
      const people: [Member, number][] = seller.left === 'before' ? [] : [[seller, rate('sellerBp', seller.level, p)]]
      const mentor = seller.mentor === null ? null : members[seller.mentor]
      if (rules.tiers === 2 && mentor && mentor.left !== 'before') people.push([mentor, rate('mentorBp', mentor.level, p)])
      for (const [m, bp] of people) {
        const earned = half(line.amount, bp)
        if (earned <= 0) continue
        pay(m.code, earned - Math.min(half(refunds[i], bp), earned))
      }
    })
  }
  return net
}

describe('posting against an independent reference', () => {
  it(`agrees to the fen on ${ROUNDS * ORDERS_PER_ROUND} random orders through ${ROUNDS} random schemes`, async () => {
    const schemes = fc.sample(schemeArb, { numRuns: ROUNDS, seed: 20261123 }) as SchemeRules[]
    let mismatches = 0
    let checkedLines = 0
    for (let round = 0; round < ROUNDS; round++) {
      const rand = fc.sample(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { numRuns: 1, seed: 1000 + round })[0]
      let state = rand || 1
      const rnd = () => (state = (state * 48271) % 2147483647) / 2147483647
      const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1))
      const rules: SchemeRules = { ...schemes[round], perRecruitFen: 0, feeShareBp: 0, joinFeeRequired: false }

      const core = createCore({ dataDir: join(dir, `r${round}`), host: 'test', firstStart: 'empty', clock: fixedClock('2026-11-20T04:00:00Z') })
      actAs(core, 'manager', 'test')
      const db = core.context.db
      const members: Member[] = []
      for (let i = 0; i < 60; i++) {
        const roll = rnd()
        const m: Member = { id: `m${i}`, code: `M${String(i).padStart(4, '0')}`, level: int(1, 3), mentor: i < 5 ? null : int(0, i - 1), left: roll < 0.08 ? 'before' : roll < 0.16 ? 'after' : null }
        members.push(m)
        db.prepare(
          `INSERT INTO members (id, name, invite_code, mentor_id, level, join_date, status, left_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, '2026-01-01', ?, ?, 'x', 'x')`,
        ).run(m.id, `会员${i}`, m.code, m.mentor === null ? null : members[m.mentor].id, m.level, m.left ? 'left' : 'active', m.left ? LEFT_AT[m.left] : null)
      }
      const products: Product[] = []
      for (let i = 0; i < 25; i++) {
        const p: Product = { id: `p${i}`, sku: `SKU-${i}`, category: CATEGORIES[int(0, CATEGORIES.length - 1)], bp: rnd() < 0.3 ? int(1, 2500) : 0, mentorBp: rnd() < 0.3 ? int(1, 500) : 0 }
        products.push(p)
        db.prepare(
          `INSERT INTO products (id, sku, name, category, list_price_fen, sale_price_fen, price_floor_fen, commission_bp, mentor_commission_bp, created_at, updated_at) VALUES (?, ?, ?, ?, 100, 100, 0, ?, ?, 'x', 'x')`,
        ).run(p.id, p.sku, `商品${i}`, p.category, p.bp, p.mentorBp)
      }
      await core.invoke('schemes', 'save', { name: `方案${round}`, rules })
      const orders: Order[] = []
      const insertOrder = db.prepare(
        `INSERT INTO orders (id, order_no, source, status, placed_at, member_id, total_fen, refunded_fen, created_at, updated_at) VALUES (?, ?, 'manual', ?, '${PLACED_AT}', ?, ?, ?, '${PLACED_AT}', '2026-11-12T02:00:00Z')`,
      )
      const insertLine = db.prepare(`INSERT INTO order_lines (id, order_id, line_no, product_id, sku, name, quantity, unit_price_fen, amount_fen) VALUES (?, ?, ?, ?, ?, 'x', 1, ?, ?)`)
      db.transaction(() => {
        for (let i = 0; i < ORDERS_PER_ROUND; i++) {
          const lines = Array.from({ length: int(1, 3) }, () => ({ product: int(0, products.length - 1), amount: int(1, 200_000) }))
          const total = lines.reduce((a, l) => a + l.amount, 0)
          const roll = rnd()
          const status: Order['status'] = roll < 0.7 ? 'paid' : roll < 0.85 ? 'partially_refunded' : roll < 0.95 ? 'refunded' : 'cancelled'
          const o: Order = { no: `R${round}-${i}`, seller: int(0, members.length - 1), status, refunded: status === 'partially_refunded' ? int(1, total - 1 || 1) : status === 'paid' ? 0 : total, lines }
          orders.push(o)
          insertOrder.run(o.no, o.no, o.status, members[o.seller].id, total, o.refunded)
          lines.forEach((l, n) => insertLine.run(`${o.no}-${n}`, o.no, n + 1, products[l.product].id, products[l.product].sku, l.amount, l.amount))
          checkedLines += lines.length
        }
      })()

      await core.invoke('ledger', 'post', {})
      const expected = reference(rules, members, products, orders)
      const actual = new Map(
        (db.prepare(`SELECT member_code AS code, SUM(amount_fen) AS n FROM ledger_entries GROUP BY member_code`).all() as { code: string; n: number }[]).map((r) => [r.code, r.n]),
      )
      for (const m of members) if ((expected.get(m.code) ?? 0) !== (actual.get(m.code) ?? 0)) mismatches++

      // Level shares: at most two people per sale, and never more than the scheme's rates allow.
      const over = db
        .prepare(
          `SELECT COUNT(*) AS n FROM (
             SELECT e.source_key, COUNT(*) AS people, SUM(e.amount_fen) AS paid, MAX(e.base_fen) AS base
               FROM ledger_entries e WHERE e.source_type = 'order_line' GROUP BY e.source_key
           ) WHERE people > 2 OR paid > (base * ${Math.max(...rules.sellerBp, ...rules.categories.flatMap((c) => c.sellerBp), 2500) + Math.max(...rules.mentorBp, ...rules.categories.flatMap((c) => c.mentorBp), 500)} + 10000) / 10000`,
        )
        .get() as { n: number }
      expect(over.n).toBe(0)
      // Posting again adds nothing.
      expect((await core.invoke('ledger', 'post', {})).entries).toBe(0)
      await core.close()
    }
    expect(checkedLines).toBeGreaterThan(ROUNDS * ORDERS_PER_ROUND)
    expect(mismatches).toBe(0)
  }, 240_000)
})
