import type { z } from 'zod'
import { OrchardError } from '../../../src-shared/errors'
import type { ImportPreview, ImportPreviewInput, ImportResult, ImportRunInput, RowError } from '../../../src-shared/schemas'
import type { ImportEntity } from '../../../src-shared/vocabulary'
import type { CoreContext, ServiceHandlers } from '../context'
import type { Db } from '../db/connection'
import { CSV_BOM, csvLine } from '../exports/cells'
import { newId } from '../ids'
import { planCustomers } from './customers'
import { checkMapping, detectFormat, FIELDS, sourceKeyOf, suggestedMapping, type Mapping } from './fields'
import { ImportJob, type ImportPlan } from './job'
import { planOrders } from './orders'
import { planProducts } from './products'
import { readTable } from './read'
import { DateReader } from './values'

type PreviewInput = z.output<typeof ImportPreviewInput>
type RunInput = z.output<typeof ImportRunInput>

/** The result carries the first errors; the run's record (and its CSV report) keeps them all. */
const MAX_RETURNED_ERRORS = 500
const SAMPLE_ROWS = 20

function savedMapping(db: Db, sourceKey: string): Mapping | null {
  const row = db.prepare('SELECT mapping FROM import_mappings WHERE source_key = ?').get(sourceKey) as { mapping: string } | undefined
  return row ? (JSON.parse(row.mapping) as Mapping) : null
}

async function preview(input: PreviewInput, ctx: CoreContext): Promise<ImportPreview> {
  const table = await readTable(input.path, input.sheet)
  const format = detectFormat(input.entity, table.headers, input.format, table.fileName)
  const sourceKey = sourceKeyOf(input.entity, format, table.headers)
  const saved = savedMapping(ctx.db, sourceKey)
  // A saved mapping may name fields added since; those start from the suggestion.
  const mapping = { ...suggestedMapping(input.entity, format, table.headers), ...(saved ?? {}) }
  for (const [field, header] of Object.entries(mapping)) if (header && !table.headers.includes(header)) mapping[field] = null
  return {
    fileName: table.fileName,
    encoding: table.encoding,
    detectedFormat: format,
    sheets: table.sheets,
    headers: table.headers,
    sampleRows: table.rows.slice(0, SAMPLE_ROWS),
    totalRows: table.rows.length,
    fields: FIELDS[input.entity].map(({ field, label, labelEn, required, hint }) => ({ field, label, labelEn, required, ...(hint ? { hint } : {}) })),
    mapping,
    sourceKey,
    mappingSaved: saved !== null,
  }
}

const PLANNERS: Record<ImportEntity, (job: ImportJob) => Promise<ImportPlan>> = {
  customers: planCustomers,
  products: planProducts,
  orders: planOrders,
}

/**
 * Reads the file, validates every row (yielding to the event loop as it goes),
 * then writes in one transaction: everything valid, or — all-or-nothing, the
 * default — nothing at all when any row was rejected. Every run is recorded
 * with all its errors, committed or not.
 */
