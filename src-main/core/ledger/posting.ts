import type { PostResult } from '../../../src-shared/contracts/ledger'
import type { LedgerEntryKind, LedgerEntryWire } from '../../../src-shared/ledgerWire'
import type { CoreContext } from '../context'
import type { Db } from '../db/connection'
import { LEDGER_POSTED_ORDERS } from '../db/tables/ledger'
import type { OrderLineRow, OrderTableRow } from '../db/tables/orders'
import { upsertRow } from '../db/tables/table'
import { approvedMoneyActions, moneyUnderOldIds, overturnedMoneyActions } from '../lifecycle/ledgerFeed'
import { commissionFen, deviceId, entryId, entryWriter, periodOf, type NewEntry } from './entries'
import { activeScheme, rateTable, schemeBlocked, schemeVersionId, schemeWaiting } from './schemes'
import { allocateRefund } from '../../../src-shared/split'
import { MEMBER_LEVELS } from '../../../src-shared/vocabulary'
import { REPOST_STATE } from '../records/teamVersions'

export { allocateRefund }

interface MemberInfo {
  code: string
  name: string
  level: number
  mentorId: string | null
  status: string
  /** When the member left (ms), or null while they are in the team. */
  leftAt: number | null
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
  scheme_id: string | null
  scheme_version: number | null
  base_fen: number | null
  rate_bp: number | null
}

/** Orders whose money is final enough to post: attributed, paid (or refunded, cancelled), and not waiting for a group buy. */
const POSTABLE = `o.member_id IS NOT NULL AND o.status <> 'pending'
  AND NOT EXISTS (SELECT 1 FROM group_buy_orders g JOIN group_buys b ON b.id = g.group_buy_id WHERE g.order_id = o.id AND b.status = 'open')`
/** Orders are read a page at a time. */
const ORDERS_PER_PAGE = 2000
/**
 * What an order looked like when it was posted. The update time covers what the
 * other fields do not show — a refund moved from one line to another, a new refund
 * date — at the price of re-checking an order whose money did not change (which
 * then posts nothing: posting compares what is held with what should be).
 */
const STATE = `o.status || ':' || o.refunded_fen || ':' || COALESCE(o.member_id, '') || ':' || o.updated_at`

/** Whether a member was still in the team when a sale was placed (a member who left earns nothing on later sales). */
const inTeamAt = (m: MemberInfo, placedMs: number) => m.leftAt === null || placedMs < m.leftAt

const yuan = (fen: number) => (fen / 100).toFixed(2)
const signedYuan = (fen: number) => `${fen < 0 ? '-' : ''}¥${yuan(Math.abs(fen))}`
const pct = (bp: number) => `${bp / 100}%`

/**
 * Posts everything the ledger lacks, in one transaction: commission on every sale of
 * an attributed order (seller, and the seller's mentor when the scheme has two
 * tiers), what refunds, cancellations and re-attributions change about it, membership
 * fees (booked, never commissionable), and the penalties and bonuses managers
 * approved. Every entry's id derives from its source, so running it again — here or
 * on another workstation with the same orders — posts nothing twice.
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
  let rerated = 0

  const members = new Map<string, MemberInfo>()
  for (const m of db.prepare('SELECT id, invite_code, name, level, mentor_id, status, left_at FROM members').raw().iterate() as Iterable<
    [string, string, string, number, string | null, string, string | null]
  >) {
    const leftAt = m[6] === null ? null : Date.parse(m[6])
    members.set(m[0], { code: m[1], name: m[2], level: m[3], mentorId: m[4], status: m[5], leftAt: leftAt === null || Number.isNaN(leftAt) ? (m[5] === 'left' ? 0 : null) : leftAt })
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
    if (scheme) ({ orders, rerated } = postOrders(db, scheme, members, add, period))
    postFees(db, add)
    postRuleActions(db, members, add, period)
  })()

  const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n
  return {
    orders,
    entries,
    rerated,
    byKind,
    held: {
      unattributed: count(`SELECT COUNT(*) AS n FROM orders WHERE member_id IS NULL AND status <> 'pending'`),
      groupBuyOpen: count(`SELECT COUNT(*) AS n FROM group_buy_orders g JOIN group_buys b ON b.id = g.group_buy_id WHERE b.status = 'open'`),
      noScheme: scheme === null,
      schemeBlocked: scheme === null ? schemeBlocked(db) : null,
      schemeWaiting: scheme === null ? null : schemeWaiting(db),
    },
    durationMs: Math.round(performance.now() - started),
  }
}

/** The order number an order line's or refund's source key starts with (`SO-1#2`, `SO-1#2@4500/3`). */
export function orderNoOfKey(sourceKey: string): string | null {
  const at = sourceKey.lastIndexOf('#')
  return at > 0 ? sourceKey.slice(0, at) : null
}

