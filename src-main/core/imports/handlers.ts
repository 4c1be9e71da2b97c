import { realpathSync, rmSync, statSync } from 'node:fs'
import { basename, dirname } from 'node:path'
import type { z } from 'zod'
import { OrchardError } from '../../../src-shared/errors'
import type { ImportJobSummary, ImportPreview, ImportPreviewInput, ImportResult, ImportRunInput, RowError } from '../../../src-shared/schemas'
import type { ImportEntity } from '../../../src-shared/vocabulary'
import type { CoreContext, ServiceHandlers } from '../context'
import { openWriter, waitForWriteLock, type Db } from '../db/connection'
import { IMPORT_RUN_COLUMNS, IMPORT_RUNS, toImportRun, type ImportMappingRow, type ImportRunRow, type ImportRunTableRow } from '../db/tables/imports'
import { insertRow } from '../db/tables/table'
import { CSV_BOM, csvLine } from '../spreadsheet/cells'
import { newId } from '../ids'
import { contactsVisible, maskPhone } from '../permissions'
import { readSettings } from '../settings/settings'
import { recordPersonalExport } from '../exports/handlers'
import { changeWriter, checkImportFields, recordImport, rowWatermark } from '../records/changes'
import type { RecordKind } from '../../../src-shared/permissions'
import { CustomerThread, wantsThread, warmCustomerThread } from './customerThread'
import { CustomerWriter, planCustomers } from './customers'
import { errorFileRows, errorFileTarget, keepRejectedRows, writeErrorFile, type RejectedSource } from './errorFile'
import { checkMapping, detectFormat, FIELDS, sourceKeyOf, suggestedMapping, type Mapping } from './fields'
import { ImportJob, type ImportPlan } from './job'
import { cancellable } from '../jobs/cancels'
import { progressMeter } from '../jobs/progress'
import { isRunning } from '../jobs/cancels'
import { recordJobStart, reopenJobRecord, type JobRecord } from '../jobs/records'
import { planMembers } from './members'
import { planOrders } from './orders'
import { planProducts } from './products'
import { importLimits, openTable, type TableReader } from './read'
import type { FromWorker } from './threadMessages'
import { DateReader } from './values'

/**
 * Which shared record an import writes and, for each of its columns, the record's field
 * (the field table's name): what the importing role must be allowed to change. An order
 * import writes customers too — the buyers it does not know yet, by name and phone.
 */
const IMPORT_RECORDS: Record<ImportEntity, { record: RecordKind; fields: Record<string, string> }> = {
  customers: { record: 'customer', fields: { owner: 'ownerMemberId' } },
  products: {
    record: 'product',
    fields: { listPrice: 'listPriceFen', salePrice: 'salePriceFen', priceFloor: 'priceFloorFen', commission: 'commissionBp', mentorCommission: 'mentorCommissionBp' },
  },
  orders: { record: 'customer', fields: { buyerName: 'name', buyerPhone: 'phones', memberCode: 'ownerMemberId', inviteCode: 'ownerMemberId' } },
  members: { record: 'member', fields: { mentor: 'mentorId' } },
}

/**
 * What an order import writes of the orders themselves (recorded as changes of the shared
 * record `order`, beside the buyers it creates): every field of a new order, and the
 * buyer's contact details when the file has them.
 */
const ORDER_FIELDS = ['orderNo', 'source', 'status', 'placedAt', 'customerId', 'memberId', 'attributionCode', 'buyerName', 'totalFen', 'refundedFen', 'refundedAt', 'completedAt', 'lines']
const ORDER_CONTACTS = ['buyerPhone', 'buyerEmail', 'buyerAddress']
const orderFields = (mapping: Mapping): string[] => [...ORDER_FIELDS, ...ORDER_CONTACTS.filter((f) => mapping[f])]

/** Columns that are a record's relations rather than its fields: a customer's groups are the groups' business (see joinGroups). */
const RELATIONS = new Set(['groups'])

function importedFields(entity: ImportEntity, mapping: Mapping): string[] {
  const { record, fields } = IMPORT_RECORDS[entity]
  const mapped = Object.entries(mapping)
    .filter(([field, column]) => column && !RELATIONS.has(field))
    .map(([field]) => fields[field] ?? field)
  // Orders only name the buyers they create; their other columns are the order's own.
  const own = entity === 'orders' ? mapped.filter((f) => ['name', 'phones', 'ownerMemberId'].includes(f)) : mapped
  return [...new Set(own)].filter((f) => record === 'customer' || f !== 'ownerMemberId')
}

