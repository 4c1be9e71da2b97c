import type { Db } from '../db/connection'

/** The posted state of an order whose commission was posted with a version the team replaced by its own, followed by that version's id (never an order's own state). */
export const REPOST_STATE = 'rerate:'

/**
 * The team refused this workstation's version `version` of a scheme and its own took the
 * place of it: the orders whose commission was posted here with it are posted again, at
 * the team's rates (see postOrders in ledger/posting.ts). Run in the transaction that
 * replaces the version; returns how many orders.
 */
export function repostWithTeamVersion(db: Db, schemeId: string, version: number): number {
  return db
    .prepare(
      `UPDATE ledger_posted_orders SET state = ? WHERE order_id IN (
         SELECT order_id FROM ledger_entries
          WHERE scheme_id = ? AND scheme_version = ? AND origin = 'local' AND rate_bp IS NOT NULL AND order_id IS NOT NULL)`,
    )
    .run(`${REPOST_STATE}${schemeId}:${version}`, schemeId, version).changes
}
