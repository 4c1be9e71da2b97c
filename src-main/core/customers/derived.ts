import type { RfmSegment } from '../../../src-shared/vocabulary'
import type { Db } from '../db/connection'

/**
 * Per-customer figures derived from orders: order count, total spent (paid minus
 * refunded, cancelled orders excluded), last purchase. Kept on the customer row so
 * the list can filter and sort on them over a million customers.
 */
const REFRESH_SQL = `
UPDATE customers SET
  order_count = s.cnt,
  total_spent_fen = s.spent,
  last_purchase_at = s.last
FROM (
  SELECT c.id AS cid,
         COUNT(o.id) AS cnt,
         COALESCE(SUM(o.total_fen - o.refunded_fen), 0) AS spent,
         MAX(o.placed_at) AS last
  FROM customers c
  LEFT JOIN orders o ON o.customer_id = c.id AND o.status NOT IN ('cancelled', 'pending')
  WHERE %WHERE%
  GROUP BY c.id
) AS s
WHERE customers.id = s.cid
  AND (customers.order_count IS NOT s.cnt OR customers.total_spent_fen IS NOT s.spent OR customers.last_purchase_at IS NOT s.last)`

export function refreshCustomerStats(db: Db, customerIds: Iterable<string> | 'all'): void {
  if (customerIds === 'all') {
    db.prepare(REFRESH_SQL.replace('%WHERE%', '1')).run()
    return
  }
  const ids = [...new Set(customerIds)]
  const stmt = db.prepare(REFRESH_SQL.replace('%WHERE%', 'c.id IN (SELECT value FROM json_each(?))'))
  for (let i = 0; i < ids.length; i += 5000) stmt.run(JSON.stringify(ids.slice(i, i + 5000)))
}

/**
 * The eight-cell RFM model: recency high when the last purchase is within the
 * studio's median recency, frequency and money high when above the buyers' mean.
 * Recomputed for everyone (the thresholds move with the whole book).
 */
export function recomputeRfm(db: Db, now: Date): void {
  const buyers = db
    .prepare(
      `SELECT AVG(order_count) AS f, AVG(total_spent_fen) AS m, COUNT(*) AS n FROM customers WHERE order_count > 0`,
    )
    .get() as { f: number | null; m: number | null; n: number }
  if (!buyers.n) {
    db.prepare('UPDATE customers SET rfm_segment = NULL WHERE rfm_segment IS NOT NULL').run()
    return
  }
  const median = db
    .prepare(`SELECT last_purchase_at AS t FROM customers WHERE order_count > 0 ORDER BY last_purchase_at LIMIT 1 OFFSET ?`)
    .get(Math.floor(buyers.n / 2)) as { t: string }
  const medianAgeDays = (now.getTime() - Date.parse(median.t)) / 86_400_000
  // Never call someone "recent" past 30 days, however sleepy the whole book is.
  const recentDays = Math.min(Math.max(medianAgeDays, 7), 30)
  const recentSince = new Date(now.getTime() - recentDays * 86_400_000).toISOString()
  const segments: Record<string, RfmSegment> = {
    '111': 'important_value',
    '101': 'important_develop',
    '011': 'important_keep',
    '001': 'important_retain',
    '110': 'general_value',
    '100': 'general_develop',
    '010': 'general_keep',
    '000': 'general_retain',
  }
  const caseSql = Object.entries(segments)
    .map(([key, seg]) => `WHEN '${key}' THEN '${seg}'`)
    .join(' ')
  db.prepare(
    `UPDATE customers SET rfm_segment = seg FROM (
       SELECT id AS cid, CASE
         (CASE WHEN last_purchase_at >= @since THEN '1' ELSE '0' END) ||
         (CASE WHEN order_count > @f THEN '1' ELSE '0' END) ||
         (CASE WHEN total_spent_fen > @m THEN '1' ELSE '0' END)
         ${caseSql} END AS seg
       FROM customers WHERE order_count > 0
     ) AS r WHERE customers.id = r.cid AND customers.rfm_segment IS NOT r.seg`,
  ).run({ since: recentSince, f: buyers.f ?? 0, m: buyers.m ?? 0 })
  db.prepare('UPDATE customers SET rfm_segment = NULL WHERE order_count = 0 AND rfm_segment IS NOT NULL').run()
}

/**
 * What a customer spent per category (品类偏好), counted the way 消费总额 counts it: each
 * counted order's net (total minus refunded) shared over its lines — by what each line kept
 * when the source refunded per line, by line amount otherwise — so the categories add up
 * to the customer's total to the fen, and a refunded order adds nothing.
 */
export function categorySpend(db: Db, customerId: string, limit = 8): { category: string; amountFen: number; quantity: number }[] {
  const lines = db
    .prepare(
      `SELECT o.id AS orderId, o.total_fen AS totalFen, o.refunded_fen AS refundedFen, l.amount_fen AS amountFen, l.refunded_fen AS lineRefundedFen,
              l.quantity, COALESCE(NULLIF(p.category, ''), '未分类') AS category
       FROM orders o JOIN order_lines l ON l.order_id = o.id LEFT JOIN products p ON p.id = l.product_id
       WHERE o.customer_id = ? AND o.status NOT IN ('cancelled','pending')
       ORDER BY o.id, l.line_no`,
    )
    .all(customerId) as { orderId: string; totalFen: number; refundedFen: number; amountFen: number; lineRefundedFen: number | null; quantity: number; category: string }[]
  const byCategory = new Map<string, { amountFen: number; quantity: number }>()
  for (let i = 0; i < lines.length; ) {
    let end = i
    while (end < lines.length && lines[end].orderId === lines[i].orderId) end++
    const order = lines.slice(i, end)
    i = end
    const perLine = order.some((l) => l.lineRefundedFen !== null)
    const weights = order.map((l) => Math.max(0, l.amountFen - (perLine ? (l.lineRefundedFen ?? 0) : 0)))
    const shares = shareOut(Math.max(0, order[0].totalFen - order[0].refundedFen), weights)
    order.forEach((l, k) => {
      if (shares[k] <= 0) return
      const c = byCategory.get(l.category) ?? { amountFen: 0, quantity: 0 }
      c.amountFen += shares[k]
      c.quantity += l.quantity
      byCategory.set(l.category, c)
    })
  }
  return [...byCategory]
    .map(([category, c]) => ({ category, ...c }))
    .sort((a, b) => b.amountFen - a.amountFen || a.category.localeCompare(b.category))
    .slice(0, limit)
}

/** `total` fen shared in proportion to `weights`, the leftover fen to the largest remainders: the shares sum to `total` exactly. */
function shareOut(total: number, weights: number[]): number[] {
  const sum = weights.reduce((s, w) => s + w, 0)
  if (sum <= 0 || total <= 0) return weights.map(() => 0)
  const exact = weights.map((w) => (total * w) / sum)
  const shares = exact.map(Math.floor)
  let left = total - shares.reduce((s, v) => s + v, 0)
  const order = exact.map((e, k) => [e - Math.floor(e), k] as const).sort((a, b) => b[0] - a[0])
  for (const [, k] of order) {
    if (left <= 0) break
    shares[k]++
    left--
  }
  return shares
}
