import { z } from 'zod'
import type { PulledRecordChange } from '../../../src-shared/recordsProtocol'
import type { OrderStatus } from '../../../src-shared/vocabulary'
import { prepared, type Db } from '../db/connection'
import { ORDER_ALIASES, ORDER_LINES } from '../db/tables/orders'
import { insertRow, upsertRow } from '../db/tables/table'
import { newId } from '../ids'

/**
 * Orders as a shared record. An order's lines and their refunds change together with the
 * order — an import replaces them, nothing edits one line alone — so they travel as one
 * field of the order, `lines`, written to order_lines in the transaction that writes the
 * order. The order number is the order's natural key: two workstations that imported the
 * same export before they shared hold it under two ids, and the first copy of the other's
 * that arrives makes them one (see `pulledOrder`).
 */

/** One line as it travels (the field `lines` is these, in line order). */
export const OrderLineWire = z
  .object({
    lineNo: z.number().int().positive(),
    productId: z.string().min(1).max(64).nullable(),
    sku: z.string().max(64),
    name: z.string().max(200),
    quantity: z.number().int().positive(),
    unitPriceFen: z.number().int(),
    amountFen: z.number().int(),
    discountFen: z.number().int(),
    refundedFen: z.number().int().nonnegative().nullable(),
  })
  .strict()
export const OrderLinesWire = z.array(OrderLineWire).max(1000)
export type OrderLineWire = z.infer<typeof OrderLineWire>

/** The `lines` field of the order in the enclosing query's `orders` row, as JSON, in line order. */
export const ORDER_LINES_SQL = `(SELECT json_group_array(json_object(${Object.entries(ORDER_LINES.fields).map(([field, column]) => `'${field}', l.${column}`).join(', ')}))
   FROM (SELECT * FROM order_lines WHERE order_id = orders.id ORDER BY line_no) l)`

/** Replaces an order's lines with the team's (once per order of a snapshot: its statements are kept). */
export function writeOrderLines(db: Db, orderId: string, lines: OrderLineWire[]): void {
  prepared(db, 'DELETE FROM order_lines WHERE order_id = ?').run(orderId)
  for (const l of lines) {
    insertRow(db, ORDER_LINES, {
      id: newId(),
      order_id: orderId,
      line_no: l.lineNo,
      product_id: l.productId,
      sku: l.sku,
      name: l.name,
      quantity: l.quantity,
      unit_price_fen: l.unitPriceFen,
      amount_fen: l.amountFen,
      refunded_fen: l.refundedFen,
      discount_fen: l.discountFen,
    })
  }
}

/**
 * How far an order has gone (as the import judges an export: core/imports/orders.ts):
 * a shop never takes an order back down this path, so neither does a merge.
 */
const PROGRESS: Record<OrderStatus, number> = { pending: 0, paid: 1, partially_refunded: 2, refunded: 3, cancelled: 3 }
const MONEY_FIELDS = ['status', 'refundedFen', 'refundedAt', 'lines'] as const

/** Whether the state `a` is behind `b`: a lower status, or as far with less refunded. */
function behind(a: { status: OrderStatus; refundedFen: number }, b: { status: OrderStatus; refundedFen: number }): boolean {
  return PROGRESS[a.status] < PROGRESS[b.status] || (PROGRESS[a.status] === PROGRESS[b.status] && a.refundedFen < b.refundedFen)
}

/**
 * The team's change of an order as this workstation takes it:
 *  - a change of an id merged into another order here goes to that order;
 *  - the create of an order whose number this workstation holds under another id merges
 *    the two, under the smaller id — the same choice on every workstation, whichever
 *    copy it held first, so the team ends with one id and never two orders of one number.
 *    The order this workstation held is moved to that id with its lines, ledger entries
 *    and unsent changes. The order keeps the fields of the copy whose id it keeps, and the
 *    money of the copy that went further (an export is never taken back by a merge: the
 *    same rule whichever side merges, so both end equal);
 *  - a reference to a customer or member this workstation does not hold is left as held
 *    when merging (the same buyer imported twice has two ids until the customers merge).
 */