async function run(input: RunInput, ctx: CoreContext): Promise<ImportResult> {
  const started = performance.now()
  const emit = (phase: 'read' | 'validate' | 'write', done: number, total: number) => {
    if (input.jobId) ctx.emit('job.progress', { jobId: input.jobId, kind: 'import', phase, done, total })
  }
  emit('read', 0, 0)
  const table = await readTable(input.path, input.sheet)
  const total = table.rows.length
  const format = detectFormat(input.entity, table.headers, input.format, table.fileName)
  const sourceKey = sourceKeyOf(input.entity, format, table.headers)
  const mapping = checkMapping(
    input.entity,
    input.mapping ?? savedMapping(ctx.db, sourceKey) ?? suggestedMapping(input.entity, format, table.headers),
    table.headers,
    table.fileName,
  )
  const now = ctx.clock.now().toISOString()
  const job = new ImportJob(ctx.db, table, mapping, format, new DateReader(ctx.timezone()), now, async (done) => {
    emit('validate', done, total)
    await new Promise<void>((resolve) => setImmediate(resolve))
  })
  emit('validate', 0, total)
  const plan = await PLANNERS[input.entity](job)
  emit('validate', total, total)

  const committed = job.errors.length === 0 || input.mode === 'valid-rows'
  const importId = newId()
  const result: ImportResult = {
    importId,
    entity: input.entity,
    fileName: table.fileName,
    mode: input.mode,
    committed,
    totalRows: total,
    // When nothing is written these say what writing would have done.
    inserted: plan.inserted,
    updated: plan.updated,
    unchanged: plan.unchanged,
    rejectedRows: plan.rejectedRows,
    errors: job.errors.slice(0, MAX_RETURNED_ERRORS),
    errorCount: job.errors.length,
    unattributedOrders: plan.unattributedOrders,
    durationMs: 0,
  }
  if (committed) emit('write', 0, total)
  const record = ctx.db.prepare(
    `INSERT INTO import_runs (id, entity, file_name, mode, committed, total_rows, inserted, updated, unchanged, rejected_rows, error_count, unattributed_orders, errors, duration_ms, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const saveMapping = ctx.db.prepare(
    `INSERT INTO import_mappings (source_key, entity, mapping, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT(source_key) DO UPDATE SET mapping = excluded.mapping, updated_at = excluded.updated_at WHERE mapping IS NOT excluded.mapping`,
  )
  ctx.db.transaction(() => {
    if (committed) plan.write(importId)
    if (input.saveMapping) saveMapping.run(sourceKey, input.entity, JSON.stringify(mapping), now)
    result.durationMs = Math.round(performance.now() - started)
    record.run(importId, input.entity, table.fileName, input.mode, committed ? 1 : 0, total, result.inserted, result.updated, result.unchanged,
      result.rejectedRows, result.errorCount, result.unattributedOrders, JSON.stringify(job.errors), result.durationMs, now)
  })()
  if (committed) emit('write', total, total)
  const wrote = committed && result.inserted + result.updated > 0
  ctx.emit('data.changed', { entities: wrote ? [...plan.entities, 'imports'] : ['imports'] })
  return result
}

interface ImportRunRow {
  id: string
  entity: ImportEntity
  file_name: string
  mode: 'all-or-nothing' | 'valid-rows'
  committed: number
  total_rows: number
  inserted: number
  updated: number
  unchanged: number
  rejected_rows: number
  error_count: number
  unattributed_orders: number
  duration_ms: number
  created_at: string
}

/** The full rejected-rows report of a run as CSV that Excel and WPS open directly. */
export function errorReportCsv(errors: RowError[]): string {
  let csv = CSV_BOM + csvLine(['行号 Row', '列 Column', '值 Value', '原因 Reason'])
  for (const e of errors) csv += csvLine([e.row, e.column, e.value, e.reason])
  return csv
}

export const importsHandlers: ServiceHandlers<'imports'> = {
  preview,
  run,
  history: (_input, ctx) =>
    (
      ctx.db
        .prepare(
          `SELECT id, entity, file_name, mode, committed, total_rows, inserted, updated, unchanged, rejected_rows, error_count,
                  unattributed_orders, duration_ms, created_at
           FROM import_runs ORDER BY created_at DESC, rowid DESC LIMIT 200`,
        )
        .all() as ImportRunRow[]
    ).map((r) => ({
      importId: r.id,
      entity: r.entity,
      fileName: r.file_name,
      mode: r.mode,
      committed: r.committed === 1,
      totalRows: r.total_rows,
      inserted: r.inserted,
      updated: r.updated,
      unchanged: r.unchanged,
      rejectedRows: r.rejected_rows,
      errorCount: r.error_count,
      unattributedOrders: r.unattributed_orders,
      durationMs: r.duration_ms,
      createdAt: r.created_at,
    })),
  reportCsv: ({ importId }, ctx) => {
    const run = ctx.db.prepare('SELECT file_name, errors FROM import_runs WHERE id = ?').get(importId) as { file_name: string; errors: string } | undefined
    if (!run) throw new OrchardError('not_found', `导入记录不存在 / import run not found`, { importId })
    const base = run.file_name.replace(/\.[^.]+$/, '')
    return { fileName: `${base}-错误报告.csv`, csv: errorReportCsv(JSON.parse(run.errors) as RowError[]) }
  },
}
