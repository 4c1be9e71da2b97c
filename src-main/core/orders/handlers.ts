import type { z } from 'zod'
import { OrchardError } from '../../../src-shared/errors'
import type { Order, OrderDetail, OrderListQuery } from '../../../src-shared/schemas'
import { zoneOffset } from '../clock'
import type { ServiceHandlers } from '../context'
import type { Db } from '../db/connection'
import { ORDER_COLUMNS, ORDER_FROM, toOrder, toOrderDetail, type OrderRow } from '../db/tables/orders'
import { contactsVisible, maskBuyerPhone, maskPhoneName } from '../permissions'
import { changeWriter, recordChange, type ChangeWriter } from '../records/changes'

type ListQuery = z.output<typeof OrderListQuery>

/** The UTC instant a studio-local day starts, as the ISO string placed_at is compared with. */
export function dayStartUtc(day: string, timezone: string): string {
  // The offset at local noon is the day's offset for every zone without a midnight switch.
  const offset = zoneOffset(timezone, new Date(`${day}T12:00:00Z`))
  return new Date(`${day}T00:00:00${offset}`).toISOString()
}

export function nextDay(day: string): string {
  const [y, m, d] = day.split('-').map(Number)
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10)
}

const SORT_COLUMNS: Record<ListQuery['sort']['field'], string> = {
  placedAt: 'o.placed_at',
  totalFen: 'o.total_fen',
  orderNo: 'o.order_no',
}

const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

