import { ledgerContract } from '../../../src-shared/contracts/ledger'
import type { CoreArea } from '../coreArea'
import type { ServiceHandlers } from '../context'
import { SETTINGS } from '../db/tables/settings'
import { upsertRow } from '../db/tables/table'
import { seedLedgerDemo } from './demo'
import { feesHandlers, groupBuysHandlers, ledgerServiceHandlers, payoutBatchesHandlers, payoutsHandlers, schemesHandlers, settlementHandlers, withdrawalsHandlers } from './handlers'

type Services = keyof typeof ledgerContract

/** The ledger services, one handler per contract method. */
export const ledgerHandlers: { [S in Services]: ServiceHandlers<S> } = {
  ledger: ledgerServiceHandlers,
  schemes: schemesHandlers,
  fees: feesHandlers,
  groupBuys: groupBuysHandlers,
  payouts: payoutsHandlers,
  settlement: settlementHandlers,
  withdrawals: withdrawalsHandlers,
  payoutBatches: payoutBatchesHandlers,
}

export const ledgerArea: CoreArea = {
  /**
   * Emptying the studio is the one time ledger rows are deleted (a safety backup was
   * taken first); the marker lets the append-only trigger through inside this transaction.
   */
  clearStudio(ctx) {
    const db = ctx.db
    upsertRow(db, SETTINGS, ['key'], { key: 'ledger.clearing', value: 'true' })
    for (const table of [
      'ledger_entries',
      'ledger_posted_orders',
      'ledger_closes',
      'withdrawals',
      'payout_batches',
      'payout_accounts',
      'group_buy_orders',
      'group_buys',
      'membership_fees',
      'commission_scheme_versions',
      'commission_schemes',
    ]) {
      db.prepare(`DELETE FROM ${table}`).run()
    }
    db.prepare("DELETE FROM settings WHERE key = 'ledger.clearing'").run()
  },
  seedDemo: (ctx, options) => seedLedgerDemo(ctx, options),
}