type PreviewInput = z.output<typeof ImportPreviewInput>
type RunInput = z.output<typeof ImportRunInput>

/** The result carries the first errors; the run's record (and its CSV report) keeps them all. */
const MAX_RETURNED_ERRORS = 500
const SAMPLE_ROWS = 20
/** Files up to this size are counted to the last row for the preview; larger ones are estimated from the rows read. */
const COUNTED_BYTES = 1024 * 1024

function savedMapping(db: Db, sourceKey: string): Mapping | null {
  const row = db.prepare('SELECT mapping FROM import_mappings WHERE source_key = ?').get(sourceKey) as Pick<ImportMappingRow, 'mapping'> | undefined
  return row ? (JSON.parse(row.mapping) as Mapping) : null
}

/**
 * What the console shows before an import: the header, the first rows and about how many
 * there are. Only that much of the file is read (a small file is counted to the end), so
 * opening a file of any size — a workbook that unpacks to gigabytes — answers at once.
 */
async function preview(input: PreviewInput, ctx: CoreContext): Promise<ImportPreview> {
  // The console opens a file before importing it: a large customer file gets its thread ready meanwhile.
  if (input.entity === 'customers') warmCustomerThread(input.path)
  const reader = await openTable(input.path, input.sheet, importLimits(), input.fileName)
  let sample: string[][]
  let totalRows: number
  let estimated: boolean
  try {
    sample = (await reader.next(SAMPLE_ROWS)).rows
    if (fileSize(input.path) <= COUNTED_BYTES) while ((await reader.next(10_000)).rows.length);
    estimated = !reader.finished && (await reader.next(1)).rows.length > 0
    totalRows = estimated ? reader.estimatedRows() : reader.rowsRead
  } finally {
    reader.close()
  }
  const headers = reader.headers
  const format = detectFormat(input.entity, headers, input.format, reader.fileName)
  const sourceKey = sourceKeyOf(input.entity, format, headers)
  const saved = savedMapping(ctx.db, sourceKey)
  // A saved mapping may name fields added since; those start from the suggestion.
  const mapping = { ...suggestedMapping(input.entity, format, headers), ...(saved ?? {}) }
  for (const [field, header] of Object.entries(mapping)) if (header && !headers.includes(header)) mapping[field] = null
  return {
    fileName: reader.fileName,
    encoding: reader.encoding,
    detectedFormat: format,
    sheets: reader.sheets,
    headers,
    sampleRows: sample,
    totalRows,
    totalRowsEstimated: estimated,
    fields: FIELDS[input.entity].map(({ field, label, labelEn, required, hint }) => ({ field, label, labelEn, required, ...(hint ? { hint } : {}) })),
    mapping,
    sourceKey,
    mappingSaved: saved !== null,
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size
  } catch {
    return 0
  }
}

const PLANNERS: Record<ImportEntity, (job: ImportJob) => Promise<ImportPlan>> = {
  customers: planCustomers,
  products: planProducts,
  orders: planOrders,
  members: planMembers,
}

/**
 * Reads the file a batch at a time and validates every row (yielding to the event
 * loop as it goes), then writes in one transaction: everything valid, or — all-or-
 * nothing, the default — nothing at all when any row was rejected. Every run is
 * recorded with all its errors, committed or not. A large customer file is read and
 * validated on a thread of its own while this one writes (see customerThread.ts).
 */
/**
 * An import is a job of the engine: recorded by the id the console follows it by (running,
 * then done, cancelled or failed) with what it was asked for, so one a crash or a cancel
 * stopped is resumed by that id alone (resume); cancellable by it between batches,
 * reporting progress of the one shape. What it writes, its modes and its located row
 * errors are runImport's.
 */
async function run(input: RunInput, ctx: CoreContext, resumed?: JobRecord): Promise<ImportResult> {
  const { jobId, ...request } = input
  const record =
    resumed ?? (jobId ? recordJobStart(ctx, { id: jobId, kind: 'import', label: input.fileName ?? basename(input.path), outDir: dirname(input.path), params: request }) : null)
  let result: ImportResult
  try {
    result = await runImport(input, ctx, record)
  } catch (err) {
    try {
      record?.end({ error: err })
    } catch {
      // The record must not hide why the import stopped.
    }
    throw err
  }
  record?.end({ total: result.totalRows })
  return result
}

