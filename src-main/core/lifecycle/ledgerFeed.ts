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
