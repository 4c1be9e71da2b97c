import type { MemberEarnings } from '../../../src-shared/pagesProtocol'
import type { CoreContext } from '../context'
import { balances, readSettlementSettings } from '../ledger/settlement'

/** Statements a page shows: the member's last twelve months. */
const STATEMENTS = 12

const ACCOUNT_KIND = { bank: '银行卡', wechat: '微信', alipay: '支付宝' } as const

/**
 * Each member with a live link and their money as the ledger has it now: the settlement
 * figures (frozen in the after-sales window, withdrawable, requested, paid), the last
 * statements by month (withdrawals and membership fees are other money, not earnings), and
 * what a request from the page needs — the studio's minimum and the account it is paid to,
 * masked.
 */
export function memberEarnings(ctx: CoreContext): { memberCode: string; earnings: MemberEarnings }[] {
  const db = ctx.db
  const asOf = ctx.clock.now().toISOString()
  const members = db
    .prepare(`SELECT m.id, m.invite_code FROM member_page_links l JOIN members m ON m.id = l.member_id WHERE l.revoked_at IS NULL ORDER BY m.invite_code`)
    .all() as { id: string; invite_code: string }[]
  if (!members.length) return []
  const settlement = new Map(balances(ctx).map((b) => [b.memberCode.toUpperCase(), b]))
  const { minWithdrawalFen } = readSettlementSettings(db)
  const account = db.prepare('SELECT kind, last4 FROM payout_accounts WHERE member_id = ? ORDER BY created_at LIMIT 1')
  const byPeriod = db.prepare(
    `SELECT period, COUNT(*) AS entries, COALESCE(SUM(amount_fen), 0) AS earned,
            COALESCE(SUM(CASE WHEN status = 'pending' THEN amount_fen END), 0) AS pending,
            COALESCE(SUM(CASE WHEN status = 'approved' THEN amount_fen END), 0) AS approved,
            COALESCE(SUM(CASE WHEN status = 'paid' THEN amount_fen END), 0) AS paid
       FROM ledger_entries WHERE member_code = ? AND kind NOT IN ('membership_fee', 'withdrawal') AND status <> 'rejected' GROUP BY period ORDER BY period DESC`,
  )
  return members.map((m) => {
    const periods = byPeriod.all(m.invite_code) as { period: string; entries: number; earned: number; pending: number; approved: number; paid: number }[]
    const sum = (k: 'earned' | 'pending' | 'approved' | 'paid') => periods.reduce((n, p) => n + p[k], 0)
    const b = settlement.get(m.invite_code.toUpperCase())
    const a = account.get(m.id) as { kind: keyof typeof ACCOUNT_KIND; last4: string } | undefined
    return {
      memberCode: m.invite_code,
      earnings: {
        asOf,
        totals: { earnedFen: sum('earned'), pendingFen: sum('pending'), approvedFen: sum('approved'), paidFen: sum('paid') },
        statements: periods
          .filter((p) => /^\d{4}-\d{2}$/.test(p.period))
          .slice(0, STATEMENTS)
          .map((p) => ({ period: p.period, entries: p.entries, earnedFen: p.earned, pendingFen: p.pending, approvedFen: p.approved, paidFen: p.paid })),
        settlement: {
          frozenFen: b?.frozenFen ?? 0,
          withdrawableFen: b?.withdrawableFen ?? 0,
          requestedFen: b?.requestedFen ?? 0,
          paidFen: b?.paidFen ?? 0,
          minWithdrawalFen,
          account: a ? `${ACCOUNT_KIND[a.kind]} 尾号 ${a.last4}` : null,
        },
      },
    }
  })
}
