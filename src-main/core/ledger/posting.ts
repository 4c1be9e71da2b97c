import type { PostResult } from '../../../src-shared/contracts/ledger'
import type { LedgerEntryKind } from '../../../src-shared/ledgerWire'
import type { CoreContext } from '../context'
import type { Db } from '../db/connection'
import { approvedMoneyActions, overturnedMoneyActions } from '../lifecycle/ledgerFeed'
import { commissionFen, deviceId, entryId, entryWriter, periodOf, type NewEntry } from './entries'
import { activeScheme, rateTable } from './schemes'

interface MemberInfo {
  code: string
  name: string
  level: number
  mentorId: string | null
  status: string
}
interface ProductInfo {
  category: string
  bp: number
  mentorBp: number
}
interface ExistingEntry {
  id: string
  member_code: string
  kind: LedgerEntryKind
  amount_fen: number
  source_type: string
  source_key: string
  reverses_id: string | null
  rate_bp: number | null
}

/** Orders whose money is final enough to post: paid, refunded in part or in full, cancelled. */
const POSTABLE = `o.member_id IS NOT NULL AND o.status <> 'pending'
  AND NOT EXISTS (SELECT 1 FROM group_buy_orders g JOIN group_buys b ON b.id = g.group_buy_id WHERE g.order_id = o.id AND b.status = 'open')`
/** Orders are read a page at a time. */
const ORDERS_PER_PAGE = 2000
const STATE = `o.status || ':' || o.refunded_fen || ':' || o.member_id`

/**
 * Splits a refund over an order's lines in proportion to their amounts, in whole
 * fen (largest remainder, ties to the earlier line), so the parts add up exactly.
 */
export function allocateRefund(amounts: number[], refundedFen: number): number[] {
  const total = amounts.reduce((a, b) => a + b, 0)
  const refund = Math.min(Math.max(refundedFen, 0), total)
  if (refund === 0 || total === 0) return amounts.map(() => 0)
  if (refund === total) return [...amounts]
  const exact = amounts.map((a) => (a * refund) / total)
  const parts = exact.map(Math.floor)
  let left = refund - parts.reduce((a, b) => a + b, 0)
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1])
  for (const [, i] of order) {
    if (left === 0) break
    parts[i]++
    left--
  }
  return parts
}

const yuan = (fen: number) => (fen / 100).toFixed(2)
const pct = (bp: number) => `${bp / 100}%`

/**
 * Posts everything the ledger lacks, in one transaction: commission on every sale of
 * an attributed order (seller, and the seller's mentor when the scheme has two
 * tiers), reversals for refunds and cancellations, membership fees (booked, never
 * commissionable), and the penalties and bonuses managers approved. Every entry's id
 * derives from its source, so running it again — here or on another workstation
 * with the same orders — posts nothing twice.
 */
export function postLedger(ctx: CoreContext): PostResult {
  const db = ctx.db
  const started = performance.now()
  const now = ctx.clock.now().toISOString()
  const period = periodOf(ctx.timezone())
  const device = deviceId(db)
  const scheme = activeScheme(db)
  const byKind: PostResult['byKind'] = {}
  let entries = 0
  let orders = 0

  const members = new Map<string, MemberInfo>()
  for (const m of db.prepare('SELECT id, invite_code, name, level, mentor_id, status FROM members').raw().iterate() as Iterable<[string, string, string, number, string | null, string]>) {
    members.set(m[0], { code: m[1], name: m[2], level: m[3], mentorId: m[4], status: m[5] })
  }

  db.transaction(() => {
    const write = entryWriter(db, device, now)
    const add = (e: NewEntry): string | null => {
      const id = write(e)
      if (id) {
        entries++
        const k = (byKind[e.kind] ??= { entries: 0, amountFen: 0 })
        k.entries++
        k.amountFen += e.amountFen
      }
      return id
    }
    if (scheme) orders = postOrders(db, scheme, members, add, period)
    postFees(db, add)
    postRuleActions(db, members, add, period)
  })()

  const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n
  return {
    orders,
    entries,
    byKind,
    held: {
      unattributed: count(`SELECT COUNT(*) AS n FROM orders WHERE member_id IS NULL AND status <> 'pending'`),
      groupBuyOpen: count(`SELECT COUNT(*) AS n FROM group_buy_orders g JOIN group_buys b ON b.id = g.group_buy_id WHERE b.status = 'open'`),
      noScheme: scheme === null,
    },
    durationMs: Math.round(performance.now() - started),
  }
}

