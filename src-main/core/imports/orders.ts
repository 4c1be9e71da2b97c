import type { OlderOrder } from '../../../src-shared/schemas'
import { formatFen, ORDER_STATUS_LABELS, ORDER_STATUSES, type OrderStatus } from '../../../src-shared/vocabulary'
import { refreshCustomerStats, recomputeRfm } from '../customers/derived'
import { normalizePhone } from '../customers/phone'
import { newId } from '../ids'
import { duplicateReason, memberCodes, remembered, type ImportJob, type ImportPlan } from './job'
import { CellError, parseFen, parseInteger } from './values'

const STATUS_WORDS: Record<string, OrderStatus> = {
  // Shopify's financial statuses
  paid: 'paid',
  pending: 'pending',
  authorized: 'pending',
  partially_paid: 'pending',
  refunded: 'refunded',
  partially_refunded: 'partially_refunded',
  voided: 'cancelled',
  expired: 'cancelled',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  // What Chinese shop back-ends print
  待付款: 'pending',
  待支付: 'pending',
  未付款: 'pending',
  已支付: 'paid',
  待发货: 'paid',
  已发货: 'paid',
  待收货: 'paid',
  已收货: 'paid',
  已完成: 'paid',
  交易成功: 'paid',
  交易完成: 'paid',
  退款中: 'paid',
  部分退款: 'partially_refunded',
  已退款: 'refunded',
  退款成功: 'refunded',
  全额退款: 'refunded',
  已取消: 'cancelled',
  已关闭: 'cancelled',
  交易关闭: 'cancelled',
}
for (const s of ORDER_STATUSES) STATUS_WORDS[ORDER_STATUS_LABELS[s].zh] = s

export function parseStatus(raw: string): OrderStatus {
  const s = raw.trim()
  const status = STATUS_WORDS[s] ?? STATUS_WORDS[s.toLowerCase().replace(/[\s-]+/g, '_')]
  if (!status) throw new CellError('invalid_status', '无法识别的订单状态（如 已付款、部分退款、已退款、已取消）/ unknown order status')
  return status
}

/** Shopify's Cancelled at, read as a date when it is one (a bare "yes" still cancels, undated). */
function readCancelledAt(job: ImportJob, row: string[]): string | undefined {
  try {
    return job.dates.parse(job.column(row, 'Cancelled at'))
  } catch {
    return undefined
  }
}

/** Shopify keeps the referral in Tags or Note Attributes: "ref:CODE", "ref: CODE", "邀请码:CODE". */
export function referralCode(text: string): string | null {
  const m = /(?:^|[\s,，;；])(?:ref|referral|referrer|invite|invite_code|邀请码|推荐码)\s*[:：=]\s*([A-Za-z0-9_-]{2,32})/i.exec(text)
  return m ? m[1] : null
}

const readPhone = (s: string) => {
  const r = normalizePhone(s)
  if (!r.ok) throw new CellError('invalid_phone', r.reason)
  return r.e164
}
const money = (s: string) => parseFen(s)
const quantityOf = (s: string) => parseInteger(s, { min: 1, max: 1_000_000 })
const identity = (s: string) => s

interface Line {
  sku: string
  name: string
  quantity: number
  unitPriceFen: number
  amountFen: number
  /** What the source says was refunded on this line, when it says so per line. */
  refundedFen?: number
}

/** One order as its rows in the file describe it. */
interface Draft {
  orderNo: string
  firstRow: number
  rowCount: number
  failed: boolean
  placedAt?: string
  status?: OrderStatus
  cancelled: boolean
  buyerName?: string
  buyerPhone?: string
  refundedFen?: number
  refundedAt?: string
  completedAt?: string
  code?: string
  memberCode?: string
  lines: Line[]
}

/**
 * How far an order has gone: pending, paid, refunded in part, refunded in full (a
 * cancellation refunds in full too). A shop's export never takes an order back down
 * this path, so a file that does is older than what the studio holds.
 */
