import type { CustomerMerge } from '../../../../src-shared/contracts/duplicates'
import { decodeFields, defineTable, nullableText, text, type RowOf } from './table'

/**
 * A merge of two customers, kept so it can be undone: the choices made, the survivor
 * before and after, the merged-away customer's row and every row that moved (JSON, read
 * by core/customers/merge.ts). Its fields are the merge as the history shows it; the
 * names and the counts of what moved are worked out from the kept rows.
 */
export const CUSTOMER_MERGES = defineTable(
  'customer_merges',
  {
    id: text(),
    survivor_id: text(),
    merged_id: text(),
    merged_at: text(),
    merged_by: nullableText(),
    merged_by_name: nullableText(),
    choices: text(),
    survivor_before: text(),
    survivor_after: text(),
    merged_row: text(),
    moved: text(),
    undone_at: nullableText(),
    undone_by_name: nullableText(),
  },
  {
    survivorId: 'survivor_id',
    mergedId: 'merged_id',
    mergedAt: 'merged_at',
    mergedBy: 'merged_by_name',
    undoneAt: 'undone_at',
    undoneBy: 'undone_by_name',
  },
)

export type CustomerMergeRow = RowOf<typeof CUSTOMER_MERGES>

/** A row as JSON can keep it (a BLOB column as base64). */
export type StoredRow = Record<string, unknown>

/** The rows of one table a merge moved (`moved`, JSON): what repointing them changed, to be put back on undo. */
export interface MovedRows {
  table: string
  column: string
  key: string[]
  /** Each row as it was; `repointed` false: the survivor had its own (the same group), so this one went with the merged-away customer. */
  rows: { row: StoredRow; repointed: boolean }[]
}

/** A merge as the history shows it: both customers named (by `label`, as the audit names them) from the rows it kept. */
export function toCustomerMerge(row: CustomerMergeRow, label: (customer: { name: string }) => string): CustomerMerge {
  const moved = JSON.parse(row.moved) as MovedRows[]
  return {
    id: row.id,
    ...decodeFields(CUSTOMER_MERGES, row),
    survivorName: label(JSON.parse(row.survivor_after) as { name: string }),
    mergedName: label(JSON.parse(row.merged_row) as { name: string }),
    moves: moved.map((m) => ({ kind: m.table, count: m.rows.length })).filter((m) => m.count > 0),
  }
}

/**
 * A merge the team made that this workstation took: the rows of its own it moved from the
 * merged customer to the survivor (`moved`, JSON), so an undo of the merge can put them back.
 */
export const CUSTOMER_MERGES_TAKEN = defineTable(
  'customer_merges_taken',
  { merged_id: text(), survivor_id: text(), moved: text(), taken_at: text() },
  { mergedId: 'merged_id', survivorId: 'survivor_id', moved: 'moved', takenAt: 'taken_at' },
)
export type CustomerMergeTakenRow = RowOf<typeof CUSTOMER_MERGES_TAKEN>