function postOrders(
  db: Db,
  scheme: NonNullable<ReturnType<typeof activeScheme>>,
  members: Map<string, MemberInfo>,
  add: (e: NewEntry) => string | null,
  period: (iso: string) => string,
): number {
  const rates = rateTable(scheme.rules)
  const products = new Map<string, ProductInfo>()
  const bySku = new Map<string, ProductInfo>()
  for (const p of db.prepare('SELECT id, sku, category, commission_bp, mentor_commission_bp FROM products').raw().iterate() as Iterable<[string, string, string, number, number]>) {
    const info = { category: p[2], bp: p[3], mentorBp: p[4] }
    products.set(p[0], info)
    bySku.set(p[1], info)
  }
  const existingOf = db.prepare(
    'SELECT id, member_code, kind, amount_fen, source_type, source_key, reverses_id, rate_bp FROM ledger_entries WHERE order_id = ?',
  )
  const markPosted = db.prepare('INSERT INTO ledger_posted_orders (order_id, state) VALUES (?, ?) ON CONFLICT(order_id) DO UPDATE SET state = excluded.state')
  // Orders whose state changed since they were last posted, a page at a time (SQLite
  // cannot write on a connection while a read on it is still being stepped through).
  const pageOfOrders = db.prepare(
    `SELECT o.rowid, o.id, o.order_no, o.status, o.placed_at, o.updated_at, o.member_id, o.refunded_fen, p.state IS NULL, ${STATE}
       FROM orders o LEFT JOIN ledger_posted_orders p ON p.order_id = o.id
      WHERE o.rowid > ? AND ${POSTABLE} AND (p.state IS NULL OR p.state <> ${STATE})
      ORDER BY o.rowid LIMIT ${ORDERS_PER_PAGE}`,
  )
  const linesOf = db.prepare(
    `SELECT l.order_id, l.line_no, l.product_id, l.sku, l.name, l.quantity, l.amount_fen
       FROM order_lines l WHERE l.order_id IN (SELECT value FROM json_each(?)) ORDER BY l.order_id, l.line_no`,
  )

  type Line = { lineNo: number; product: ProductInfo | undefined; name: string; quantity: number; amountFen: number }
  type OrderRow = { id: string; orderNo: string; status: string; placedAt: string; updatedAt: string; memberId: string; refunded: number; fresh: boolean; state: string }
  let orders = 0

  const postOrder = (o: OrderRow, orderLines: Line[]) => {
    const seller = members.get(o.memberId)
    if (!seller) return
    const mentor = rates.tiers >= 2 && seller.mentorId ? members.get(seller.mentorId) : undefined
    const payMentor = mentor !== undefined && mentor.status !== 'left'
    const fullRefund = o.status === 'refunded' || o.status === 'cancelled'
    const refunds = fullRefund ? orderLines.map((l) => l.amountFen) : allocateRefund(orderLines.map((l) => l.amountFen), o.refunded)
    // Entries this workstation already holds for the order (none for a first posting).
    const existing = o.fresh ? new Map<string, ExistingEntry>() : new Map((existingOf.all(o.id) as ExistingEntry[]).map((e) => [e.id, e]))
    const wanted = new Set<string>()
    const salePeriod = period(o.placedAt)
    const refundPeriod = period(o.updatedAt)

    for (let i = 0; i < orderLines.length; i++) {
      const line = orderLines[i]
      const key = `${o.orderNo}#${line.lineNo}`
      const category = line.product?.category ?? null
      const beneficiaries: { code: string; kind: LedgerEntryKind; bp: number; memo: string }[] = [
        {
          code: seller.code,
          kind: 'sale_commission',
          bp: rates.seller(seller.level, category, line.product?.bp ?? 0),
          memo: `订单 ${o.orderNo} · ${line.name} ×${line.quantity} · ¥${yuan(line.amountFen)}`,
        },
      ]
      if (payMentor) {
        beneficiaries.push({
          code: mentor!.code,
          kind: 'mentor_commission',
          bp: rates.mentor(mentor!.level, category, line.product?.mentorBp ?? 0),
          memo: `徒弟 ${seller.name} 的订单 ${o.orderNo} · ${line.name} ×${line.quantity} · ¥${yuan(line.amountFen)}`,
        })
      }
      for (const b of beneficiaries) {
        const id = entryId('order_line', key, b.code, b.kind)
        const held = existing.get(id)
        const amount = held ? held.amount_fen : commissionFen(line.amountFen, b.bp)
        const bp = held?.rate_bp ?? b.bp
        if (amount <= 0) continue
        wanted.add(id)
        if (!held) {
          add({
            memberCode: b.code,
            kind: b.kind,
            amountFen: amount,
            sourceType: 'order_line',
            sourceKey: key,
            reversesId: null,
            schemeId: scheme.id,
            schemeVersion: scheme.version,
            baseFen: line.amountFen,
            rateBp: b.bp,
            period: salePeriod,
            occurredAt: o.placedAt,
            memo: `${b.memo} · 佣金 ${pct(b.bp)}`,
            orderId: o.id,
          })
        }
        postRefundLevel(id, b.code, key, refunds[i], amount, bp, existing, `退款冲回 · 订单 ${o.orderNo} · ${line.name}`, refundPeriod, o.updatedAt, o.id)
      }
    }
    // Commission of lines whose beneficiary changed (the order was attributed to someone
    // else) is voided, with the refund reversals that hung on it.
    for (const e of existing.values()) {
      if ((e.kind !== 'sale_commission' && e.kind !== 'mentor_commission') || wanted.has(e.id)) continue
      add({
        memberCode: e.member_code,
        kind: 'reversal',
        amountFen: -e.amount_fen,
        sourceType: 'correction',
        sourceKey: `void:${e.id}`,
        reversesId: e.id,
        schemeId: null,
        schemeVersion: null,
        baseFen: null,
        rateBp: null,
        period: refundPeriod,
        occurredAt: o.updatedAt,
        memo: `订单 ${o.orderNo} 改归属，冲回原佣金`,
        orderId: o.id,
      })
      for (const r of existing.values()) {
        if (r.reverses_id === e.id && r.source_type === 'refund') undo(r, `订单 ${o.orderNo} 改归属，撤销原退款冲回`, refundPeriod, o.updatedAt, o.id)
      }
    }
  }

  const undo = (r: ExistingEntry, memo: string, p: string, at: string, orderId: string) => {
    if (r.source_key.endsWith('~undo')) return
    add({
      memberCode: r.member_code,
      kind: 'reversal',
      amountFen: -r.amount_fen,
      sourceType: 'refund',
      sourceKey: `${r.source_key}~undo`,
      reversesId: r.id,
      schemeId: null,
      schemeVersion: null,
      baseFen: null,
      rateBp: null,
      period: p,
      occurredAt: at,
      memo,
      orderId,
    })
  }

  /**
   * A refund's reversal is keyed by the refunded amount of the line: a later, larger
   * refund undoes the earlier reversal and reverses the new total, so workstations that
   * saw different refund histories still converge on the same net amount.
   */
  const postRefundLevel = (
    commissionId: string,
    code: string,
    key: string,
    refundedFen: number,
    commission: number,
    bp: number,
    existing: Map<string, ExistingEntry>,
    memo: string,
    p: string,
    at: string,
    orderId: string,
  ) => {
    const level = `${key}@${refundedFen}`
    for (const r of existing.values()) {
      if (r.reverses_id === commissionId && r.source_type === 'refund' && r.member_code.toUpperCase() === code.toUpperCase() && r.source_key !== level) {
        undo(r, `${memo}（退款金额变更，撤销上次冲回）`, p, at, orderId)
      }
    }
    if (refundedFen <= 0) return
    const amount = Math.min(commissionFen(refundedFen, bp), commission)
    if (amount <= 0) return
    add({
      memberCode: code,
      kind: 'reversal',
      amountFen: -amount,
      sourceType: 'refund',
      sourceKey: level,
      reversesId: commissionId,
      schemeId: null,
      schemeVersion: null,
      baseFen: refundedFen,
      rateBp: bp,
      period: p,
      occurredAt: at,
      memo: `${memo} · 退 ¥${yuan(refundedFen)}`,
      orderId,
    })
  }

  for (let after = 0; ; ) {
    const page = pageOfOrders.raw().all(after) as [number, string, string, string, string, string, string, number, number, string][]
    if (!page.length) break
    after = page[page.length - 1][0]
    const byOrder = new Map<string, Line[]>()
    for (const l of linesOf.raw().all(JSON.stringify(page.map((o) => o[1]))) as [string, number, string | null, string, string, number, number][]) {
      let list = byOrder.get(l[0])
      if (!list) byOrder.set(l[0], (list = []))
      list.push({ lineNo: l[1], product: (l[2] && products.get(l[2])) || bySku.get(l[3]), name: l[4], quantity: l[5], amountFen: l[6] })
    }
    for (const r of page) {
      const o: OrderRow = { id: r[1], orderNo: r[2], status: r[3], placedAt: r[4], updatedAt: r[5], memberId: r[6], refunded: r[7], fresh: r[8] === 1, state: r[9] }
      postOrder(o, byOrder.get(o.id) ?? [])
      markPosted.run(o.id, o.state)
      orders++
    }
  }
  return orders
}