/**
 * Runs again an import a crash (kill -9, a power cut), a cancel or a failure stopped, by
 * its job id, with the file and options kept with the job. Its write is one transaction
 * that settles the job too: one interrupted before that commit wrote nothing, and runs
 * from the file's first row; one that committed is done and is not run twice.
 */
async function resume(jobId: string, ctx: CoreContext): Promise<{ input: RunInput; result: ImportResult }> {
  const { params, record } = reopenJobRecord(ctx, jobId, 'import')
  const input = { ...(params as Omit<RunInput, 'jobId'>), jobId }
  return { input, result: await run(input, ctx, record) }
}

/** Import jobs that did not finish (a crash left them running, or they were cancelled): the console offers to resume them. */
function unfinished(ctx: CoreContext): ImportJobSummary[] {
  const rows = ctx.db
    .prepare(`SELECT id, label, params, status, error, created_at FROM jobs WHERE kind = 'import' AND status IN ('running', 'cancelled') ORDER BY created_at DESC, rowid DESC LIMIT 50`)
    .all() as { id: string; label: string; params: string; status: 'running' | 'cancelled'; error: string | null; created_at: string }[]
  return rows.flatMap((r) => {
    const params = JSON.parse(r.params) as Partial<RunInput>
    // Runs recorded before their request was kept cannot be resumed; one running here is not interrupted.
    if (!params.entity || (r.status === 'running' && isRunning(r.id))) return []
    return [
      {
        jobId: r.id,
        entity: params.entity,
        fileName: r.label,
        mode: params.mode ?? 'all-or-nothing',
        status: r.status === 'running' ? 'interrupted' : 'cancelled',
        error: r.error ? (JSON.parse(r.error) as { message: string }).message : null,
        createdAt: r.created_at,
      },
    ]
  })
}

