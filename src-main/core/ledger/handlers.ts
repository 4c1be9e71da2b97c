import type { CoreContext, ServiceHandlers } from '../context'
import { recordPersonalExport } from '../exports/handlers'
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
import { changeWriter } from '../records/changes'

const changed = (ctx: CoreContext, ...entities: string[]) => ctx.emit('data.changed', { entities: ['ledger', ...entities] })

export const ledgerServiceHandlers: ServiceHandlers<'ledger'> = {
  post: (_input, ctx) => {
    const result = postLedger(ctx)
    if (result.entries) changed(ctx)
    return result
  },
  summary: ({ period }, ctx) => summary(ctx.db, period),
  statement: ({ memberId, period }, ctx) => statement(ctx.db, memberId, period),
  entries: (q, ctx) => listEntries(ctx.db, q),
  entry: ({ id }, ctx) => entryDetail(ctx.db, id),
  export: async (input, ctx) => {
    const result = await exportReport(ctx, input)
    // Members' earnings are personal data too: recorded like an export of customers.
    recordPersonalExport(ctx, { entity: input.report === 'statement' ? 'ledger.statement' : 'ledger.summary', format: input.format, rows: result.rows, filtered: false, file: result.fileName })
    return result
  },
  periods: (_input, ctx) => listCloses(ctx.db),
  closePreview: ({ period }, ctx) => closePreview(ctx, period),
  close: ({ period }, ctx) => {
    const result = closePeriod(ctx, period)
    changed(ctx, 'periods')
    return result
  },
}

export const settlementHandlers: ServiceHandlers<'settlement'> = {
  settings: (_input, ctx) => readSettlementSettings(ctx.db),
  saveSettings: (input, ctx) => {
    const saved = saveSettlementSettings(ctx, input)
    changed(ctx, 'settlement')
    return saved
  },
  balances: ({ memberId }, ctx) => (memberId ? [memberBalance(ctx, memberId)] : balances(ctx)),
}

export const withdrawalsHandlers: ServiceHandlers<'withdrawals'> = {
  list: (q, ctx) => listWithdrawals(ctx.db, q),
  request: (input, ctx) => {
    const w = requestWithdrawal(ctx, input)
    changed(ctx, 'settlement')
    return w
  },
  decide: (input, ctx) => {
    const w = decideWithdrawal(ctx, input)
    changed(ctx, 'settlement')
    return w
  },
}

export const payoutBatchesHandlers: ServiceHandlers<'payoutBatches'> = {
  list: (_input, ctx) => listBatches(ctx.db),
  get: ({ id }, ctx) => batchDetail(ctx.db, id),
  create: (input, ctx) => {
    const batch = createBatch(ctx, input)
    changed(ctx, 'settlement')
    return batch
  },
  export: (input, ctx) => exportPayoutFile(ctx, input),
  mark: (input, ctx) => {
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
    const scheme = saveScheme(changeWriter(ctx), input)
    changed(ctx, 'schemes')
    return scheme
  },
}

export const feesHandlers: ServiceHandlers<'fees'> = {
  list: ({ memberId }, ctx) => listFees(ctx.db, memberId),
  record: (input, ctx) => {
    const fee = recordFee(ctx, input)
    changed(ctx, 'fees')
    return fee
  },
}

export const groupBuysHandlers: ServiceHandlers<'groupBuys'> = {
  list: (_input, ctx) => listGroupBuys(ctx.db),
  create: (input, ctx) => createGroupBuy(ctx, input),
  decide: ({ id, outcome }, ctx) => {
    const buy = decideGroupBuy(ctx, id, outcome)
    changed(ctx, 'orders')
    return buy
  },
}

export const payoutsHandlers: ServiceHandlers<'payouts'> = {
  list: ({ memberId }, ctx) => listPayouts(ctx.db, memberId),
  save: (input, ctx) => savePayout(ctx, input),
  remove: ({ id }, ctx) => {
    removePayout(ctx.db, id)
    return { ok: true as const }
  },
}
