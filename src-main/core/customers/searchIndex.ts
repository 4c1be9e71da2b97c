import type { Db } from '../db/connection'

/**
 * The customer search index catches up with new rows in batches after their write
 * commits: indexing costs several times the insert itself, and an import of
 * 100,000 customers must not wait for it. Rows above the watermark are not in the
 * index yet; searches read them directly (listCustomers) until it catches up.
 */
export interface SearchIndexLag {
  watermark: number
  maxRowid: number
  pending: number
}

export function searchIndexLag(db: Db): SearchIndexLag {
  const row = db
    .prepare('SELECT (SELECT watermark FROM search_index_state) AS watermark, COALESCE((SELECT MAX(rowid) FROM customers), 0) AS maxRowid')
    .get() as { watermark: number; maxRowid: number }
  const pending = row.maxRowid > row.watermark ? row.maxRowid - row.watermark : 0
  return { ...row, pending }
}

/** Indexes up to `maxRows` not-yet-indexed customers in one transaction; returns how many remain (by rowid span). */
export function catchUpSearchIndex(db: Db, maxRows = 2000): number {
  return db.transaction(() => {
    const { watermark, maxRowid } = searchIndexLag(db)
    if (maxRowid <= watermark) return 0
    const upTo = Math.min(maxRowid, watermark + maxRows)
    const range = { from: watermark, to: upTo }
    db.prepare(
      `INSERT INTO customer_search_tri(rowid, body)
       SELECT rowid, orchard_search_text(name, wechat_id, phones, notes) FROM customers WHERE rowid > @from AND rowid <= @to`,
    ).run(range)
    db.prepare(
      `INSERT INTO customer_search_uni(rowid, body)
       SELECT rowid, orchard_chars(orchard_search_text(name, wechat_id, phones, notes)) FROM customers WHERE rowid > @from AND rowid <= @to`,
    ).run(range)
    db.prepare('UPDATE search_index_state SET watermark = ?').run(upTo)
    return maxRowid - upTo
  })()
}

/** Runs the catch-up to the end (benchmarks and tests; the hosts do it in the background). */
export function completeSearchIndex(db: Db): void {
  while (catchUpSearchIndex(db, 20_000) > 0) {
    /* next batch */
  }
}
