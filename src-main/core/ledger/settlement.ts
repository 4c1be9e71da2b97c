import type { LedgerEntryWire } from '../../../src-shared/ledgerWire'
import type { Db } from '../db/connection'

/**
 * A withdrawal request entered on another workstation arrives as its ledger entry:
 * it becomes a request here (without a payout account, which never travels), and a
 * request that was turned down or whose payout failed there comes back here too.
 */
export function recordRemoteWithdrawal(db: Db, e: LedgerEntryWire): void {
  const returned = e.sourceKey.endsWith('~returned')
  const id = returned ? e.sourceKey.slice(0, -'~returned'.length) : e.sourceKey
  if (!returned && e.amountFen < 0) {
    db.prepare(
      `INSERT OR IGNORE INTO withdrawals (id, member_code, amount_fen, account_id, origin, requested_at, requested_by, note, status)
       VALUES (?, ?, ?, NULL, 'remote', ?, ?, ?, 'requested')`,
    ).run(id, e.memberCode, -e.amountFen, e.occurredAt, `device ${e.deviceId}`, e.memo)
  }
}
