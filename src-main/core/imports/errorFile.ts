import { mkdirSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import ExcelJS from 'exceljs'
import { bilingualHalf, type Lang } from '../../../src-shared/bilingual'
import { OrchardError } from '../../../src-shared/errors'
import type { RowError } from '../../../src-shared/schemas'
import { ownerOnly } from '../housekeeping'
import { produceOutput } from '../jobs/outputs'
import { CSV_BOM, csvLine, keepQuotes } from '../spreadsheet/cells'
import { ERROR_FILE_HEADERS } from './fields'
import { openTable, type ImportLimits } from './read'

/**
 * A refused import's error file: the file's own header and refused rows, cell for cell and
 * in the file's order, with the reason and the row's number in the source after them. The
 * person fixes the cells in place and imports the file again with the same mapping (the two
 * added columns are not part of any record and do not change which mapping applies).
 */

/** What a run keeps of the rows it refused (import_runs.rejected_source). */
export interface RejectedSource {
  kind: 'csv' | 'xlsx'
  /** The workbook's sheet the rows came from. */
  sheet?: string
  headers: string[]
  rows: { row: number; cells: string[] }[]
  /** Rows refused without an error of their own, and why (the other lines of a refused order). */
  companions: Record<number, string>
}

/**
 * Reads the source again for the rows the run refused (the errors' rows, at most as many as
 * the run keeps errors for, and their companions), so the file's cells are kept exactly as
 * the reader gave them whichever planner refused them and however late (a mentor found
 * missing once every row was read). Only files with refused rows are read twice.
 */
export async function keepRejectedRows(
  file: { path: string; sheet?: string; fileName?: string },
  errors: readonly RowError[],
  companions: ReadonlyMap<number, string>,
  limits: ImportLimits,
): Promise<RejectedSource | null> {
  const wanted = new Set<number>(errors.map((e) => e.row))
  for (const row of companions.keys()) wanted.add(row)
  if (!wanted.size) return null
  const reader = await openTable(file.path, file.sheet, limits, file.fileName)
  const rows: RejectedSource['rows'] = []
  try {
    while (rows.length < wanted.size) {
      const batch = await reader.next(4000)
      if (!batch.rows.length) break
      batch.rowNumbers.forEach((n, i) => {
        if (wanted.has(n)) rows.push({ row: n, cells: batch.rows[i] })
      })
    }
  } finally {
    reader.close()
  }
  const kept: Record<number, string> = {}
  for (const [row, why] of companions) kept[row] = why
  return { kind: reader.encoding === 'XLSX' ? 'xlsx' : 'csv', sheet: reader.sheet, headers: reader.headers, rows, companions: kept }
}

/** One line per refused row: its cells, then every reason given for it ("列：原因"), then its row number. */
export function errorFileRows(source: RejectedSource, errors: readonly RowError[], lang: Lang | 'both'): string[][] {
  const byRow = new Map<number, RowError[]>()
  for (const e of errors) {
    const list = byRow.get(e.row)
    if (list) list.push(e)
    else byRow.set(e.row, [e])
  }
  const say = (text: string) => (lang === 'both' ? text : bilingualHalf(text, lang))
  const joiner = lang === 'en' ? '; ' : '；'
  return [...source.rows]
    .sort((a, b) => a.row - b.row)
    .map(({ row, cells }) => {
      const own = byRow.get(row)
      const reason = own
        ? own.map((e) => `${e.column}${lang === 'en' ? ': ' : '：'}${say(e.reason)}`).join(joiner)
        : say(source.companions[row] ?? '')
      return [...source.headers.map((_, i) => cells[i] ?? ''), reason, String(row)]
    })
}

/** Writes the error file under a temporary name and renames it, so a failure never leaves half a file. */
export async function writeErrorFile(target: string, source: RejectedSource, rows: string[][]): Promise<void> {
  try {
    mkdirSync(dirname(target), { recursive: true })
  } catch (err) {
    throw new OrchardError('export_failed', `无法创建文件夹 ${dirname(target)} / cannot create the folder`, { file: target, why: (err as Error).message })
  }
  const headers = [...source.headers, ...ERROR_FILE_HEADERS]
  try {
    await produceOutput(
      target,
      async (temp) => {
        if (source.kind === 'csv') {
          writeFileSync(temp, CSV_BOM + csvLine(headers) + rows.map(csvLine).join(''))
        } else {
          const book = new ExcelJS.Workbook()
          // The source's sheet name, so a file imported from a named sheet is imported the same way again.
          const sheet = book.addWorksheet(source.sheet || '错误行', { views: [{ state: 'frozen', ySplit: 1 }] })
          sheet.addRow(headers).font = { bold: true }
          // String cells are text in XLSX, never formulas: the values go in as they were read.
          for (const row of rows) sheet.addRow(row.map(keepQuotes))
          sheet.getColumn(headers.length - 1).width = 48
          await book.xlsx.writeFile(temp)
        }
      },
      ownerOnly,
    )
  } catch (err) {
    if (err instanceof OrchardError) throw err
    throw new OrchardError('export_failed', `无法写入错误文件：${(err as Error).message} / cannot write the error file`, { file: target, why: (err as Error).message })
  }
}

/**
 * Where the error file goes when no path is given: a folder of the run's own in exports/,
 * under the name of the file imported, so a download carries that name and no run's file
 * replaces another's.
 */
export function errorFileTarget(exportsDir: string, importId: string, sourceName: string, kind: RejectedSource['kind'], path?: string): { target: string; fileName: string } {
  if (path) return { target: resolve(path), fileName: basename(path) }
  const fileName = `${sourceName.replace(/\.[^.]+$/, '')}-错误行.${kind}`
  return { target: join(exportsDir, 'import-errors', importId, fileName), fileName }
}