async function runImport(input: RunInput, ctx: CoreContext, record: JobRecord | null): Promise<ImportResult> {
  const started = performance.now()
  // The job engine's progress of the one shape (rate and time left included), every batch reported.
  const emit: (phase: 'read' | 'validate' | 'write', done: number, total: number) => void = progressMeter(ctx, input.jobId, 'import', { minIntervalMs: 0 })
  // Cancellable by its id (jobs.cancel) until its write: it stops between batches, and nothing is written.
  const cancel = cancellable(input.jobId)
  emit('read', 0, 0)
  const limits = importLimits()
  const database = ctx.db.name
  const thread =
    input.entity === 'customers' && database && database !== ':memory:' && wantsThread(input.path)
      ? CustomerThread.start({ path: input.path, sheet: input.sheet, fileName: input.fileName, limits, database, nativeBinding: ctx.nativeBinding })
      : null
  let reader: TableReader | null = null
  try {
    cancel.stopIfCancelled()
    let source: Omit<Extract<FromWorker, { kind: 'table' }>, 'kind'>
    if (thread) {
      const first = await thread.next()
      if (first.kind !== 'table') throw new Error(`import thread: unexpected ${first.kind}`)
      source = first
    } else {
      reader = await openTable(input.path, input.sheet, limits, input.fileName)
      source = { fileName: reader.fileName, encoding: reader.encoding, sheets: reader.sheets, headers: reader.headers, total: reader.estimatedRows() }
    }
    const total = source.total
    const format = detectFormat(input.entity, source.headers, input.format, source.fileName)
    const sourceKey = sourceKeyOf(input.entity, format, source.headers)
    const mapping = checkMapping(
      input.entity,
      input.mapping ?? savedMapping(ctx.db, sourceKey) ?? suggestedMapping(input.entity, format, source.headers),
      source.headers,
      source.fileName,
    )
    // Whether this profile may write every column mapped, before a row is read: a trainer's
    // customer sheet with a phone column is refused whole, with the column it names.
    const writes = importedFields(input.entity, mapping)
    const changes = changeWriter(ctx, 'import')
    checkImportFields(changes, IMPORT_RECORDS[input.entity].record, writes)
    if (input.entity === 'orders') checkImportFields(changes, 'order', orderFields(mapping))
    const watermark = rowWatermark(ctx.db, IMPORT_RECORDS[input.entity].record)
    const orderWatermark = input.entity === 'orders' ? rowWatermark(ctx.db, 'order') : 0
    const now = changes.at.toISOString()
    const importId = newId()
    const result: ImportResult = {
      importId,
      entity: input.entity,
      fileName: source.fileName,
      mode: input.mode,
      committed: false,
      totalRows: total,
      // When nothing is written these say what writing would have done.
      inserted: 0,
      updated: 0,
      unchanged: 0,
      rejectedRows: 0,
      errors: [],
      errorCount: 0,
      warnings: [],
      warningCount: 0,
      rates: input.entity === 'orders' ? input.rates : {},
      unattributedOrders: 0,
      olderOrders: [],
      durationMs: 0,
    }
    // The errors the run keeps and the rows refused without one of their own: the error file is made of their rows.
    let keptErrors: RowError[] = []
    let companions: ReadonlyMap<number, string> = new Map()
    /** Inside the run's transaction (on the connection that writes), after the write or instead of it. */
    const conclude = (
      db: Db,
      plan: Omit<ImportPlan, 'write' | 'entities' | 'olderOrders'> & { olderOrders?: ImportPlan['olderOrders'] },
      errors: RowError[],
      errorCount: number,
      warnings: RowError[] = [],
      warningCount = 0,
    ) => {
      keptErrors = errors
      Object.assign(result, {
        inserted: plan.inserted,
        updated: plan.updated,
        unchanged: plan.unchanged,
        rejectedRows: plan.rejectedRows,
        unattributedOrders: plan.unattributedOrders,
        olderOrders: (plan.olderOrders ?? []).slice(0, MAX_RETURNED_ERRORS),
        errors: errors.slice(0, MAX_RETURNED_ERRORS),
        errorCount,
        warnings: warnings.slice(0, MAX_RETURNED_ERRORS),
        warningCount,
      })
      // The records it created or changed, and what the audit keeps of the run, in the write's transaction.
      if (result.committed) {
        recordImport({ ...changes, db }, IMPORT_RECORDS[input.entity].record, { importId, fileName: source.fileName, fields: writes, stamp: now, watermark, groupJoins: plan.groupJoins })
        // The orders after their buyers: the team's workstations take the buyers first.
        if (input.entity === 'orders') {
          recordImport({ ...changes, db }, 'order', { importId, fileName: source.fileName, fields: orderFields(mapping), stamp: now, watermark: orderWatermark, updates: plan.orderUpdates ?? [] })
        }
      }
      if (input.saveMapping) {
        db.prepare(
          `INSERT INTO import_mappings (source_key, entity, mapping, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT(source_key) DO UPDATE SET mapping = excluded.mapping, updated_at = excluded.updated_at WHERE mapping IS NOT excluded.mapping`,
        ).run(sourceKey, input.entity, JSON.stringify(mapping), now)
      }
      result.durationMs = Math.round(performance.now() - started)
      record?.settle(db, result.totalRows)
      // The refused rows as read are kept once the run is over (keepRefusedRows).
      insertRow(db, IMPORT_RUNS, {
        id: importId,
        entity: input.entity,
        file_name: source.fileName,
        mode: input.mode,
        committed: result.committed ? 1 : 0,
        total_rows: result.totalRows,
        inserted: result.inserted,
        updated: result.updated,
        unchanged: result.unchanged,
        rejected_rows: result.rejectedRows,
        error_count: result.errorCount,
        unattributed_orders: result.unattributedOrders,
        errors: JSON.stringify(errors),
        duration_ms: result.durationMs,
        created_at: now,
        rates: JSON.stringify(result.rates),
        warnings: JSON.stringify(warnings),
        warning_count: warningCount,
        rejected_source: null,
      })
    }

    let entities: string[]
    if (thread) {
      thread.validate(mapping, format, now, ctx.timezone())
      emit('validate', 0, total)
      await writeFromThread(ctx, thread, { mode: input.mode, now, emit, conclude, result, stopIfCancelled: cancel.stopIfCancelled })
      entities = mapping.groups ? ['customers', 'groups'] : ['customers']
    } else {
      const job = new ImportJob(
        ctx.db,
        reader!,
        mapping,
        format,
        new DateReader(ctx.timezone()),
        now,
        async (done) => {
          emit('validate', done, reader!.estimatedRows())
          await new Promise<void>((resolve) => setImmediate(resolve))
          cancel.stopIfCancelled()
        },
        { apply: input.olderOrders === 'apply', applyFor: new Set(input.applyOlderFor) },
        { currency: readSettings(ctx.db).currency, rates: input.rates },
      )
      emit('validate', 0, total)
      const plan = await PLANNERS[input.entity](job)
      result.totalRows = job.rowsRead
      emit('validate', result.totalRows, result.totalRows)
      result.committed = job.errorCount === 0 || input.mode === 'valid-rows'
      if (result.committed) emit('write', 0, result.totalRows)
      const write = () =>
        ctx.db.transaction(() => {
          if (result.committed) plan.write(importId)
          conclude(ctx.db, plan, job.errors, job.errorCount, job.warnings, job.warningCount)
        })()
      // Validation took its time: another program may be writing now.
      await waitForWriteLock(ctx.db)
      // The last moment a cancel counts: the write is one transaction, whole or not at all.
      cancel.stopIfCancelled()
      if (input.entity === 'customers' && result.committed) writeCustomers(ctx.db, write)
      else write()
      entities = plan.entities
      companions = job.companions
    }
    if (result.errorCount > 0) await keepRefusedRows(ctx, input, importId, keptErrors, companions, limits)
    if (result.committed) emit('write', result.totalRows, result.totalRows)
    const wrote = result.committed && result.inserted + result.updated > 0
    ctx.emit('data.changed', { entities: wrote ? [...entities, 'imports'] : ['imports'] })
    return result
  } finally {
    cancel.finish()
    thread?.close()
    reader?.close()
  }
}