function postFees(db: Db, add: (e: NewEntry) => string | null): void {
  const fees = db
    .prepare(
      // A few hundred rows at most: each is offered again and skipped by its id.
      'SELECT f.id, f.amount_fen, f.paid_on, f.created_at, m.invite_code, m.name FROM membership_fees f JOIN members m ON m.id = f.member_id',
    )
    .all() as { id: string; amount_fen: number; paid_on: string; created_at: string; invite_code: string; name: string }[]
  for (const f of fees) {
    add({
      memberCode: f.invite_code,
      kind: 'membership_fee',
      amountFen: f.amount_fen,
      sourceType: 'membership_fee',
      sourceKey: f.id,
      reversesId: null,
      schemeId: null,
      schemeVersion: null,
      baseFen: null,
      rateBp: null,
      period: f.paid_on.slice(0, 7),
      occurredAt: f.created_at,
      memo: `会员费（已收，不计佣金）· ${f.name}`,
      orderId: null,
    })
  }
}

function postRuleActions(db: Db, members: Map<string, MemberInfo>, add: (e: NewEntry) => string | null, period: (iso: string) => string): void {
  const posted = new Map<string, { code: string; amount: number; id: string }>()
  for (const a of approvedMoneyActions(db)) {
    const m = members.get(a.memberId)
    if (!m) continue
    const kind: LedgerEntryKind = a.kind === 'penalty' ? 'penalty' : 'bonus'
    const amount = a.kind === 'penalty' ? -a.amountFen : a.amountFen
    add({
      memberCode: m.code,
      kind,
      amountFen: amount,
      sourceType: 'rule_action',
      sourceKey: a.id,
      reversesId: null,
      schemeId: null,
      schemeVersion: null,
      baseFen: null,
      rateBp: null,
      period: period(a.approvedAt),
      occurredAt: a.approvedAt,
      memo: `${a.kind === 'penalty' ? '扣罚' : '奖励'} · ${a.ruleName} · ${a.reason}（审批人 ${a.approvedBy}）`,
      orderId: null,
    })
    posted.set(a.id, { code: m.code, amount, id: entryId('rule_action', a.id, m.code, kind) })
  }
  for (const o of overturnedMoneyActions(db)) {
    const p = posted.get(o.id)
    if (!p) continue
    add({
      memberCode: p.code,
      kind: 'reversal',
      amountFen: -p.amount,
      sourceType: 'rule_action',
      sourceKey: `${o.id}~overturned`,
      reversesId: p.id,
      schemeId: null,
      schemeVersion: null,
      baseFen: null,
      rateBp: null,
      period: period(o.overturnedAt),
      occurredAt: o.overturnedAt,
      memo: '申诉成立，撤销扣罚/奖励',
      orderId: null,
    })
  }
}
