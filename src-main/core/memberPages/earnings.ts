import type { MemberEarnings } from '../../../src-shared/pagesProtocol'
import type { CoreContext } from '../context'

/** Statements a page shows: the member's last twelve months. */
const STATEMENTS = 12

/**
 * Each member with a live link and their money as the ledger has it now: totals by status
 * and the last statements (membership fees are what the member paid, not what they earn).
 */
export function memberEarnings(ctx: CoreContext): { memberCode: string; earnings: MemberEarnings }[] {
  const db = ctx.db
  const asOf = ctx.clock.now().toISOString()
  const members = db
    .prepare(`SELECT m.invite_code FROM member_page_links l JOIN members m ON m.id = l.member_id WHERE l.revoked_at IS NULL ORDER BY m.invite_code`)
    .pluck()
    .all() as string[]
  const byPeriod = db.prepare(
    `SELECT period, COUNT(*) AS entries, COALESCE(SUM(amount_fen), 0) AS earned,
            COALESCE(SUM(CASE WHEN status = 'pending' THEN amount_fen END), 0) AS pending,
            COALESCE(SUM(CASE WHEN status = 'approved' THEN amount_fen END), 0) AS approved,
            COALESCE(SUM(CASE WHEN status = 'paid' THEN amount_fen END), 0) AS paid
       FROM ledger_entries WHERE member_code = ? AND kind <> 'membership_fee' AND status <> 'rejected' GROUP BY period ORDER BY period DESC`,
  )
  return members.map((code) => {
    const periods = byPeriod.all(code) as { period: string; entries: number; earned: number; pending: number; approved: number; paid: number }[]
    const sum = (k: 'earned' | 'pending' | 'approved' | 'paid') => periods.reduce((n, p) => n + p[k], 0)
    return {
      memberCode: code,
      earnings: {
        asOf,
        totals: { earnedFen: sum('earned'), pendingFen: sum('pending'), approvedFen: sum('approved'), paidFen: sum('paid') },
        statements: periods
          .filter((p) => /^\d{4}-\d{2}$/.test(p.period))
          .slice(0, STATEMENTS)
          .map((p) => ({ period: p.period, entries: p.entries, earnedFen: p.earned, pendingFen: p.pending, approvedFen: p.approved, paidFen: p.paid })),
        settlement: null,
      },
    }
  })
}
