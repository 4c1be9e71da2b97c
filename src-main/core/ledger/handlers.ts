import type { CoreContext, ServiceHandlers } from '../context'
import { requirePermission } from '../permissions'
import { createGroupBuy, decideGroupBuy, listFees, listGroupBuys, listPayouts, recordFee, removePayout, savePayout } from './accounts'
import { closePeriod, closePreview, listCloses } from './closes'
import { exportPayoutFile } from './payoutFiles'
import { postLedger } from './posting'
import { entryDetail, listEntries, statement, summary } from './queries'
import { exportReport } from './reports'
import {
  balances,
  batchDetail,
  createBatch,
  decideWithdrawal,
  listBatches,
  listWithdrawals,
  markBatch,
  memberBalance,
  readSettlementSettings,
  requestWithdrawal,
  saveSettlementSettings,
} from './settlement'
import { checkScheme, listSchemes, productsWithRates, saveScheme, schemeVersions } from './schemes'

const changed = (ctx: CoreContext, ...entities: string[]) => ctx.emit('data.changed', { entities: ['ledger', ...entities] })

export const ledgerServiceHandlers: ServiceHandlers<'ledger'> = {
  post: (_input, ctx) => {
    requirePermission(ctx, 'ledger.post', 'ledger.post')
    const result = postLedger(ctx)
    if (result.entries) changed(ctx)
    return result
  },
  summary: ({ period }, ctx) => {
    requirePermission(ctx, 'ledger.read', 'ledger.summary')
    return summary(ctx.db, period)
  },
  statement: ({ memberId, period }, ctx) => {
    requirePermission(ctx, 'ledger.read', 'ledger.statement')
    return statement(ctx.db, memberId, period)
  },
  entries: (q, ctx) => {
    requirePermission(ctx, 'ledger.read', 'ledger.entries')
    return listEntries(ctx.db, q)
  },
  entry: ({ id }, ctx) => {
    requirePermission(ctx, 'ledger.read', 'ledger.entry')
    return entryDetail(ctx.db, id)
  },
  export: (input, ctx) => {
    requirePermission(ctx, 'ledger.read', 'ledger.export')
    return exportReport(ctx, input)
  },
  periods: (_input, ctx) => {
    requirePermission(ctx, 'ledger.read', 'ledger.periods')
    return listCloses(ctx.db)
  },
  closePreview: ({ period }, ctx) => {
    requirePermission(ctx, 'ledger.read', 'ledger.closePreview')
    return closePreview(ctx, period)
  },
  close: ({ period }, ctx) => {
    requirePermission(ctx, 'ledger.close', 'ledger.close')
    const result = closePeriod(ctx, period)
    changed(ctx, 'periods')
    return result
  },
}

export const settlementHandlers: ServiceHandlers<'settlement'> = {
  settings: (_input, ctx) => {
    requirePermission(ctx, 'ledger.read', 'settlement.settings')
    return readSettlementSettings(ctx.db)
  },
  saveSettings: (input, ctx) => {
    requirePermission(ctx, 'ledger.close', 'settlement.saveSettings')
    const saved = saveSettlementSettings(ctx, input)
    changed(ctx, 'settlement')
    return saved
  },
  balances: ({ memberId }, ctx) => {
    requirePermission(ctx, 'ledger.read', 'settlement.balances')
    return memberId ? [memberBalance(ctx, memberId)] : balances(ctx)
  },
}

export const withdrawalsHandlers: ServiceHandlers<'withdrawals'> = {
  list: (q, ctx) => {
    requirePermission(ctx, 'ledger.read', 'withdrawals.list')
    return listWithdrawals(ctx.db, q)
  },
  request: (input, ctx) => {
    requirePermission(ctx, 'withdrawals.request', 'withdrawals.request')
    const w = requestWithdrawal(ctx, input)
    changed(ctx, 'settlement')
    return w
  },
  decide: (input, ctx) => {
    requirePermission(ctx, 'withdrawals.decide', 'withdrawals.decide')
    const w = decideWithdrawal(ctx, input)
    changed(ctx, 'settlement')
    return w
  },
}

export const payoutBatchesHandlers: ServiceHandlers<'payoutBatches'> = {
  list: (_input, ctx) => {
    requirePermission(ctx, 'ledger.read', 'payoutBatches.list')
    return listBatches(ctx.db)
  },
  get: ({ id }, ctx) => {
    requirePermission(ctx, 'ledger.read', 'payoutBatches.get')
    return batchDetail(ctx.db, id)
  },
  create: (input, ctx) => {
    requirePermission(ctx, 'payouts.batch', 'payoutBatches.create')
    const batch = createBatch(ctx, input)
    changed(ctx, 'settlement')
    return batch
  },
  export: (input, ctx) => {
    requirePermission(ctx, 'payouts.batch', 'payoutBatches.export')
    return exportPayoutFile(ctx, input)
  },
  mark: (input, ctx) => {
    requirePermission(ctx, 'payouts.batch', 'payoutBatches.mark')
    const batch = markBatch(ctx, input)
    changed(ctx, 'settlement')
    return batch
  },
}

export const schemesHandlers: ServiceHandlers<'schemes'> = {
  list: (_input, ctx) => listSchemes(ctx.db),
  versions: ({ id }, ctx) => schemeVersions(ctx.db, id),
  check: ({ rules }, ctx) => checkScheme(rules, productsWithRates(ctx.db)),
  save: (input, ctx) => {
    requirePermission(ctx, 'schemes.edit', 'schemes.save')
    const scheme = saveScheme(ctx.db, input, ctx.session.name ?? ctx.session.role ?? 'system', ctx.clock.now().toISOString())
    changed(ctx, 'schemes')
    return scheme
  },
}

export const feesHandlers: ServiceHandlers<'fees'> = {
  list: ({ memberId }, ctx) => listFees(ctx.db, memberId),
  record: (input, ctx) => {
    requirePermission(ctx, 'ledger.money', 'fees.record')
    const fee = recordFee(ctx, input)
    changed(ctx, 'fees')
    return fee
  },
}

export const groupBuysHandlers: ServiceHandlers<'groupBuys'> = {
  list: (_input, ctx) => listGroupBuys(ctx.db),
  create: (input, ctx) => {
    requirePermission(ctx, 'ledger.money', 'groupBuys.create')
    return createGroupBuy(ctx, input)
  },
  decide: ({ id, outcome }, ctx) => {
    requirePermission(ctx, 'ledger.money', 'groupBuys.decide')
    const buy = decideGroupBuy(ctx, id, outcome)
    changed(ctx, 'orders')
    return buy
  },
}

export const payoutsHandlers: ServiceHandlers<'payouts'> = {
  list: ({ memberId }, ctx) => listPayouts(ctx.db, memberId),
  save: (input, ctx) => {
    requirePermission(ctx, 'payouts.manage', 'payouts.save')
    return savePayout(ctx, input)
  },
  remove: ({ id }, ctx) => {
    requirePermission(ctx, 'payouts.manage', 'payouts.remove')
    removePayout(ctx.db, id)
    return { ok: true as const }
  },
}
