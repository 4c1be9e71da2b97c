import type { Order, OrderDetail } from '../../../../src-shared/schemas'
import { decodeFields, defineTable, int, nullableInt, nullableText, text, type RowOf } from './table'

export const ORDERS = defineTable(
  'orders',
  {
    id: text(),
    order_no: text(),
    source: text<Order['source']>(),
    status: text<Order['status']>(),
    placed_at: text(),
    customer_id: nullableText(),
    member_id: nullableText(),
    attribution_code: nullableText(),
    buyer_name: nullableText(),
    buyer_phone: nullableText(),
    total_fen: int(),
    refunded_fen: int(),
    import_id: nullableText(),
    created_at: text(),
    updated_at: text(),
    refunded_at: nullableText(),
    completed_at: nullableText(),
    currency: nullableText(),
    fx_rate: nullableText(),
    discount_fen: int(),
    shipping_fen: int(),
    tax_fen: int(),
    shop_order_id: nullableText(),
    buyer_email: nullableText(),
    buyer_address: nullableText(),
  },
  {
    orderNo: 'order_no',
    source: 'source',
    status: 'status',
    placedAt: 'placed_at',
    customerId: 'customer_id',
    memberId: 'member_id',
    attributionCode: 'attribution_code',
    buyerName: 'buyer_name',
    buyerPhone: 'buyer_phone',
    buyerEmail: 'buyer_email',
    buyerAddress: 'buyer_address',
    totalFen: 'total_fen',
    refundedFen: 'refunded_fen',
    refundedAt: 'refunded_at',
    completedAt: 'completed_at',
    currency: 'currency',
    fxRate: 'fx_rate',
    discountFen: 'discount_fen',
    shippingFen: 'shipping_fen',
    taxFen: 'tax_fen',
    shopOrderId: 'shop_order_id',
  },
)

/**
 * An order's lines. Their fields are the order's shared field `lines` as it travels
 * (core/records/orders.ts OrderLineWire), in line order.
 */
export const ORDER_LINES = defineTable(
  'order_lines',
  {
    id: text(),
    order_id: text(),
    line_no: int(),
    product_id: nullableText(),
    sku: text(),
    name: text(),
    quantity: int(),
    unit_price_fen: int(),
    amount_fen: int(),
    refunded_fen: nullableInt(),
    discount_fen: int(),
  },
  {
    lineNo: 'line_no',
    productId: 'product_id',
    sku: 'sku',
    name: 'name',
    quantity: 'quantity',
    unitPriceFen: 'unit_price_fen',
    amountFen: 'amount_fen',
    discountFen: 'discount_fen',
    refundedFen: 'refunded_fen',
  },
)

/**
 * An order id the team folded into another (two workstations imported the same order
 * number): changes the team still sends under the old id are taken as the kept order's.
 */
export const ORDER_ALIASES = defineTable('order_aliases', { id: text(), order_id: text(), order_no: text(), merged_at: text() }, { id: 'id', orderId: 'order_id', orderNo: 'order_no', mergedAt: 'merged_at' })

export type OrderTableRow = RowOf<typeof ORDERS>
export type OrderLineRow = RowOf<typeof ORDER_LINES>
/** An order as the lists read it: the row, the names of its customer and member, and how many lines it has. */
export type OrderRow = OrderTableRow & { customer_name: string | null; member_name: string | null; line_count: number }

/** The columns of an OrderRow over ORDER_FROM. */
export const ORDER_COLUMNS = `${Object.keys(ORDERS.columns).map((c) => `o.${c}`).join(', ')}, c.name AS customer_name, m.name AS member_name,
  (SELECT COUNT(*) FROM order_lines l WHERE l.order_id = o.id) AS line_count`
export const ORDER_FROM = 'orders o LEFT JOIN customers c ON c.id = o.customer_id LEFT JOIN members m ON m.id = o.member_id'

/** An order as lists show it: no buyer contact, no money beyond its total and refund. */
export function toOrder(row: OrderRow): Order {
  const f = decodeFields(ORDERS, row)
  return {
    id: row.id,
    orderNo: f.orderNo,
    source: f.source,
    status: f.status,
    placedAt: f.placedAt,
    customerId: f.customerId,
    customerName: row.customer_name,
    memberId: f.memberId,
    memberName: row.member_name,
    attributionCode: f.attributionCode,
    totalFen: f.totalFen,
    refundedFen: f.refundedFen,
    lineCount: row.line_count,
    createdAt: row.created_at,
  }
}

/** An order with its buyer and its money, as the order's own page shows it. */
export function toOrderDetail(row: OrderRow, lines: OrderDetail['lines']): OrderDetail {
  const f = decodeFields(ORDERS, row)
  return {
    ...toOrder(row),
    buyerName: f.buyerName,
    buyerPhone: f.buyerPhone,
    buyerEmail: f.buyerEmail,
    buyerAddress: f.buyerAddress,
    currency: f.currency,
    fxRate: f.fxRate,
    discountFen: f.discountFen,
    shippingFen: f.shippingFen,
    taxFen: f.taxFen,
    shopOrderId: f.shopOrderId,
    lines,
  }
}
