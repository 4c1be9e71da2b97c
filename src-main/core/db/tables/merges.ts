import { defineTable, nullableText, text, type RowOf } from './table'

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