export function pulledOrder(db: Db, c: PulledRecordChange, at: string): PulledRecordChange {
  const alias = db.prepare('SELECT order_id FROM order_aliases WHERE id = ?').pluck().get(c.id) as string | undefined
  if (alias) c = { ...c, id: alias }
  if (c.op !== 'create' || !c.value || typeof c.value !== 'object') return c
  const value = c.value as Record<string, unknown>
  if (typeof value.orderNo !== 'string') return c
  const held = db.prepare('SELECT id, status, refunded_fen AS refundedFen FROM orders WHERE order_no = ?').get(value.orderNo) as
    | { id: string; status: OrderStatus; refundedFen: number }
    | undefined
  if (!held || held.id === c.id) return c
  const keep = held.id < c.id ? held.id : c.id
  const gone = keep === held.id ? c.id : held.id
  if (gone === held.id) moveOrder(db, held.id, keep)
  upsertRow(db, ORDER_ALIASES, ['id'], { id: gone, order_id: keep, order_no: value.orderNo, merged_at: at })
  db.prepare('UPDATE order_aliases SET order_id = ? WHERE order_id = ?').run(keep, gone)

  const merged: Record<string, unknown> = {}
  const pulledMoney = { status: value.status as OrderStatus, refundedFen: Number(value.refundedFen ?? 0) }
  const takeMoney = PROGRESS[pulledMoney.status] !== undefined && !behind(pulledMoney, held)
  const exists = (table: string, id: unknown) => typeof id === 'string' && db.prepare(`SELECT 1 FROM ${table} WHERE id = ?`).get(id) !== undefined
  for (const [field, v] of Object.entries(value)) {
    if ((MONEY_FIELDS as readonly string[]).includes(field)) {
      if (takeMoney) merged[field] = v
    } else if (keep === c.id) {
      if (field === 'customerId' && v !== null && !exists('customers', v)) continue
      if (field === 'memberId' && v !== null && !exists('members', v)) continue
      merged[field] = v
    }
  }
  return { ...c, id: keep, value: merged }
}

/** An order this workstation holds, moved to the id the team keeps for it, with everything that names it. */
function moveOrder(db: Db, from: string, to: string): void {
  // A copy under the kept id (its number freed for it first), what names the order moved to it, then the old row gone.
  const columns = (db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('orders') as string[]).filter((c) => c !== 'id')
  db.prepare('UPDATE orders SET order_no = order_no || char(0) || id WHERE id = ?').run(from)
  db.prepare(`INSERT INTO orders (id, ${columns.join(', ')}) SELECT ?, ${columns.map((c) => (c === 'order_no' ? "substr(order_no, 1, instr(order_no, char(0)) - 1)" : c)).join(', ')} FROM orders WHERE id = ?`).run(to, from)
  for (const table of ['order_lines', 'group_buy_orders', 'ledger_posted_orders', 'ledger_entries']) {
    db.prepare(`UPDATE ${table} SET order_id = ? WHERE order_id = ?`).run(to, from)
  }
  db.prepare('DELETE FROM orders WHERE id = ?').run(from)
  // Changes made here and not yet sent go out as changes of the one order.
  db.prepare(`UPDATE record_changes SET record_id = ? WHERE record = 'order' AND record_id = ?`).run(to, from)
}

/**
 * After an order arrived: the ledger entries other workstations posted for it (pulled
 * before the order, by its number) are linked to it, so posting here counts what they
 * hold; its buyer's figures are counted again by the caller.
 */
export function orderApplied(db: Db, id: string): string | null {
  const row = db.prepare('SELECT order_no, customer_id FROM orders WHERE id = ?').get(id) as { order_no: string; customer_id: string | null } | undefined
  if (!row) return null
  db.prepare(
    `UPDATE ledger_entries SET order_id = ?
      WHERE order_id IS NULL AND source_type IN ('order_line', 'refund', 'correction')
        AND substr(source_key, 1, length(?) + 1) = ? || '#' AND instr(substr(source_key, length(?) + 2), '#') = 0`,
  ).run(id, row.order_no, row.order_no, row.order_no)
  return row.customer_id
}

/**
 * orderApplied for every order at once (a new workstation's snapshot): the ledger entries
 * pulled before their orders, by number, are linked to them — each entry's number is its
 * source key up to the last '#', looked up by the orders' unique number.
 */
export function linkPulledEntries(db: Db): number {
  const entries = db
    .prepare(`SELECT id, source_key AS key FROM ledger_entries WHERE order_id IS NULL AND source_type IN ('order_line', 'refund', 'correction')`)
    .all() as { id: string; key: string }[]
  const order = db.prepare('SELECT id FROM orders WHERE order_no = ?').pluck()
  const link = db.prepare('UPDATE ledger_entries SET order_id = ? WHERE id = ?')
  let linked = 0
  for (const e of entries) {
    const cut = e.key.lastIndexOf('#')
    if (cut <= 0) continue
    const id = order.get(e.key.slice(0, cut)) as string | undefined
    if (id) linked += link.run(id, e.id).changes
  }
  return linked
}