export function listOrders(db: Db, q: ListQuery, timezone: string, options: { matchPhoneNames?: boolean } = {}): { rows: Order[]; total: number } {
  const where: string[] = []
  const params: Record<string, unknown> = {}
  const term = q.search?.trim()
  if (term) {
    params.like = likePattern(term)
    // Customer names are matched in a subquery so the count needs no join. A role that sees
    // phones masked does not find a buyer by a name that is a phone number: it would confirm whose it is.
    const names = options.matchPhoneNames === false ? ` AND NOT name GLOB '*[0-9][0-9][0-9][0-9][0-9][0-9][0-9]*'` : ''
    where.push(`(o.order_no LIKE @like ESCAPE '\\' OR (o.buyer_name LIKE @like ESCAPE '\\'${names.replace('name', 'o.buyer_name')})
      OR o.customer_id IN (SELECT id FROM customers WHERE name LIKE @like ESCAPE '\\'${names}))`)
  }
  if (q.status?.length) {
    where.push(`o.status IN (${q.status.map((s, i) => ((params[`status${i}`] = s), `@status${i}`)).join(', ')})`)
  }
  if (q.memberId) {
    where.push('o.member_id = @memberId')
    params.memberId = q.memberId
  }
  if (q.customerId) {
    where.push('o.customer_id = @customerId')
    params.customerId = q.customerId
  }
  if (q.unattributed) where.push('o.member_id IS NULL')
  if (q.from) {
    where.push('o.placed_at >= @from')
    params.from = dayStartUtc(q.from, timezone)
  }
  if (q.to) {
    where.push('o.placed_at < @to')
    params.to = dayStartUtc(nextDay(q.to), timezone)
  }
  const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : ''
  const dir = q.sort.dir === 'asc' ? 'ASC' : 'DESC'
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM orders o ${whereSql}`).get(params) as { n: number }).n
  const rows = db
    .prepare(`SELECT ${ORDER_COLUMNS} FROM ${ORDER_FROM} ${whereSql} ORDER BY ${SORT_COLUMNS[q.sort.field]} ${dir}, o.id ${dir} LIMIT @limit OFFSET @offset`)
    .all({ ...params, limit: q.limit, offset: q.offset }) as OrderRow[]
  return { rows: rows.map(toOrder), total }
}

/** An order's lines as one JSON array, for lists that show each order with its lines. */
const LINES_JSON = `(SELECT json_group_array(json_object('id', l.id, 'lineNo', l.line_no, 'productId', l.product_id, 'sku', l.sku,
    'name', l.name, 'category', p.category, 'quantity', l.quantity, 'unitPriceFen', l.unit_price_fen, 'amountFen', l.amount_fen))
  FROM order_lines l LEFT JOIN products p ON p.id = l.product_id WHERE l.order_id = o.id ORDER BY l.line_no) AS lines_json`

/** A customer's latest orders, newest first, each with its lines (the customer's page). */
export function ordersOfCustomer(db: Db, customerId: string, limit = 200): OrderDetail[] {
  const rows = db
    .prepare(`SELECT ${ORDER_COLUMNS}, ${LINES_JSON} FROM ${ORDER_FROM} WHERE o.customer_id = ? ORDER BY o.placed_at DESC LIMIT ?`)
    .all(customerId, limit) as (OrderRow & { lines_json: string })[]
  return rows.map((r) => ({ ...toOrder(r), buyerName: r.buyer_name, buyerPhone: r.buyer_phone, lines: JSON.parse(r.lines_json) as OrderDetail['lines'] }))
}

export function getOrder(db: Db, id: string): OrderDetail {
  const row = db.prepare(`SELECT ${ORDER_COLUMNS} FROM ${ORDER_FROM} WHERE o.id = ?`).get(id) as OrderRow | undefined
  if (!row) throw new OrchardError('not_found', `订单不存在 / order not found: ${id}`, { field: 'id', value: id })
  const lines = db
    .prepare(
      `SELECT l.id, l.line_no AS lineNo, l.product_id AS productId, l.sku, l.name, p.category, l.quantity,
              l.unit_price_fen AS unitPriceFen, l.amount_fen AS amountFen, l.discount_fen AS discountFen, l.refunded_fen AS refundedFen
       FROM order_lines l LEFT JOIN products p ON p.id = l.product_id WHERE l.order_id = ? ORDER BY l.line_no`,
    )
    .all(id) as OrderDetail['lines']
  return toOrderDetail(row, lines)
}

/**
 * Attributes orders to a member by hand: the orders that came in without a code, or
 * with one no member has. The code the order carried stays as evidence.
 */
export function assignOrders(w: ChangeWriter, orderIds: string[], memberId: string): { updated: number } {
  const db = w.db
  return db.transaction(() => {
    if (!db.prepare('SELECT 1 FROM members WHERE id = ?').get(memberId)) {
      throw new OrchardError('unknown_member', `会员不存在 / member not found: ${memberId}`, { field: 'memberId', value: memberId })
    }
    const moving = db
      .prepare(`SELECT id, order_no, member_id FROM orders WHERE id IN (SELECT value FROM json_each(?)) AND member_id IS NOT ? ORDER BY rowid`)
      .all(JSON.stringify(orderIds), memberId) as { id: string; order_no: string; member_id: string | null }[]
    const update = db.prepare('UPDATE orders SET member_id = ?, updated_at = ? WHERE id = ?')
    // Who an order is attributed to is what its commission follows: each one a change of the shared order, audited.
    for (const o of moving) {
      update.run(memberId, w.at.toISOString(), o.id)
      recordChange(w, { record: 'order', id: o.id, label: o.order_no, op: 'update', before: { memberId: o.member_id }, after: { memberId } })
    }
    return { updated: moving.length }
  })()
}

export const ordersHandlers: ServiceHandlers<'orders'> = {
  list: (q, ctx) => {
    const page = listOrders(ctx.db, q, ctx.timezone(), { matchPhoneNames: contactsVisible(ctx) })
    return { ...page, rows: page.rows.map((o) => ({ ...o, customerName: maskPhoneName(ctx, o.customerName) })) }
  },
  get: ({ id }, ctx) => maskBuyerPhone(ctx, getOrder(ctx.db, id)),
  assign: ({ orderIds, memberId }, ctx) => {
    const result = assignOrders(changeWriter(ctx), orderIds, memberId)
    ctx.emit('data.changed', { entities: ['orders', 'members'] })
    return result
  },
}