/**
 * Keeps the refused rows as the file holds them, for the run's error file. The run is
 * recorded already (committed or not): a file that cannot be read a second time (gone
 * meanwhile) leaves the run without an error file rather than undoing it.
 */
async function keepRefusedRows(
  ctx: CoreContext,
  input: RunInput,
  importId: string,
  errors: RowError[],
  companions: ReadonlyMap<number, string>,
  limits: ReturnType<typeof importLimits>,
): Promise<void> {
  let source: RejectedSource | null
  try {
    source = await keepRejectedRows({ path: input.path, sheet: input.sheet, fileName: input.fileName }, errors, companions, limits)
  } catch {
    return
  }
  if (source) ctx.db.prepare('UPDATE import_runs SET rejected_source = ? WHERE id = ?').run(JSON.stringify(source), importId)
}

/**
 * The write of a customer import validated on its thread: the new customers are
 * written chunk by chunk as the thread validates them, in one transaction on a
 * connection of the import's own, so the host's connection stays free (for reading)
 * and nothing else it does joins the import's transaction. It begins with the first
 * validated rows, and ends — rolled back — as soon as all-or-nothing meets a rejected
 * row; the rest of the file is still validated for the report, which is recorded in a
 * short transaction of its own.
 */
async function writeFromThread(
  ctx: CoreContext,
  thread: CustomerThread,
  run: {
    mode: RunInput['mode']
    now: string
    emit: (phase: 'validate' | 'write', done: number, total: number) => void
    conclude: (db: Db, plan: Omit<ImportPlan, 'write' | 'entities'>, errors: RowError[], errorCount: number) => void
    result: ImportResult
    /** Throws when the run was cancelled: the transaction so far is rolled back. */
    stopIfCancelled: () => void
  },
): Promise<void> {
  const { mode, now, emit, result } = run
  const db = openWriter(ctx.db.name, ctx.nativeBinding)
  const errors: RowError[] = []
  let writer: CustomerWriter | null = null
  let writing = true
  try {
    // The write's own foreign key checks, done once for all rows (see writeCustomers); set outside any transaction.
    db.pragma('foreign_keys = OFF')
    let message = await thread.next()
    for (;;) {
      run.stopIfCancelled()
      if (message.kind !== 'rows' && message.kind !== 'end') throw new Error(`import thread: unexpected ${message.kind}`)
      for (const e of message.errors) errors.push(e)
      if (writing && mode === 'all-or-nothing' && message.errorCount) {
        writing = false
        if (db.inTransaction) db.exec('ROLLBACK')
      }
      if (writing && message.rows.length) {
        if (!db.inTransaction) {
          await waitForWriteLock(db)
          db.exec('BEGIN IMMEDIATE')
        }
        writer ??= new CustomerWriter(db, now, message.total, true)
        writer.insert(message.rows)
      }
      if (message.kind === 'end') break
      emit('validate', message.done, message.total)
      message = await thread.next()
    }
    // The count was an estimate until the thread had read the whole file.
    const total = (result.totalRows = message.total)
    emit('validate', total, total)
    result.committed = message.errorCount === 0 || mode === 'valid-rows'
    if (!db.inTransaction) {
      await waitForWriteLock(db)
      db.exec('BEGIN IMMEDIATE')
    }
    run.stopIfCancelled()
    if (result.committed) {
      emit('write', 0, total)
      ;(writer ?? new CustomerWriter(db, now, 0)).finish(message.updates)
    }
    run.conclude(db, { ...message, unattributedOrders: 0 }, errors, message.errorCount)
    db.exec('COMMIT')
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK')
    throw err
  } finally {
    db.close()
  }
}

