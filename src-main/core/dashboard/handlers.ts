import type { Customer, DashboardSummary } from '../../../src-shared/schemas'
import type { z } from 'zod'
import { dayIn } from '../clock'
import type { ServiceHandlers } from '../context'
import type { Db } from '../db/connection'
import { CUSTOMER_COLUMNS, toCustomer, type CustomerRow } from '../db/tables/customers'
import { GROUP_COLUMNS, toGroup, type GroupRow } from '../db/tables/groups'
import { dayStartUtc } from '../orders/handlers'
import { maskContacts } from '../permissions'

type Summary = z.output<typeof DashboardSummary>
const DAYS = 30

/** The studio-local day `delta` days from `day`. */
function shiftDay(day: string, delta: number): string {
  const [y, m, d] = day.split('-').map(Number)
  return new Date(Date.UTC(y, m - 1, d + delta)).toISOString().slice(0, 10)
}

/**
 * The home screen. Every part is an index walk, so it stays quick on a million
 * customers: counts over the smallest index, the partial index for unattributed
 * orders, one orders_placed range per day, and the newest customers read from the
 * end of customers_created.
 */
export function dashboardSummary(db: Db, now: Date, timezone: string): Summary {
  const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n
  const counts = {
    customers: count('SELECT COUNT(*) AS n FROM customers'),
    groups: count('SELECT COUNT(*) AS n FROM groups'),
    products: count('SELECT COUNT(*) AS n FROM products'),
    members: count('SELECT COUNT(*) AS n FROM members'),
    orders: count('SELECT COUNT(*) AS n FROM orders'),
    unattributedOrders: count('SELECT COUNT(*) AS n FROM orders WHERE member_id IS NULL'),
  }

  // One bounded range per studio-local day (each day's own UTC offset, so a zone with
  // daylight saving still gets whole days), zero-filled: the chart needs every day.
  const today = dayIn(timezone, now)
  const daySales = db.prepare(
    `SELECT COALESCE(SUM(total_fen - refunded_fen), 0) AS fen, COUNT(*) AS n FROM orders
     WHERE placed_at >= @from AND placed_at < @to AND status NOT IN ('cancelled', 'pending')`,
  )
  const sales30d: Summary['sales30d'] = []
  for (let i = DAYS - 1; i >= 0; i--) {
    const day = shiftDay(today, -i)
    const row = daySales.get({ from: dayStartUtc(day, timezone), to: dayStartUtc(shiftDay(day, 1), timezone) }) as { fen: number; n: number }
    sales30d.push({ day, amountFen: row.fen, orders: row.n })
  }
  const salesTotal30dFen = sales30d.reduce((sum, d) => sum + d.amountFen, 0)

  const newestCustomers: Customer[] = (
    db
      .prepare(
        `SELECT ${CUSTOMER_COLUMNS} FROM customers c INDEXED BY customers_created LEFT JOIN members m ON m.id = c.owner_member_id
         ORDER BY c.created_at DESC LIMIT 8`,
      )
      .all() as CustomerRow[]
  ).map(toCustomer)

  const topGroups = (
    db
      .prepare(`SELECT ${GROUP_COLUMNS} FROM groups g LEFT JOIN members m ON m.id = g.owner_member_id ORDER BY member_count DESC, g.name LIMIT 6`)
      .all() as GroupRow[]
  ).map(toGroup)

  return { counts, sales30d, salesTotal30dFen, newestCustomers, topGroups }
}

export const dashboardHandlers: ServiceHandlers<'dashboard'> = {
  summary: (_input, ctx) => {
    const summary = dashboardSummary(ctx.db, ctx.clock.now(), ctx.timezone())
    return { ...summary, newestCustomers: summary.newestCustomers.map((c) => maskContacts(ctx, c)) }
  },
}
