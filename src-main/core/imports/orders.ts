import Big from 'big.js'
import type { OlderOrder } from '../../../src-shared/schemas'
import { formatFen, ORDER_STATUS_LABELS, ORDER_STATUSES, type OrderStatus } from '../../../src-shared/vocabulary'
import { refreshCustomerStats, recomputeRfm } from '../customers/derived'
import { normalizePhone } from '../customers/phone'
import { CUSTOMER_PHONES, CUSTOMERS } from '../db/tables/customers'
import { ORDER_LINES, ORDERS, type OrderLineRow, type OrderTableRow } from '../db/tables/orders'
import { insertRowIfNew, rowWriter } from '../db/tables/table'
import { newId } from '../ids'
import { allocateRefund } from '../../../src-shared/split'
import { presetOf } from './fields'
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
  部分退款成功: 'partially_refunded',
  已退款: 'refunded',
  退款成功: 'refunded',
  全额退款: 'refunded',
  已全额退款: 'refunded',
  已取消: 'cancelled',
  已关闭: 'cancelled',
  交易关闭: 'cancelled',
  // 有赞: a group buy not yet formed is not a sale yet; 快团团 and 微店: picked up, delivered, signed for.
  待成团: 'pending',
  拼团中: 'pending',
  待接单: 'paid',
  待自提: 'paid',
  已自提: 'paid',
  待核销: 'paid',
  已核销: 'paid',
  已送达: 'paid',
  已签收: 'paid',
  交易成功已评价: 'paid',
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

const phoneProblem = (s: string) => {
  const r = normalizePhone(s)
  return r.ok ? null : r.reason
}
const money = (s: string) => parseFen(s)
const currencyOf = (s: string) => {
  if (!/^[A-Za-z]{3}$/.test(s.trim())) throw new CellError('invalid_currency', '币种须为三个字母的代码，如 CNY、USD / a currency is a three-letter code such as CNY or USD')
  return s.trim().toUpperCase()
}
const looksLikeEmail = (s: string) => (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s) ? null : '不是有效的电子邮箱 / not an e-mail address')

/**
 * An amount in hundredths of the order's currency as fen of the studio's: × the rate, to
 * the nearest fen, a half fen to the even one (banker's rounding — over many orders it
 * neither gains nor loses). Without a rate the order is in the studio's currency already.
 */
export function toStudioFen(hundredths: number, rate: string | null): number {
  if (rate === null) return hundredths
  return new Big(hundredths).times(rate).round(0, Big.roundHalfEven).toNumber()
}
const quantityOf = (s: string) => parseInteger(s, { min: 1, max: 1_000_000 })
const identity = (s: string) => s

/** A line as the file gives it, in hundredths of the order's currency (converted once the order is complete). */
interface Line {
  sku: string
  name: string
  quantity: number
  unitPriceFen: number
  /** Price × quantity (or the file's amount), before discounts. */
  amountFen: number
  /** The line's own discount, or (with a paid amount) all that came off it. */
  discountFen: number
  /** What the buyer paid for the line when the file says so; the order's discounts are in it already. */
  paidFen?: number
  /** What the source says was refunded on this line, when it says so per line. */
  refundedFen?: number
}

