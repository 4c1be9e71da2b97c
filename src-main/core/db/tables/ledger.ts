import type { PayoutBatch, PeriodClose } from '../../../../src-shared/contracts/ledger'
import { decodeFields, defineTable, int, nullableText, text, type RowOf } from './table'

/** A closed month: what it held when it was closed (`members`: the member codes it paid, JSON). */
export const LEDGER_CLOSES = defineTable(
  'ledger_closes',
  {
    period: text(),
    closed_at: text(),
    closed_by: text(),
    entries: int(),
    earned_fen: int(),
    members: text(),
  },
  {
    period: 'period',
    closedAt: 'closed_at',
    closedBy: 'closed_by',
    entries: 'entries',
    earnedFen: 'earned_fen',
  },
)

export const PAYOUT_BATCHES = defineTable(
  'payout_batches',
  {
    id: text(),
    batch_no: text(),
    channel: text<PayoutBatch['channel']>(),
    status: text<PayoutBatch['status']>(),
    total_fen: int(),
    lines: int(),
    created_at: text(),
    created_by: text(),
    exported_at: nullableText(),
    marked_at: nullableText(),
    marked_by: nullableText(),
  },
  {
    batchNo: 'batch_no',
    channel: 'channel',
    status: 'status',
    totalFen: 'total_fen',
    lines: 'lines',
    createdAt: 'created_at',
    createdBy: 'created_by',
    exportedAt: 'exported_at',
    markedAt: 'marked_at',
    markedBy: 'marked_by',
  },
)

export type LedgerCloseRow = RowOf<typeof LEDGER_CLOSES>
export type PayoutBatchRow = RowOf<typeof PAYOUT_BATCHES>

/** The columns a PeriodClose is read from. */
export const PERIOD_CLOSE_COLUMNS = Object.values(LEDGER_CLOSES.fields).join(', ')

/** A closed month as a PeriodClose is read from it (PERIOD_CLOSE_COLUMNS). */
export type PeriodCloseRow = Pick<LedgerCloseRow, (typeof LEDGER_CLOSES.fields)[keyof typeof LEDGER_CLOSES.fields]>

export const toPeriodClose = (row: PeriodCloseRow): PeriodClose => decodeFields(LEDGER_CLOSES, row)

export const toPayoutBatch = (row: PayoutBatchRow): PayoutBatch => ({ id: row.id, ...decodeFields(PAYOUT_BATCHES, row) })
