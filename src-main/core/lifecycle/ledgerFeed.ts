import type { Db } from '../db/connection'

/**
 * What the commission ledger takes from the team's rules: money actions a manager
 * approved (penalties deduct from commission, bonuses add to it), and the approved
 * ones an appeal later overturned (the ledger reverses those).
 */
export interface ApprovedMoneyAction {
  id: string
  memberId: string
  kind: 'penalty' | 'bonus'
  amountFen: number /* > 0 */
  reason: string
  ruleName: string
  approvedAt: string /* ISO */
  approvedBy: string
}

/** Every approved money action, oldest first (the ledger posts each once: its entry id derives from the action id). */
export function approvedMoneyActions(db: Db): ApprovedMoneyAction[] {
  return db
    .prepare(
      `SELECT id, member_id AS memberId, kind, amount_fen AS amountFen, reason, rule_name AS ruleName,
              decided_at AS approvedAt, COALESCE(decided_by_name, decided_by, '') AS approvedBy
         FROM rule_actions
        WHERE status = 'approved' AND kind IN ('penalty','bonus') AND amount_fen > 0
        ORDER BY decided_at, proposed_at, id`,
    )
    .all() as ApprovedMoneyAction[]
}

/** Approved money actions an appeal overturned, oldest first: the ledger reverses each once. */
export function overturnedMoneyActions(db: Db): { id: string; overturnedAt: string }[] {
  return db
    .prepare(
      `SELECT id, overturned_at AS overturnedAt
         FROM rule_actions
        WHERE status = 'approved' AND kind IN ('penalty','bonus') AND amount_fen > 0 AND overturned_at IS NOT NULL
        ORDER BY overturned_at, id`,
    )
    .all() as { id: string; overturnedAt: string }[]
}

/**
 * What was posted for a proposal under the id it had before migration 0031 gave it the
 * team's, per member: the ledger reverses it once, and the proposal's money is posted under
 * its id as on every other workstation.
 */
export function moneyUnderOldIds(db: Db): { oldId: string; memberCode: string; amountFen: number; entryId: string; occurredAt: string }[] {
  return db
    .prepare(
      `SELECT k.old_id AS oldId, e.member_code AS memberCode, SUM(e.amount_fen) AS amountFen,
              MIN(CASE WHEN e.source_key = k.old_id THEN e.id END) AS entryId, MIN(CASE WHEN e.source_key = k.old_id THEN e.occurred_at END) AS occurredAt
         FROM rule_actions_rekeyed k
         JOIN ledger_entries e ON e.source_type = 'rule_action' AND e.source_key IN (k.old_id, k.old_id || '~overturned')
        GROUP BY k.old_id, e.member_code
       HAVING SUM(e.amount_fen) <> 0 AND entryId IS NOT NULL
        ORDER BY k.old_id, e.member_code`,
    )
    .all() as { oldId: string; memberCode: string; amountFen: number; entryId: string; occurredAt: string }[]
}