/** One order as its rows in the file describe it. */
interface Draft {
  orderNo: string
  firstRow: number
  rowCount: number
  /** The row numbers of its lines in the file. */
  rows: number[]
  failed: boolean
  placedAt?: string
  status?: OrderStatus
  cancelled: boolean
  buyerName?: string
  /** The number as given when it is no phone plan's (kept, with a warning); +E.164 when it is. */
  buyerPhone?: string
  phoneValid?: boolean
  refundedFen?: number
  refundedAt?: string
  completedAt?: string
  code?: string
  memberCode?: string
  buyerEmail?: string
  buyerAddress?: string
  currency?: string
  orderDiscountFen?: number
  shippingFen?: number
  taxFen?: number
  outstandingFen?: number
  shopOrderId?: string
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
 * The member an order's attribution column names. Orchard's own exports write the invite
 * code; a shop's distributor columns (有赞 分销员, 微店 推广员, 快团团 帮卖团长) write the
 * person — their name or phone as the shop knows them. A code is matched first, then a
 * phone, then a name only one member has: two members of one name attribute to nobody
 * (the order waits for a person to assign it, its column kept as the code).
 */
function attributedMember(job: ImportJob, codes: Map<string, string>): (text: string) => string | undefined {
  const byName = new Map<string, string | null>()
  const byPhone = new Map<string, string>()
  for (const m of job.db.prepare('SELECT id, name, phone FROM members').iterate() as Iterable<{ id: string; name: string; phone: string | null }>) {
    const name = m.name.trim()
    byName.set(name, byName.has(name) ? null : m.id)
    if (m.phone) {
      const r = normalizePhone(m.phone)
      if (r.ok) byPhone.set(r.e164, m.id)
    }
  }
  return (text) => {
    const t = text.trim()
    const code = codes.get(t.toUpperCase())
    if (code) return code
    const phone = /\d{7,}/.test(t) ? normalizePhone(t) : null
    if (phone?.ok && byPhone.has(phone.e164)) return byPhone.get(phone.e164)
    return byName.get(t) ?? undefined
  }
}

/**
 * Orders, one row per line. The order's own columns may be repeated on every line
 * or (as Shopify writes them) only on its first line. An order is matched by its
 * number: a known order only takes a new status, refund or attribution. Buyers are
 * matched by phone or become new customers (class C, owned by the attributed member).
 * An order whose invite code no member has is still imported, unattributed, with
 * the code kept for manual assignment.
 */
/** An order is written whole or not at all: its lines without an error of their own go into the error file with it. */
function refusedWhole(job: ImportJob, d: Draft): void {
  const others = d.rows.length > 1 ? d.rows.join('、') : ''
  for (const row of d.rows) {
    job.companions.set(
      row,
      `同一订单（${d.orderNo}）的其他行有错误，整笔订单未导入（第 ${others} 行）/ another line of order ${d.orderNo} has an error: the whole order was refused (rows ${d.rows.join(', ')})`,
    )
  }
}

export async function planOrders(job: ImportJob): Promise<ImportPlan> {
  const { db, table } = job
  const shopify = job.format === 'shopify'
  const codes = memberCodes(db)
  const attributed = attributedMember(job, codes)
  const productBySku = new Map<string, string>()
  for (const r of db.prepare('SELECT sku, id FROM products').raw().iterate() as Iterable<[string, string]>) productBySku.set(r[0], r[1])
  // Shopify columns the mapping does not cover.
  const fallbackPhones = shopify ? ['Phone', 'Shipping Phone'].filter((h) => table.headers.includes(h) && h !== job.mapping.buyerPhone) : []
  const hasCancelledAt = shopify && table.headers.includes('Cancelled at')
  const preset = presetOf(job.format)
  const studioCurrency = job.money.currency

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
        d = { orderNo, firstRow: job.rowNumber(i), rowCount: 0, rows: [], failed: false, cancelled: false, lines: [] }
        drafts.set(orderNo, d)
        current = d
        currentNo = orderNo
      }
      d.rowCount++
      d.rows.push(job.rowNumber(i))
      const first = d.rowCount === 1
      if (d.placedAt === undefined) d.placedAt = job.read(row, i, 'placedAt', (s) => job.dates.parse(s), first)
      if (d.status === undefined) d.status = job.read(row, i, 'status', readStatus)
      // A buyer's contact details never reject an order: what looks wrong is kept as given, with a warning.
      if (d.buyerName === undefined) d.buyerName = job.contact(row, i, 'buyerName', 60)
      if (d.buyerPhone === undefined) {
        d.buyerPhone = job.contact(row, i, 'buyerPhone', 40, phoneProblem)
        if (d.buyerPhone !== undefined) {
          const r = normalizePhone(d.buyerPhone)
          if (r.ok) [d.buyerPhone, d.phoneValid] = [r.e164, true]
        }
        for (const h of fallbackPhones) {
          if (d.phoneValid) break
          const value = job.column(row, h)
          if (value) {
            const r = normalizePhone(value)
            if (r.ok) [d.buyerPhone, d.phoneValid] = [r.e164, true]
          }
        }
      }
      if (d.buyerEmail === undefined) d.buyerEmail = job.contact(row, i, 'buyerEmail', 120, looksLikeEmail)
      if (d.buyerAddress === undefined) d.buyerAddress = job.contact(row, i, 'buyerAddress', 300)
      if (d.currency === undefined) d.currency = job.read(row, i, 'currency', currencyOf)
      if (d.orderDiscountFen === undefined) d.orderDiscountFen = job.read(row, i, 'orderDiscount', money)
      if (d.shippingFen === undefined) d.shippingFen = job.read(row, i, 'shipping', money)
      if (d.taxFen === undefined) d.taxFen = job.read(row, i, 'taxes', money)
      if (d.outstandingFen === undefined) d.outstandingFen = job.read(row, i, 'outstanding', money)
      if (d.shopOrderId === undefined) d.shopOrderId = job.text(row, i, 'shopOrderId', 64)
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
      const lineDiscount = job.read(row, i, 'lineDiscount', money)
      const paid = job.read(row, i, 'paidAmount', money)
      let unitPriceFen = unit
      const whole = amount ?? paid
      const wholeField = amount !== undefined ? 'amount' : 'paidAmount'
      if (quantity !== undefined && unit === undefined && job.errorCount === errorsBefore) {
        if (whole === undefined) {
          job.reject(i, job.mapped('unitPrice') ? 'unitPrice' : 'amount', '', 'required', '单价和金额都为空 / neither unit price nor amount is given')
        } else if (whole % quantity !== 0) {
          job.reject(i, wholeField, job.cell(row, wholeField), 'invalid_money', '金额不能按数量整除，请填写单价 / the amount does not divide by the quantity; give the unit price')
        } else unitPriceFen = whole / quantity
      }
      if (job.errorCount > errorsBefore) {
        d.failed = true
        continue
      }
      const amountFen = amount ?? quantity! * unitPriceFen!
      if (paid !== undefined && paid > amountFen) {
        job.reject(i, 'paidAmount', job.cell(row, 'paidAmount'), 'paid_above_amount', `实付金额超过单价 × 数量 ¥${formatFen(amountFen)} / paid more than price × quantity`)
      } else if (paid === undefined && lineDiscount !== undefined && lineDiscount > amountFen) {
        job.reject(i, 'lineDiscount', job.cell(row, 'lineDiscount'), 'discount_above_amount', `商品优惠超过单价 × 数量 ¥${formatFen(amountFen)} / the line’s discount is more than the line`)
      }
      const paidFen = paid ?? amountFen - (lineDiscount ?? 0)
      if (job.errorCount === errorsBefore && lineRefunded !== undefined && lineRefunded > paidFen) {
        job.reject(i, 'lineRefunded', job.cell(row, 'lineRefunded'), 'refund_above_amount', `商品退款金额超过这一行实付的 ¥${formatFen(paidFen)} / the line’s refund is more than was paid for it`)
      }
      if (job.errorCount > errorsBefore) {
        d.failed = true
        continue
      }
      d.lines.push({
        sku,
        name: name!,
        quantity: quantity!,
        unitPriceFen: unitPriceFen!,
        amountFen,
        discountFen: amountFen - paidFen,
        ...(paid !== undefined ? { paidFen: paid } : {}),
        ...(lineRefunded !== undefined ? { refundedFen: lineRefunded } : {}),
      })
    }
  }

  const findOrder = db.prepare('SELECT id, status, refunded_fen, member_id, attribution_code, customer_id, total_fen, refunded_at, completed_at FROM orders WHERE order_no = ?')
  const heldLines = db.prepare('SELECT refunded_fen FROM order_lines WHERE order_id = ? ORDER BY line_no').pluck()
  const findCustomer = db.prepare('SELECT customer_id FROM customer_phones WHERE phone = ?').pluck()
  const customerOfPhone = new Map<string, string>()
  const newCustomerOfName = new Map<string, string>()
  const newCustomers: { id: string; name: string; phones: string[]; owner: string | null }[] = []
  /** New orders as written, but for the import run and the times the write gives them. */
  const insertOrders: Omit<OrderTableRow, 'import_id' | 'created_at' | 'updated_at'>[] = []
  const insertLines: OrderLineRow[] = []
  const updateOrders: unknown[][] = []
  const updateLines: unknown[][] = []
  const orderUpdates: [string, string][] = []
  const olderOrders: OlderOrder[] = []
  const touched = new Set<string>()
  let inserted = 0
  let updated = 0
  let unchanged = 0
  let unattributed = 0

  for (const d of drafts.values()) {
    if (d.failed) {
      rejected += d.rowCount
      refusedWhole(job, d)
      continue
    }
    // An order in another currency is never read as the studio's: it takes the rate this import was given, or is refused.
    const currency = d.currency ?? studioCurrency
    const rate = currency === studioCurrency ? null : (job.money.rates[currency] ?? null)
    if (currency !== studioCurrency && rate === null) {
      job.rejectAt(
        d.firstRow,
        'currency',
        currency,
        'currency_without_rate',
        `订单币种为 ${currency}，不是工作室的币种 ${studioCurrency}；请为这次导入填写汇率（导入向导的“汇率”，或 --rate ${currency}=7.10）/ ` +
          `the order is in ${currency}, not the studio’s ${studioCurrency}: give this import a rate (the wizard’s Rate field, or --rate ${currency}=7.10)`,
      )
      rejected += d.rowCount
      refusedWhole(job, d)
      continue
    }
    // What the buyer paid for each line — commission's base: price × quantity, less the
    // line's own discount, less its share of the order's discounts, split in whole fen by
    // the same exact rule as refunds. A file that gives the paid amount per line has the
    // order's discounts in it already. Shipping and taxes are kept apart, never in a line.
    const paidByFile = d.lines.some((l) => l.paidFen !== undefined)
    const nets = d.lines.map((l) => l.paidFen ?? l.amountFen - l.discountFen)
    const ownDiscounts = d.lines.reduce((sum, l) => sum + l.discountFen, 0)
    const orderDiscount = paidByFile ? 0 : Math.max((d.orderDiscountFen ?? 0) - (preset?.orderDiscountIncludesLines ? ownDiscounts : 0), 0)
    const netTotal = nets.reduce((a, b) => a + b, 0)
    if (orderDiscount > netTotal) {
      job.rejectAt(d.firstRow, 'orderDiscount', formatFen(d.orderDiscountFen ?? 0), 'discount_above_amount', `订单优惠超过商品金额 ¥${formatFen(netTotal)} / the order’s discount is more than its goods`)
      rejected += d.rowCount
      refusedWhole(job, d)
      continue
    }
    const shares = allocateRefund(nets, orderDiscount)
    const lines = d.lines.map((l, n) => {
      const amountFen = toStudioFen(nets[n] - shares[n], rate)
      return {
        sku: l.sku,
        name: l.name,
        quantity: l.quantity,
        unitPriceFen: toStudioFen(l.unitPriceFen, rate),
        amountFen,
        discountFen: Math.max(toStudioFen(l.amountFen, rate) - amountFen, 0),
        refundedFen: l.refundedFen === undefined ? undefined : Math.min(toStudioFen(l.refundedFen, rate), amountFen),
      }
    })
    const totalFen = lines.reduce((sum, l) => sum + l.amountFen, 0)
    const perLine = lines.some((l) => l.refundedFen !== undefined)
    const lineRefunds = perLine ? lines.map((l) => l.refundedFen ?? 0) : null
    let status: OrderStatus = d.cancelled ? 'cancelled' : (d.status ?? 'paid')
    // A balance still owed is not a paid order, whatever else the export says: commission waits.
    if (status === 'paid' && (d.outstandingFen ?? 0) > 0) status = 'pending'
    // Refunds given per line add up to the order's refund unless the order's own figure says more (shipping, say).
    let refundedFen = Math.min(Math.max(toStudioFen(d.refundedFen ?? 0, rate), lineRefunds ? lineRefunds.reduce((a, b) => a + b, 0) : 0), totalFen)
    if (status === 'refunded' && refundedFen === 0) refundedFen = totalFen
    if (status === 'paid' && refundedFen > 0) status = refundedFen >= totalFen ? 'refunded' : 'partially_refunded'
    // A shop's distributor column is the order's evidence of who sold it, kept like a code when no member matches it.
    const code = d.code?.trim() || (preset && !shopify ? d.memberCode?.trim() : undefined) || null
    // The member an order was already attributed to (our own exports carry it) comes before the code the buyer used.
    const memberId = (d.memberCode && attributed(d.memberCode)) || (code && codes.get(code.toUpperCase())) || null
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
      // The fields the team's other workstations are sent (recordImport): only those that moved.
      for (const [field, changed] of [
        ['status', cur.status !== next.status],
        ['refundedFen', cur.refunded_fen !== next.refundedFen],
        ['memberId', cur.member_id !== nextMember],
        ['attributionCode', cur.attribution_code !== nextCode],
        ['refundedAt', cur.refunded_at !== next.refundedAt],
        ['completedAt', cur.completed_at !== nextCompleted],
        ['lines', linesChanged],
      ] as const) {
        if (changed) orderUpdates.push([cur.id, field])
      }
      if (linesChanged) next.lines!.forEach((r, i) => updateLines.push([r, cur.id, i + 1]))
      if (cur.customer_id) touched.add(cur.customer_id)
      updated++
      continue
    }

    // Buyers are matched by a phone that is one; a number kept only as given matches nobody.
    const phone = d.phoneValid ? d.buyerPhone : undefined
    let customerId: string | null = null
    if (phone) {
      customerId = customerOfPhone.get(phone) ?? (findCustomer.get(phone) as string | undefined) ?? null
    } else if (d.buyerName) {
      customerId = newCustomerOfName.get(d.buyerName) ?? null
    }
    if (!customerId && (phone || d.buyerName)) {
      customerId = newId()
      newCustomers.push({ id: customerId, name: d.buyerName || phone!, phones: phone ? [phone] : [], owner: memberId })
      if (!phone) newCustomerOfName.set(d.buyerName!, customerId)
    }
    if (phone && customerId) customerOfPhone.set(phone, customerId)
    if (customerId) touched.add(customerId)
    if (!memberId) unattributed++
    const orderId = newId()
    insertOrders.push({
      id: orderId,
      order_no: d.orderNo,
      source: job.format,
      status,
      placed_at: d.placedAt!,
      customer_id: customerId,
      member_id: memberId,
      attribution_code: code,
      buyer_name: d.buyerName ?? null,
      buyer_phone: d.buyerPhone ?? null,
      total_fen: totalFen,
      refunded_fen: refundedFen,
      refunded_at: refundedAt,
      completed_at: completedAt,
      currency: rate === null ? null : currency,
      fx_rate: rate,
      discount_fen: toStudioFen(orderDiscount, rate),
      shipping_fen: toStudioFen(d.shippingFen ?? 0, rate),
      tax_fen: toStudioFen(d.taxFen ?? 0, rate),
      shop_order_id: d.shopOrderId ?? null,
      buyer_email: d.buyerEmail ?? null,
      buyer_address: d.buyerAddress ?? null,
    })
    lines.forEach((l, n) =>
      insertLines.push({
        id: newId(),
        order_id: orderId,
        line_no: n + 1,
        product_id: (l.sku && productBySku.get(l.sku)) || null,
        sku: l.sku,
        name: l.name,
        quantity: l.quantity,
        unit_price_fen: l.unitPriceFen,
        amount_fen: l.amountFen,
        discount_fen: l.discountFen,
        refunded_fen: lineRefunds ? lineRefunds[n] : null,
      }),
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
    orderUpdates,
    // Members' sales figures are read from orders, so they change too.
    entities: ['orders', 'customers', 'members'],
    write: (importId) => {
      // A buyer new to the studio comes in as a C with the phone; the table's defaults give the rest.
      const customer = rowWriter(db, CUSTOMERS, ['id', 'name', 'phones', 'owner_member_id', 'rel_class', 'created_at', 'updated_at'])
      for (const c of newCustomers) {
        customer({ id: c.id, name: c.name, phones: JSON.stringify(c.phones), owner_member_id: c.owner, rel_class: 'C', created_at: job.now, updated_at: job.now })
        for (const phone of c.phones) insertRowIfNew(db, CUSTOMER_PHONES, { phone, customer_id: c.id })
      }
      const order = rowWriter(db, ORDERS)
      const line = rowWriter(db, ORDER_LINES)
      const update = db.prepare('UPDATE orders SET status = ?, refunded_fen = ?, member_id = ?, attribution_code = ?, refunded_at = ?, completed_at = ?, updated_at = ? WHERE id = ?')
      const updateLine = db.prepare('UPDATE order_lines SET refunded_fen = ? WHERE order_id = ? AND line_no = ?')
      for (const r of insertOrders) order({ ...r, import_id: importId, created_at: job.now, updated_at: job.now })
      for (const r of insertLines) line(r)
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