const PROGRESS: Record<OrderStatus, number> = { pending: 0, paid: 1, partially_refunded: 2, refunded: 3, cancelled: 3 }
/** What was refunded as far as commission is concerned: all of it once refunded in full or cancelled. */
const refundedOf = (status: OrderStatus, refundedFen: number, totalFen: number) => (PROGRESS[status] === 3 ? totalFen : refundedFen)
const label = (s: OrderStatus) => `${ORDER_STATUS_LABELS[s].zh}`

/** Why the file's state is older than the held one, or null when it is not. */
function olderReason(
  held: { status: OrderStatus; refundedFen: number; lines: (number | null)[] },
  file: { status: OrderStatus; refundedFen: number; lines: (number | null)[] },
  totalFen: number,
): string | null {
  if (PROGRESS[file.status] < PROGRESS[held.status]) {
    return `文件中为「${label(file.status)}」，工作室已记为「${label(held.status)}」/ the file says ${file.status}, the studio holds ${held.status}`
  }
  const fileRefund = refundedOf(file.status, file.refundedFen, totalFen)
  const heldRefund = refundedOf(held.status, held.refundedFen, totalFen)
  if (fileRefund < heldRefund) {
    return `文件中退款 ¥${formatFen(fileRefund)}，少于已记的 ¥${formatFen(heldRefund)} / the file refunds ¥${formatFen(fileRefund)}, less than the ¥${formatFen(heldRefund)} held`
  }
  // Per line only when the file says per line: a file with the order's refund alone is judged by that.
  const line = file.lines.length && PROGRESS[file.status] < 3 ? held.lines.findIndex((h, i) => h !== null && (file.lines[i] ?? 0) < h) : -1
  if (line >= 0) {
    return `第 ${line + 1} 行商品的退款少于已记的 ¥${formatFen(held.lines[line]!)} / line ${line + 1} refunds less than the ¥${formatFen(held.lines[line]!)} held`
  }
  return null
}

/**
 * Orders, one row per line. The order's own columns may be repeated on every line
 * or (as Shopify writes them) only on its first line. An order is matched by its
 * number: a known order only takes a new status, refund or attribution. Buyers are
 * matched by phone or become new customers (class C, owned by the attributed member).
 * An order whose invite code no member has is still imported, unattributed, with
 * the code kept for manual assignment.
 */
