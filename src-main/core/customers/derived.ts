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