/**
 * Runs a customer import's write with SQLite's per-row foreign key checks off: every
 * key the write sets is one it just wrote or one CustomerWriter checks once for all
 * rows (the members that own new customers, the customers it updates), so the rows
 * are as consistent as the checks would keep them, at a fraction of their cost. The
 * setting changes outside the transaction (SQLite ignores it inside one) and the
 * write is synchronous, so nothing else runs on the connection meanwhile.
 */
function writeCustomers(db: Db, write: () => void): void {
  if (db.pragma('foreign_keys', { simple: true }) !== 1) return write()
  db.pragma('foreign_keys = OFF')
  try {
    write()
  } finally {
    db.pragma('foreign_keys = ON')
  }
}

/** Runs of seven or more digits (with the spaces, dashes and + people write phones with). */
const PHONE_LIKE = /\+?\d[\d\s-]{5,}\d/g

const maskPhoneLike = (text: string) => text.replace(PHONE_LIKE, (m) => maskPhone(m.replace(/[\s-]/g, '')))

function maskRowError(ctx: CoreContext, e: RowError): RowError {
  if (contactsVisible(ctx)) return e
  return { ...e, value: maskPhoneLike(e.value), reason: maskPhoneLike(e.reason) }
}

/**
 * A warning is always about a buyer's contact detail (a phone, e-mail, address or name
 * kept as given): for a role that sees contacts masked its value is masked whole, not
 * only where it looks like a phone.
 */
function maskWarning(ctx: CoreContext, e: RowError): RowError {
  if (contactsVisible(ctx)) return e
  return { ...e, value: e.value.length > 1 ? `${e.value.slice(0, 1)}****` : '****' }
}

/** The rejected-rows report of a run as CSV that Excel and WPS open directly (the first MAX_KEPT_ERRORS, and how many more). */
export function errorReportCsv(errors: RowError[], errorCount = errors.length, kind: 'errors' | 'warnings' = 'errors'): string {
  let csv = CSV_BOM + csvLine(['行号 Row', '列 Column', '值 Value', kind === 'errors' ? '原因 Reason' : '警告 Warning'])
  for (const e of errors) csv += csvLine([e.row, e.column, e.value, e.reason])
  if (errorCount > errors.length) {
    const [zh, en] = kind === 'errors' ? ['错误', 'errors'] : ['警告', 'warnings']
    csv += csvLine(['…', '', '', `另有 ${errorCount - errors.length} 个${zh}未列出（只列出前 ${errors.length} 个）/ ${errorCount - errors.length} more ${en} (the first ${errors.length} are listed)`])
  }
  return csv
}

/** An import's answer as its caller may see it (contacts masked by role). */
function presented(ctx: CoreContext, input: RunInput, result: ImportResult): ImportResult {
  // An upload has done its work once its rows are in: it does not wait in staging/ for the daily sweep.
  // A refused file stays, so the person can import its valid rows next; so does a file that showed
  // orders older than the studio holds, so the person can still take the file's state for them.
  const done = result.committed && !result.olderOrders.some((o) => !o.applied)
  if (done && ctx.host === 'browser' && dirname(input.path) === realpathSync(ctx.paths.staging)) rmSync(input.path, { force: true })
  return { ...result, errors: result.errors.map((e) => maskRowError(ctx, e)), warnings: result.warnings.map((e) => maskWarning(ctx, e)) }
}