/**
 * Orders whose state changed since they were posted. For each line and each person it
 * pays, the gross commission is posted once (its amount and rate never change after);
 * what the order's latest state says that person should keep of it — nothing for a
 * cancelled, fully refunded, pending or re-attributed order, the commission less the
 * refunded share otherwise — is compared with what the ledger holds for it (the gross
 * entry plus every reversal of it, pulled ones included), and the difference is posted
 * as one more reversal. So the ledger depends only on the orders' latest state, not on
 * the path they took there: a refund that rises, falls, is withdrawn and comes back, an
 * older export imported after a newer one, an order moved to another member and back.
 * Commission posted with a version the team refused (records/teamVersions.ts) is brought
 * to the team's version's rate by one correction, which counts as part of the gross from
 * then on, here and on every workstation that pulls it.
 */
function postOrders(
  db: Db,
  scheme: NonNullable<ReturnType<typeof activeScheme>>,
  members: Map<string, MemberInfo>,
  add: (e: NewEntry) => string | null,
  period: (iso: string) => string,
): { orders: number; rerated: number } {
  const rates = rateTable(scheme.rules)
  const versionRules = db.prepare('SELECT rules FROM commission_scheme_versions WHERE id = ?').pluck()
  const versionRates = new Map<string, ReturnType<typeof rateTable> | null>()
  /** The rates of a version as this workstation holds it now (the team's, once it replaced a refused one). */
  const ratesOf = (versionId: string) => {
    if (!versionRates.has(versionId)) {
      const rules = versionRules.get(versionId) as string | undefined
      versionRates.set(versionId, rules ? rateTable(JSON.parse(rules)) : null)
    }
    return versionRates.get(versionId)!
  }
  const conflictOf = db.prepare('SELECT server_json FROM sync_conflicts WHERE entry_id = ?').pluck()
  const keptHere = db.prepare('UPDATE ledger_entries SET pending_sync = 0 WHERE id = ?')
  const conflictSettled = db.prepare('DELETE FROM sync_conflicts WHERE entry_id = ?')
  let rerated = 0
  const products = new Map<string, ProductInfo>()
  const bySku = new Map<string, ProductInfo>()
  for (const p of db.prepare('SELECT id, sku, category, commission_bp, mentor_commission_bp FROM products').raw().iterate() as Iterable<[string, string, string, number, number]>) {
    const info = { category: p[2], bp: p[3], mentorBp: p[4] }
    products.set(p[0], info)
    bySku.set(p[1], info)
  }
  const existingOf = db.prepare(
    'SELECT id, member_code, kind, amount_fen, source_type, source_key, reverses_id, scheme_id, scheme_version, base_fen, rate_bp FROM ledger_entries WHERE order_id = ? ORDER BY rowid',
  )
  // Orders whose state changed since they were last posted, a page at a time (SQLite
  // cannot write on a connection while a read on it is still being stepped through).
  // An order that was posted and can no longer be (back to pending, into an open group
  // buy) comes too: what it paid goes back.
  const pageOfOrders = db.prepare(
    `SELECT o.rowid, o.id, o.order_no, o.status, o.placed_at, o.updated_at, o.member_id, o.refunded_fen, p.state IS NULL, ${STATE},
            o.refunded_at, ${POSTABLE}, p.state
       FROM orders o LEFT JOIN ledger_posted_orders p ON p.order_id = o.id
      WHERE o.rowid > ? AND (p.state IS NULL OR p.state <> ${STATE}) AND (p.state IS NOT NULL OR ${POSTABLE})
      ORDER BY o.rowid LIMIT ${ORDERS_PER_PAGE}`,
  )
  const linesOf = db.prepare(
    `SELECT l.order_id, l.line_no, l.product_id, l.sku, l.name, l.quantity, l.amount_fen, l.refunded_fen, l.discount_fen
       FROM order_lines l WHERE l.order_id IN (SELECT value FROM json_each(?)) ORDER BY l.order_id, l.line_no`,
  )

  /** amountFen is what the buyer paid for the line (its discounts taken off): commission's base. Shipping and taxes are never in it. */
  type Line = {
    lineNo: OrderLineRow['line_no']
    product: ProductInfo | undefined
    name: OrderLineRow['name']
    quantity: OrderLineRow['quantity']
    amountFen: OrderLineRow['amount_fen']
    discountFen: OrderLineRow['discount_fen']
    refundedFen: OrderLineRow['refunded_fen']
  }
  /** An order as posting sees it: its columns that decide commission, and what this workstation knows of its last posting. */
  type OrderToPost = {
    id: OrderTableRow['id']
    orderNo: OrderTableRow['order_no']
    status: OrderTableRow['status']
    placedAt: OrderTableRow['placed_at']
    updatedAt: OrderTableRow['updated_at']
    refundedAt: OrderTableRow['refunded_at']
    memberId: OrderTableRow['member_id']
    refunded: OrderTableRow['refunded_fen']
    /** Never posted here before. */
    fresh: boolean
    postable: boolean
    /** The version (`schemeId:version`) the team replaced after this order's commission was posted with it here, if so. */
    rerate: string | null
  }
  let orders = 0
  // An order posted here for the first time has no entries yet — unless another
  // workstation's were pulled for it, which only a studio with pulled entries can have.
  const pulledAny = db.prepare(`SELECT 1 FROM ledger_entries WHERE origin = 'remote' AND order_id IS NOT NULL LIMIT 1`).get() !== undefined

  const postOrder = (o: OrderToPost, orderLines: Line[]) => {
    // Entries this workstation already holds for the order (none for a first posting).
    const held = o.fresh && !pulledAny ? [] : (existingOf.all(o.id) as ExistingEntry[])
    const byId = new Map(held.map((e) => [e.id, e]))
    const reversalsOf = new Map<string, ExistingEntry[]>()
    for (const e of held) {
      if (!e.reverses_id) continue
      let list = reversalsOf.get(e.reverses_id)
      if (!list) reversalsOf.set(e.reverses_id, (list = []))
      list.push(e)
    }
    const refundAt = o.refundedAt ?? o.updatedAt
    const wanted = new Set<string>()

    // A reversal posted here that the team holds with other money (the same refund taken back
    // at another rate, posted while this workstation was away from the team): a correction kept
    // here brings it to the team's, so what follows counts from the team's amount and nothing
    // this workstation posts next moves the team's money twice.
    for (const e of held) {
      if (e.kind !== 'reversal' || e.reverses_id === null || isRerate(e) || isTeamCopy(e)) continue
      const server = conflictOf.get(e.id) as string | undefined
      if (server === undefined) continue
      const team = JSON.parse(server) as LedgerEntryWire
      if (team.amountFen !== e.amount_fen) {
        const aligned: NewEntry = {
          memberCode: e.member_code,
          kind: 'reversal',
          amountFen: team.amountFen - e.amount_fen,
          sourceType: 'correction',
          sourceKey: `${e.source_key}${TEAM_COPY}`,
          reversesId: e.reverses_id,
          schemeId: null,
          schemeVersion: null,
          baseFen: e.base_fen,
          rateBp: null,
          period: team.period,
          occurredAt: team.occurredAt,
          memo: `订单 ${o.orderNo} · 冲回以团队的分录为准：此工作站记 ${signedYuan(e.amount_fen)}，团队记 ${signedYuan(team.amountFen)}`,
          orderId: o.id,
        }
        const id = add(aligned)
        if (id) {
          keptHere.run(id)
          const list = reversalsOf.get(e.reverses_id) ?? []
          list.push({ ...e, id, amount_fen: aligned.amountFen, source_type: 'correction', source_key: aligned.sourceKey })
          reversalsOf.set(e.reverses_id, list)
        }
      }
      conflictSettled.run(e.id)
    }

    /** Posts the difference between what the ledger holds for a commission entry and what it should hold. */
    const settle = (commission: { id: string; code: string; amount: number }, target: number, line: { key: string; name: string; refunded: number } | null) => {
      const reversals = reversalsOf.get(commission.id) ?? []
      const current = commission.amount + reversals.reduce((sum, r) => sum + r.amount_fen, 0)
      const delta = target - current
      if (delta === 0) return
      const n = reversals.filter((r) => !isRerate(r) && !isTeamCopy(r)).length + 1
      const lineKey = line?.key ?? commission.id
      const restoring = delta > 0
      const e: NewEntry = line
        ? {
            memberCode: commission.code,
            kind: 'reversal',
            amountFen: delta,
            sourceType: 'refund',
            sourceKey: `${lineKey}@${line.refunded}/${n}`,
            reversesId: commission.id,
            schemeId: null,
            schemeVersion: null,
            baseFen: line.refunded,
            rateBp: null,
            period: period(line.refunded > 0 && !restoring ? refundAt : o.updatedAt),
            occurredAt: line.refunded > 0 && !restoring ? refundAt : o.updatedAt,
            memo:
              line.refunded > 0
                ? `退款冲回 · 订单 ${o.orderNo} · ${line.name} · 退 ¥${yuan(line.refunded)}${restoring ? '（退款减少，恢复部分佣金）' : ''}`
                : `退款撤销，恢复佣金 · 订单 ${o.orderNo} · ${line.name}`,
            orderId: o.id,
          }
        : {
            memberCode: commission.code,
            kind: 'reversal',
            amountFen: delta,
            sourceType: 'correction',
            sourceKey: `${orderLineKeyOf(byId.get(commission.id)) ?? commission.id}~void/${n}`,
            reversesId: commission.id,
            schemeId: null,
            schemeVersion: null,
            baseFen: null,
            rateBp: null,
            period: period(o.updatedAt),
            occurredAt: o.updatedAt,
            memo: `订单 ${o.orderNo} ${o.postable ? '改归属' : o.status === 'pending' ? '回到待付款' : '暂不计佣'}，冲回原佣金`,
            orderId: o.id,
          }
      const id = add(e)
      if (id) {
        const entry: ExistingEntry = {
          id,
          member_code: e.memberCode,
          kind: e.kind,
          amount_fen: e.amountFen,
          source_type: e.sourceType,
          source_key: e.sourceKey,
          reverses_id: e.reversesId,
          scheme_id: null,
          scheme_version: null,
          base_fen: e.baseFen,
          rate_bp: null,
        }
        reversals.push(entry)
        reversalsOf.set(commission.id, reversals)
      }
    }

    const seller = o.memberId ? members.get(o.memberId) : undefined
    if (o.postable && seller) {
      const placedMs = Date.parse(o.placedAt)
      const mentor = rates.tiers >= 2 && seller.mentorId ? members.get(seller.mentorId) : undefined
      const paySeller = inTeamAt(seller, placedMs)
      const payMentor = mentor !== undefined && inTeamAt(mentor, placedMs)
      const fullRefund = o.status === 'refunded' || o.status === 'cancelled'
      const perLine = orderLines.some((l) => l.refundedFen !== null)
      const refunds = fullRefund
        ? orderLines.map((l) => l.amountFen)
        : perLine
          ? orderLines.map((l) => Math.min(Math.max(l.refundedFen ?? 0, 0), l.amountFen))
          : allocateRefund(orderLines.map((l) => l.amountFen), o.refunded)
      const salePeriod = period(o.placedAt)

      for (let i = 0; i < orderLines.length; i++) {
        const line = orderLines[i]
        const key = `${o.orderNo}#${line.lineNo}`
        const category = line.product?.category ?? null
        // The entry says what it was computed on: what the buyer paid for the line, and what came off it.
        const base = `计佣基数 ¥${yuan(line.amountFen)}${line.discountFen > 0 ? `（已减优惠 ¥${yuan(line.discountFen)}）` : ''}`
        const beneficiaries: { code: string; kind: LedgerEntryKind; bp: number; memo: string }[] = []
        if (paySeller) {
          beneficiaries.push({
            code: seller.code,
            kind: 'sale_commission',
            bp: rates.seller(seller.level, category, line.product?.bp ?? 0),
            memo: `订单 ${o.orderNo} · ${line.name} ×${line.quantity} · ${base}`,
          })
        }
        if (payMentor) {
          beneficiaries.push({
            code: mentor!.code,
            kind: 'mentor_commission',
            bp: rates.mentor(mentor!.level, category, line.product?.mentorBp ?? 0),
            memo: `徒弟 ${seller.name} 的订单 ${o.orderNo} · ${line.name} ×${line.quantity} · ${base}`,
          })
        }
        for (const b of beneficiaries) {
          const id = entryId('order_line', key, b.code, b.kind)
          const gross = byId.get(id)
          // A correction to the team's version counts as part of the gross (its rate is the one the gross has since).
          const rerates = gross ? (reversalsOf.get(id) ?? []).filter(isRerate) : []
          let amount = gross ? rerates.reduce((sum, r) => sum + r.amount_fen, gross.amount_fen) : commissionFen(line.amountFen, b.bp)
          // A commission pulled from the team carries its scheme and version, not its rate: found again from them, never from today's scheme.
          let bp: number | null = rerates.length
            ? (rerates[rerates.length - 1].rate_bp ?? b.bp)
            : !gross
              ? b.bp
              : gross.rate_bp ?? pulledRate(gross, line.amountFen, (level) => {
                  const held = gross.scheme_id !== null && gross.scheme_version !== null ? ratesOf(schemeVersionId(gross.scheme_id, gross.scheme_version)) : null
                  if (!held) return 0
                  return b.kind === 'sale_commission' ? held.seller(level, category, line.product?.bp ?? 0) : held.mentor(level, category, line.product?.mentorBp ?? 0)
                })
          const version = gross && gross.rate_bp !== null && gross.scheme_id !== null && gross.scheme_version !== null ? schemeVersionId(gross.scheme_id, gross.scheme_version) : null
          const team = version !== null && version === o.rerate ? ratesOf(version) : null
          if (gross && team) {
            const teamBp = b.kind === 'sale_commission' ? team.seller(seller.level, category, line.product?.bp ?? 0) : team.mentor(mentor!.level, category, line.product?.mentorBp ?? 0)
            const teamAmount = commissionFen(gross.base_fen ?? line.amountFen, teamBp)
            if (teamAmount !== amount) {
              const e: NewEntry = {
                memberCode: b.code,
                kind: 'reversal',
                amountFen: teamAmount - amount,
                sourceType: 'correction',
                sourceKey: `${key}~scheme/${version}`,
                reversesId: id,
                schemeId: gross.scheme_id,
                schemeVersion: gross.scheme_version,
                baseFen: gross.base_fen ?? line.amountFen,
                rateBp: teamBp,
                period: salePeriod,
                occurredAt: o.placedAt,
                memo: `订单 ${o.orderNo} · ${line.name} · 佣金方案 v${gross.scheme_version} 以团队的版本为准（此工作站的同号版本被拒绝），佣金 ${pct(gross.rate_bp!)} 改为 ${pct(teamBp)}`,
                orderId: o.id,
              }
              const corrected = add(e)
              if (corrected) {
                rerated++
                // The team holds its own entry for this sale, posted elsewhere with the team's version: the
                // correction brings this workstation's copy to it and stays here (sent, it would count twice).
                const server = conflictOf.get(id) as string | undefined
                if (server !== undefined) {
                  keptHere.run(corrected)
                  if ((JSON.parse(server) as { amountFen: number }).amountFen === teamAmount) conflictSettled.run(id)
                }
                const entry: ExistingEntry = {
                  id: corrected,
                  member_code: e.memberCode,
                  kind: e.kind,
                  amount_fen: e.amountFen,
                  source_type: e.sourceType,
                  source_key: e.sourceKey,
                  reverses_id: id,
                  scheme_id: e.schemeId,
                  scheme_version: e.schemeVersion,
                  base_fen: e.baseFen,
                  rate_bp: teamBp,
                }
                const list = reversalsOf.get(id) ?? []
                list.push(entry)
                reversalsOf.set(id, list)
                amount = teamAmount
              }
            }
            bp = teamBp
          }
          if (amount <= 0) continue
          wanted.add(id)
          if (!gross) {
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
          // Of a pulled commission whose rate cannot be found again, the refund takes back its share of the line.
          const takenBack = bp === null ? shareFen(amount, refunds[i], line.amountFen) : commissionFen(refunds[i], bp)
          const target = amount - Math.min(takenBack, amount)
          // What the ledger holds counts the gross as posted and every reversal of it, corrections included.
          settle({ id, code: b.code, amount: gross ? gross.amount_fen : amount }, target, { key, name: line.name, refunded: refunds[i] })
        }
      }
    }
    // Commission the order's latest state no longer pays — another member now, pending
    // again, held by a group buy — goes back to nothing, whatever reversed it before.
    for (const e of held) {
      if ((e.kind !== 'sale_commission' && e.kind !== 'mentor_commission') || e.source_type !== 'order_line' || wanted.has(e.id)) continue
      settle({ id: e.id, code: e.member_code, amount: e.amount_fen }, 0, null)
    }
  }

  for (let after = 0; ; ) {
    const page = pageOfOrders.raw().all(after) as [number, string, string, OrderTableRow['status'], string, string, string | null, number, number, string, string | null, number, string | null][]
    if (!page.length) break
    after = page[page.length - 1][0]
    const byOrder = new Map<string, Line[]>()
    for (const l of linesOf.raw().all(JSON.stringify(page.map((o) => o[1]))) as [string, number, string | null, string, string, number, number, number | null, number][]) {
      let list = byOrder.get(l[0])
      if (!list) byOrder.set(l[0], (list = []))
      list.push({ lineNo: l[1], product: (l[2] && products.get(l[2])) || bySku.get(l[3]), name: l[4], quantity: l[5], amountFen: l[6], discountFen: l[8], refundedFen: l[7] })
    }
    for (const r of page) {
      const o: OrderToPost = {
        id: r[1],
        orderNo: r[2],
        status: r[3],
        placedAt: r[4],
        updatedAt: r[5],
        memberId: r[6],
        refunded: r[7],
        fresh: r[8] === 1,
        refundedAt: r[10],
        postable: r[11] === 1,
        rerate: r[12]?.startsWith(REPOST_STATE) ? r[12].slice(REPOST_STATE.length) : null,
      }
      postOrder(o, byOrder.get(o.id) ?? [])
      upsertRow(db, LEDGER_POSTED_ORDERS, ['order_id'], { order_id: o.id, state: r[9] })
      orders++
    }
  }
  return { orders, rerated }
}

/**
 * The rate a commission pulled from the team was posted with: the rate its scheme version
 * pays at the member level that gives its amount on the line's base (levels may have changed
 * since), or null when none does (the version is not held here, or product rates changed).
 */
function pulledRate(gross: ExistingEntry, baseFen: number, rateAt: (level: number) => number): number | null {
  for (const level of MEMBER_LEVELS) {
    const bp = rateAt(level)
    if (bp > 0 && commissionFen(baseFen, bp) === gross.amount_fen) return bp
  }
  return null
}

/** `part` of `whole` of `amount`, to the nearest fen (halves up), exact at any size. */
function shareFen(amount: number, part: number, whole: number): number {
  if (whole <= 0) return amount
  return Number((BigInt(amount) * BigInt(part) * 2n + BigInt(whole)) / (BigInt(whole) * 2n))
}

/** A correction of commission posted with a version the team refused, to the team's version: part of the gross it corrects. */
const isRerate = (e: ExistingEntry) => e.source_type === 'correction' && e.scheme_id !== null

/** The end of the key of a correction that brings a reversal posted here to the team's copy of it: kept here, never numbered among the reversals. */
const TEAM_COPY = '~team'
const isTeamCopy = (e: ExistingEntry) => e.source_type === 'correction' && e.source_key.endsWith(TEAM_COPY)

const orderLineKeyOf = (e: ExistingEntry | undefined) => (e && e.source_type === 'order_line' ? e.source_key : null)

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
  // A proposal's money posted under its id from before 0031: reversed once, as it is posted under the team's id above.
  for (const o of moneyUnderOldIds(db)) {
    add({
      memberCode: o.memberCode,
      kind: 'reversal',
      amountFen: -o.amountFen,
      sourceType: 'rule_action',
      sourceKey: `${o.oldId}~rekeyed`,
      reversesId: o.entryId,
      schemeId: null,
      schemeVersion: null,
      baseFen: null,
      rateBp: null,
      period: period(o.occurredAt),
      occurredAt: o.occurredAt,
      memo: '提议换用团队编号，冲销旧编号下的记账',
      orderId: null,
    })
  }
}
