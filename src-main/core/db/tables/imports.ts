import type { z } from 'zod'
import type { ImportRun as ImportRunSchema } from '../../../../src-shared/schemas'
import { bool, decodeFields, defineTable, int, json, nullableText, object, real, text, type RowOf } from './table'

type ImportRun = z.infer<typeof ImportRunSchema>

/**
 * An import run, kept whether it was committed or refused: its figures, the first errors
 * and warnings (the reports), and the refused rows as read (`rejected_source`, for the
 * error file). Its fields are the run as the import history shows it.
 */
export const IMPORT_RUNS = defineTable(
  'import_runs',
  {
    id: text(),
    entity: text<ImportRun['entity']>(),
    file_name: text(),
    mode: text<ImportRun['mode']>(),
    committed: bool(),
    total_rows: int(),
    inserted: int(),
    updated: int(),
    unchanged: int(),
    rejected_rows: int(),
    error_count: int(),
    unattributed_orders: int(),
    errors: json<unknown[]>(),
    duration_ms: real(),
    created_at: text(),
    rates: object<Record<string, string>>(),
    warnings: json<unknown[]>(),
    warning_count: int(),
    rejected_source: nullableText(),
  },
  {
    importId: 'id',
    entity: 'entity',
    fileName: 'file_name',
    mode: 'mode',
    committed: 'committed',
    totalRows: 'total_rows',
    inserted: 'inserted',
    updated: 'updated',
    unchanged: 'unchanged',
    rejectedRows: 'rejected_rows',
    errorCount: 'error_count',
    warningCount: 'warning_count',
    rates: 'rates',
    unattributedOrders: 'unattributed_orders',
    durationMs: 'duration_ms',
    createdAt: 'created_at',
  },
)

export type ImportRunTableRow = RowOf<typeof IMPORT_RUNS>

/** The columns a history's run is read from (not its errors, warnings or refused rows). */
export const IMPORT_RUN_COLUMNS = Object.values(IMPORT_RUNS.fields).join(', ')

/** A run as IMPORT_RUN_COLUMNS reads it. */
export type ImportRunRow = Pick<ImportRunTableRow, (typeof IMPORT_RUNS.fields)[keyof typeof IMPORT_RUNS.fields]>

export const toImportRun = (row: ImportRunRow): ImportRun => decodeFields(IMPORT_RUNS, row)

/**
 * The column mapping last used for a kind of file (`source_key`: the entity, the format and
 * the header row), offered again when a file like it comes. A field maps to a header or to none.
 */
export const IMPORT_MAPPINGS = defineTable(
  'import_mappings',
  {
    source_key: text(),
    entity: text<ImportRun['entity']>(),
    mapping: object<Record<string, string | null>>(),
    updated_at: text(),
  },
  {
    sourceKey: 'source_key',
    entity: 'entity',
    mapping: 'mapping',
    updatedAt: 'updated_at',
  },
)

export type ImportMappingRow = RowOf<typeof IMPORT_MAPPINGS>