export const importsHandlers: ServiceHandlers<'imports'> = {
  preview,
  run: async (input, ctx) => presented(ctx, input, await run(input, ctx)),
  resume: async ({ jobId }, ctx) => {
    const { input, result } = await resume(jobId, ctx)
    return presented(ctx, input, result)
  },
  unfinished: (_input, ctx) => unfinished(ctx),
  history: (_input, ctx) =>
    (ctx.db.prepare(`SELECT ${IMPORT_RUN_COLUMNS} FROM import_runs ORDER BY created_at DESC, rowid DESC LIMIT 200`).all() as ImportRunRow[]).map(toImportRun),
  reportCsv: ({ importId, kind }, ctx) => {
    const run = ctx.db.prepare('SELECT file_name, errors, error_count, warnings, warning_count FROM import_runs WHERE id = ?').get(importId) as
      | Pick<ImportRunTableRow, 'file_name' | 'errors' | 'error_count' | 'warnings' | 'warning_count'>
      | undefined
    if (!run) throw new OrchardError('not_found', `导入记录不存在 / import run not found`, { importId })
    const base = run.file_name.replace(/\.[^.]+$/, '')
    // Any run's report, whoever imported the file: what looks like a phone is masked for roles that see contacts masked.
    if (kind === 'warnings') {
      const warnings = (JSON.parse(run.warnings) as RowError[]).map((e) => maskWarning(ctx, e))
      return { fileName: `${base}-警告报告.csv`, csv: errorReportCsv(warnings, run.warning_count, 'warnings') }
    }
    return { fileName: `${base}-错误报告.csv`, csv: errorReportCsv((JSON.parse(run.errors) as RowError[]).map((e) => maskRowError(ctx, e)), run.error_count) }
  },
  errorFile: async ({ importId, lang, path }, ctx) => {
    const run = ctx.db.prepare('SELECT entity, file_name, errors, rejected_rows, rejected_source FROM import_runs WHERE id = ?').get(importId) as
      | Pick<ImportRunTableRow, 'entity' | 'file_name' | 'errors' | 'rejected_rows' | 'rejected_source'>
      | undefined
    if (!run) throw new OrchardError('not_found', `导入记录不存在 / import run not found`, { importId })
    if (!run.rejected_source) {
      throw new OrchardError(
        'no_error_file',
        run.rejected_rows > 0
          ? `这次导入没有保留被拒绝的行（导入较早，或文件已无法再读），请下载错误报告 / this run kept no refused rows (an older run, or the file could not be read again): download its error report`
          : `这次导入没有被拒绝的行 / this run refused no rows`,
        { importId, fileName: run.file_name },
      )
    }
    const source = JSON.parse(run.rejected_source) as RejectedSource
    const errors = (JSON.parse(run.errors) as RowError[]).map((e) => maskRowError(ctx, e))
    // The rows are the person's own file, but a role that sees contacts masked gets what looks like a phone masked in them too.
    if (!contactsVisible(ctx)) source.rows = source.rows.map((r) => ({ ...r, cells: r.cells.map(maskPhoneLike) }))
    const rows = errorFileRows(source, errors, lang)
    const { target, fileName } = errorFileTarget(ctx.paths.exports, importId, basename(run.file_name), source.kind, path)
    await writeErrorFile(target, source, rows)
    if (run.entity !== 'products') recordPersonalExport(ctx, { entity: run.entity, format: source.kind, rows: rows.length, filtered: true, file: basename(target) })
    return { path: target, fileName, rows: rows.length, omittedRows: Math.max(run.rejected_rows - rows.length, 0) }
  },
  // The importer's own headers, so a filled-in template maps itself; no example row that could be imported by mistake.
  template: ({ entity }) => ({ fileName: `${TEMPLATE_NAMES[entity]}导入模板.csv`, csv: CSV_BOM + csvLine(FIELDS[entity].map((f) => f.label)) }),
}

const TEMPLATE_NAMES: Record<ImportEntity, string> = { customers: '客户', products: '商品', orders: '订单', members: '会员' }