export async function planOrders(job: ImportJob): Promise<ImportPlan> {
  const { db, table } = job
  const shopify = job.format === 'shopify'
  const codes = memberCodes(db)
  const productBySku = new Map<string, string>()
  for (const r of db.prepare('SELECT sku, id FROM products').raw().iterate() as Iterable<[string, string]>) productBySku.set(r[0], r[1])
  // Shopify columns the mapping does not cover.
  const fallbackPhones = shopify ? ['Phone', 'Shipping Phone'].filter((h) => table.headers.includes(h) && h !== job.mapping.buyerPhone) : []
  const hasCancelledAt = shopify && table.headers.includes('Cancelled at')

  const readStatus = remembered(parseStatus)
  const drafts = new Map<string, Draft>()
  // The order the rows above belong to; its number is kept when a repeated order was rejected, so its other lines are too.
  let current: Draft | undefined
  let currentNo: string | undefined
  let rejected = 0
  while (await job.nextBatch()) {
    for (let i = 0; i < table.rows.length; i++) {
      const row = table.rows[i]
      const errorsBefore = job.errorCount
      // A blank order number continues the order above (exports that merge the order's cells over its lines).
      const orderNo = job.cell(row, 'orderNo') === '' && currentNo !== undefined ? currentNo : job.text(row, i, 'orderNo', 64, true)
      if (orderNo === undefined) {
        rejected++
        continue
      }
      let d = drafts.get(orderNo)
      if (d && d !== current) {
        // An order's lines come together; the same number again further down is the order a second time.
        job.reject(i, 'orderNo', job.cell(row, 'orderNo') || orderNo, 'duplicate_in_file', duplicateReason('订单号', d.firstRow))
        current = undefined
        currentNo = orderNo
        rejected++
        continue
      }
      if (!d) {
        d = { orderNo, firstRow: job.rowNumber(i), rowCount: 0, failed: false, cancelled: false, lines: [] }
        drafts.set(orderNo, d)
        current = d
        currentNo = orderNo
      }
      d.rowCount++
      const first = d.rowCount === 1
      if (d.placedAt === undefined) d.placedAt = job.read(row, i, 'placedAt', (s) => job.dates.parse(s), first)
      if (d.status === undefined) d.status = job.read(row, i, 'status', readStatus)
      if (d.buyerName === undefined) d.buyerName = job.text(row, i, 'buyerName', 60)
      if (d.buyerPhone === undefined) {
        d.buyerPhone = job.read(row, i, 'buyerPhone', readPhone)
        for (const h of fallbackPhones) {
          if (d.buyerPhone !== undefined) break
          const value = job.column(row, h)
          if (value) {
            const r = normalizePhone(value)
            if (r.ok) d.buyerPhone = r.e164
          }
        }
      }
      if (d.refundedFen === undefined) d.refundedFen = job.read(row, i, 'refunded', money)
      if (d.refundedAt === undefined) d.refundedAt = job.read(row, i, 'refundedAt', (v) => job.dates.parse(v))
      if (d.completedAt === undefined) d.completedAt = job.read(row, i, 'completedAt', (v) => job.dates.parse(v))
      if (d.code === undefined) {
        d.code = job.read(row, i, 'inviteCode', identity)
        if (d.code === undefined && shopify) d.code = referralCode(`${job.column(row, 'Tags')} ${job.column(row, 'Note Attributes')}`) ?? undefined
      }
      if (d.memberCode === undefined) d.memberCode = job.read(row, i, 'memberCode', identity)
      if (hasCancelledAt && job.column(row, 'Cancelled at')) {
        d.cancelled = true
        // A cancellation is dated by the shop: it dates the reversal of the commission.
        if (d.refundedAt === undefined) d.refundedAt = readCancelledAt(job, row)
      }

      const sku = job.text(row, i, 'sku', 64) ?? ''
      const name = job.text(row, i, 'productName', 120, true)
      const quantity = job.read(row, i, 'quantity', quantityOf, true)
      const unit = job.read(row, i, 'unitPrice', money)
      const amount = job.read(row, i, 'amount', money)
      const lineRefunded = job.read(row, i, 'lineRefunded', money)
      let unitPriceFen = unit
      if (quantity !== undefined && unit === undefined && job.errorCount === errorsBefore) {
        if (amount === undefined) {
          job.reject(i, job.mapped('unitPrice') ? 'unitPrice' : 'amount', '', 'required', '单价和金额都为空 / neither unit price nor amount is given')
        } else if (amount % quantity !== 0) {
          job.reject(i, 'amount', job.cell(row, 'amount'), 'invalid_money', '金额不能按数量整除，请填写单价 / the amount does not divide by the quantity; give the unit price')
        } else unitPriceFen = amount / quantity
      }
      if (job.errorCount > errorsBefore) {
        d.failed = true
        continue
      }
      const amountFen = amount ?? quantity! * unitPriceFen!
      if (lineRefunded !== undefined && lineRefunded > amountFen) {
        job.reject(i, 'lineRefunded', job.cell(row, 'lineRefunded'), 'refund_above_amount', `商品退款金额超过这一行的金额 ¥${formatFen(amountFen)} / the line’s refund is more than the line`)
        d.failed = true
        continue
      }
      d.lines.push({ sku, name: name!, quantity: quantity!, unitPriceFen: unitPriceFen!, amountFen, ...(lineRefunded !== undefined ? { refundedFen: lineRefunded } : {}) })
    }
  }

  const findOrder = db.prepare('SELECT id, status, refunded_fen, member_id, attribution_code, customer_id, total_fen, refunded_at, completed_at FROM orders WHERE order_no = ?')
  const heldLines = db.prepare('SELECT refunded_fen FROM order_lines WHERE order_id = ? ORDER BY line_no').pluck()
  const findCustomer = db.prepare('SELECT customer_id FROM customer_phones WHERE phone = ?').pluck()
  const customerOfPhone = new Map<string, string>()
  const newCustomerOfName = new Map<string, string>()
  const newCustomers: { id: string; name: string; phones: string[]; owner: string | null }[] = []
  const insertOrders: unknown[][] = []
  const insertLines: unknown[][] = []
  const updateOrders: unknown[][] = []
  const updateLines: unknown[][] = []
  const olderOrders: OlderOrder[] = []
  const touched = new Set<string>()
  let inserted = 0
  let updated = 0
  let unchanged = 0
  let unattributed = 0

  for (const d of drafts.values()) {
    if (d.failed) {
      rejected += d.rowCount
      continue
    }
    const totalFen = d.lines.reduce((sum, l) => sum + l.amountFen, 0)
    const perLine = d.lines.some((l) => l.refundedFen !== undefined)
    const lineRefunds = perLine ? d.lines.map((l) => l.refundedFen ?? 0) : null
    let status: OrderStatus = d.cancelled ? 'cancelled' : (d.status ?? 'paid')
    // Refunds given per line add up to the order's refund unless the order's own figure says more (shipping, say).
    let refundedFen = Math.min(Math.max(d.refundedFen ?? 0, lineRefunds ? lineRefunds.reduce((a, b) => a + b, 0) : 0), totalFen)
    if (status === 'refunded' && refundedFen === 0) refundedFen = totalFen
    if (status === 'paid' && refundedFen > 0) status = refundedFen >= totalFen ? 'refunded' : 'partially_refunded'
    const code = d.code?.trim() || null
    // The member an order was already attributed to (our own exports carry it) comes before the code the buyer used.
    const memberId = (d.memberCode && codes.get(d.memberCode.toUpperCase())) || (code && codes.get(code.toUpperCase())) || null
    const refundedAt = d.refundedAt ?? null
    const completedAt = d.completedAt ?? null

    const cur = findOrder.get(d.orderNo) as
      | {
          id: string
          status: OrderStatus
          refunded_fen: number
          member_id: string | null
          attribution_code: string | null
          customer_id: string | null
          total_fen: number
          refunded_at: string | null
          completed_at: string | null
        }
      | undefined
    if (cur) {
      // A manual assignment is never overwritten by a later import.
      const nextMember = cur.member_id ?? memberId
      const nextCode = cur.attribution_code ?? code
      const held = { status: cur.status, refundedFen: cur.refunded_fen, lines: heldLines.all(cur.id) as (number | null)[] }
      // An export older than what the studio holds (a lower refund, paid after refunded,
      // pending after a failed group buy) never silently takes the order back: the newer
      // state stays unless a person asked for the file's, and the order is reported.
      const reason = olderReason(held, { status, refundedFen, lines: lineRefunds ?? [] }, cur.total_fen)
      let keepHeld = false
      if (reason) {
        const applied = job.olderOrders.apply || job.olderOrders.applyFor.has(d.orderNo)
        olderOrders.push({ orderNo: d.orderNo, row: d.firstRow, held: { status: held.status, refundedFen: held.refundedFen }, file: { status, refundedFen }, reason, applied })
        keepHeld = !applied
      }
      const next = keepHeld
        ? { status: held.status, refundedFen: held.refundedFen, refundedAt: cur.refunded_at, lines: null }
        : {
            status,
            refundedFen,
            refundedAt: refundedAt ?? (refundedFen === cur.refunded_fen && status === cur.status ? cur.refunded_at : null),
            // A file with the order's refund alone replaces refunds held per line unless they add up to it.
            lines: lineRefunds ?? (held.lines.some((r) => r !== null) && held.lines.reduce<number>((a, r) => a + (r ?? 0), 0) !== refundedFen ? held.lines.map(() => null) : null),
          }
      const nextCompleted = completedAt ?? cur.completed_at
      const linesChanged = next.lines !== null && next.lines.some((r, i) => i < held.lines.length && held.lines[i] !== r)
      if (
        cur.status === next.status &&
        cur.refunded_fen === next.refundedFen &&
        cur.member_id === nextMember &&
        cur.attribution_code === nextCode &&
        cur.refunded_at === next.refundedAt &&
        cur.completed_at === nextCompleted &&
        !linesChanged
      ) {
        unchanged++
        continue
      }
      updateOrders.push([next.status, next.refundedFen, nextMember, nextCode, next.refundedAt, nextCompleted, job.now, cur.id])
      if (linesChanged) next.lines!.forEach((r, i) => updateLines.push([r, cur.id, i + 1]))
      if (cur.customer_id) touched.add(cur.customer_id)
      updated++
      continue
    }

    let customerId: string | null = null
    if (d.buyerPhone) {
      customerId = customerOfPhone.get(d.buyerPhone) ?? (findCustomer.get(d.buyerPhone) as string | undefined) ?? null
    } else if (d.buyerName) {
      customerId = newCustomerOfName.get(d.buyerName) ?? null
    }
    if (!customerId && (d.buyerPhone || d.buyerName)) {
      customerId = newId()
      newCustomers.push({ id: customerId, name: d.buyerName || d.buyerPhone!, phones: d.buyerPhone ? [d.buyerPhone] : [], owner: memberId })
      if (!d.buyerPhone) newCustomerOfName.set(d.buyerName!, customerId)
    }
    if (d.buyerPhone && customerId) customerOfPhone.set(d.buyerPhone, customerId)
    if (customerId) touched.add(customerId)
    if (!memberId) unattributed++
    const orderId = newId()
    insertOrders.push([orderId, d.orderNo, job.format, status, d.placedAt, customerId, memberId, code, d.buyerName ?? null, d.buyerPhone ?? null, totalFen, refundedFen, refundedAt, completedAt])
    d.lines.forEach((l, n) =>
      insertLines.push([newId(), orderId, n + 1, (l.sku && productBySku.get(l.sku)) || null, l.sku, l.name, l.quantity, l.unitPriceFen, l.amountFen, lineRefunds ? lineRefunds[n] : null]),
    )
    inserted++
  }

  return {
    inserted,
    updated,
    unchanged,
    rejectedRows: rejected,
    unattributedOrders: unattributed,
    olderOrders,
    // Members' sales figures are read from orders, so they change too.
    entities: ['orders', 'customers', 'members'],
    write: (importId) => {
      const customer = db.prepare(
        `INSERT INTO customers (id, name, phones, owner_member_id, rel_class, created_at, updated_at) VALUES (?, ?, ?, ?, 'C', ?, ?)`,
      )
      const phone = db.prepare('INSERT OR IGNORE INTO customer_phones (phone, customer_id) VALUES (?, ?)')
      for (const c of newCustomers) {
        customer.run(c.id, c.name, JSON.stringify(c.phones), c.owner, job.now, job.now)
        for (const p of c.phones) phone.run(p, c.id)
      }
      const order = db.prepare(
        `INSERT INTO orders (id, order_no, source, status, placed_at, customer_id, member_id, attribution_code, buyer_name, buyer_phone, total_fen, refunded_fen, refunded_at, completed_at,
           import_id, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      const line = db.prepare(
        `INSERT INTO order_lines (id, order_id, line_no, product_id, sku, name, quantity, unit_price_fen, amount_fen, refunded_fen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      const update = db.prepare('UPDATE orders SET status = ?, refunded_fen = ?, member_id = ?, attribution_code = ?, refunded_at = ?, completed_at = ?, updated_at = ? WHERE id = ?')
      const updateLine = db.prepare('UPDATE order_lines SET refunded_fen = ? WHERE order_id = ? AND line_no = ?')
      for (const r of insertOrders) order.run(...r, importId, job.now, job.now)
      for (const r of insertLines) line.run(r)
      for (const r of updateOrders) update.run(r)
      for (const r of updateLines) updateLine.run(r)
      // Order count, total spent and last purchase of the buyers, then the RFM cells (their thresholds move with the whole book).
      if (touched.size) {
        refreshCustomerStats(db, touched)
        recomputeRfm(db, new Date(job.now))
      }
    },
  }
}
