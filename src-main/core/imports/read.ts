import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs'
import { basename, extname } from 'node:path'
import type ExcelJS from 'exceljs'
import Papa from 'papaparse'
import { OrchardError } from '../../../src-shared/errors'

/** A sheet of text cells, whatever file it came from. */
export interface Table {
  fileName: string
  /** How the file was read: "UTF-8", "UTF-8 (BOM)", "GB18030 (GBK)" or "XLSX". */
  encoding: string
  /** Sheet names of a workbook (empty for CSV). */
  sheets: string[]
  /** Column headers, trimmed and made unique ("备注", "备注 (2)"). */
  headers: string[]
  /** Data rows, trimmed cells aligned with headers; empty rows are left out. */
  rows: string[][]
  /** The row number a spreadsheet shows for each data row (the header is usually row 1). */
  rowNumbers: number[]
}

/**
 * Chinese spreadsheet software saves CSV as UTF-8 (often with a BOM) or as GBK.
 * A file that decodes as strict UTF-8 is UTF-8; anything else is read as GB18030,
 * the superset of GBK that Excel and WPS write on Chinese Windows.
 */
export function decodeCsv(bytes: Uint8Array): { text: string; encoding: string } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: new TextDecoder('utf-8').decode(bytes.subarray(3)), encoding: 'UTF-8 (BOM)' }
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(bytes.subarray(2)), encoding: 'UTF-16' }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'UTF-8' }
  } catch {
    return { text: new TextDecoder('gb18030').decode(bytes), encoding: 'GB18030 (GBK)' }
  }
}

/** Unique, non-empty header names: mappings refer to columns by them. */
function headerNames(cells: string[]): string[] {
  const seen = new Map<string, number>()
  return cells.map((raw, i) => {
    const base = raw.trim() || `列${i + 1}`
    const n = (seen.get(base) ?? 0) + 1
    seen.set(base, n)
    return n === 1 ? base : `${base} (${n})`
  })
}

const isBlank = (cells: string[]) => cells.every((c) => c === '' || c.trim() === '')

/** Builds a table from records (arrays of cells) numbered from 1 as a spreadsheet numbers its rows. */
function toTable(records: { n: number; cells: string[] }[], fileName: string, encoding: string, sheets: string[], sheet?: string): Table {
  let start = 0
  while (start < records.length && isBlank(records[start].cells)) start++
  if (start === records.length) {
    throw new OrchardError('import_no_header', `${sheet ? `工作表「${sheet}」` : '文件'}没有表头行（第一行应为列名）/ no header row found`, {
      file: fileName,
      sheet,
      row: 1,
    })
  }
  const table: Table = { fileName, encoding, sheets, headers: headerNames(records[start].cells), rows: [], rowNumbers: [] }
  for (let r = start + 1; r < records.length; r++) addRow(table, records[r].cells, records[r].n)
  return table
}

/** A data row, trimmed and fitted to the header; blank rows are left out. */
function addRow(table: Table, row: string[], n: number): void {
  // The parser's own arrays are reused (trimmed and fitted to the header) rather than copied: a large file is mostly this.
  if (isBlank(row)) return
  const width = table.headers.length
  if (row.length !== width) {
    const had = row.length
    row.length = width
    for (let i = had; i < width; i++) row[i] = ''
  }
  for (let i = 0; i < width; i++) {
    const v = row[i]
    if (v === undefined) row[i] = ''
    else if (v.length && (v.charCodeAt(0) <= 32 || v.charCodeAt(v.length - 1) <= 32 || v.charCodeAt(0) === 0x3000 || v.charCodeAt(v.length - 1) === 0x3000)) row[i] = v.trim()
  }
  table.rows.push(row)
  table.rowNumbers.push(n)
}

export function parseCsvText(text: string, fileName: string, encoding: string): Table {
  // Empty lines are kept while parsing so every record keeps the row number a spreadsheet shows
  // (a quoted cell with line breaks is still one record, one row).
  const parsed = Papa.parse<string[]>(text, { skipEmptyLines: false })
  const fatal = parsed.errors.find((e) => e.type === 'Quotes')
  if (fatal) {
    const row = (fatal.row ?? 0) + 1
    throw new OrchardError('import_unreadable', `CSV 格式错误：第 ${row} 行附近的引号没有闭合 / malformed CSV: unclosed quote near row ${row}`, {
      file: fileName,
      row,
      why: fatal.message,
    })
  }
  const records = new Array<{ n: number; cells: string[] }>(parsed.data.length)
  for (let i = 0; i < parsed.data.length; i++) records[i] = { n: i + 1, cells: parsed.data[i] }
  return toTable(records, fileName, encoding, [])
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0')

/** Excel keeps a date as the wall-clock time in UTC fields; it is written back without an offset (the studio's zone applies). */
function wallClock(d: Date): string {
  const day = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
  const h = d.getUTCHours()
  const m = d.getUTCMinutes()
  const s = d.getUTCSeconds()
  return h || m || s ? `${day}T${pad(h)}:${pad(m)}:${pad(s)}` : day
}

/** A number as the spreadsheet shows it, without binary noise (1099.9, not 1099.9000000000001). */
const plainNumber = (n: number) => String(Number(n.toPrecision(15)))

function cellText(value: ExcelJS.CellValue, numFmt?: string): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number') {
    // A cell formatted as a percentage holds 0.12 for "12%".
    return numFmt && numFmt.includes('%') ? `${plainNumber(value * 100)}%` : plainNumber(value)
  }
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE'
  if (value instanceof Date) return wallClock(value)
  if ('richText' in value) return value.richText.map((r) => r.text).join('')
  if ('formula' in value || 'sharedFormula' in value) return cellText((value as ExcelJS.CellFormulaValue).result as ExcelJS.CellValue, numFmt)
  if ('text' in value) return typeof value.text === 'string' ? value.text : cellText(value.text as ExcelJS.CellValue)
  if ('error' in value) return String(value.error)
  return ''
}

async function readXlsx(path: string, fileName: string, sheet?: string): Promise<Table> {
  // Loaded when a workbook is read: a CSV import (and the thread that validates one) does without it.
  const { default: Excel } = await import('exceljs')
  const book = new Excel.Workbook()
  try {
    await book.xlsx.readFile(path)
  } catch (err) {
    throw new OrchardError('import_unreadable', `无法读取 Excel 文件，请确认它是 .xlsx 格式且未损坏 / cannot read the Excel file`, {
      file: fileName,
      why: (err as Error).message,
    })
  }
  const sheets = book.worksheets.map((w) => w.name)
  const ws = sheet ? book.getWorksheet(sheet) : book.worksheets[0]
  if (!ws) {
    throw new OrchardError('import_no_sheet', `找不到工作表「${sheet ?? ''}」，可选：${sheets.join('、') || '（无）'} / sheet not found`, { file: fileName, sheet, sheets })
  }
  const records: { n: number; cells: string[] }[] = []
  ws.eachRow({ includeEmpty: false }, (row, n) => {
    const cells: string[] = []
    row.eachCell({ includeEmpty: false }, (cell, col) => {
      cells[col - 1] = cellText(cell.value, cell.numFmt)
    })
    for (let i = 0; i < cells.length; i++) if (cells[i] === undefined) cells[i] = ''
    records.push({ n, cells })
  })
  return toTable(records, fileName, 'XLSX', sheets, ws.name)
}

function startsWithZip(path: string): boolean {
  const fd = openSync(path, 'r')
  try {
    const head = Buffer.alloc(4)
    readSync(fd, head, 0, 4, 0)
    return head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04
  } finally {
    closeSync(fd)
  }
}

/** The file's name, and whether it is a workbook; refuses what cannot be read. */
function openSource(path: string): { fileName: string; workbook: boolean } {
  const fileName = basename(path)
  let size: number
  try {
    const stat = statSync(path)
    if (!stat.isFile()) throw new Error('not a file')
    size = stat.size
  } catch {
    throw new OrchardError('import_file_missing', `找不到文件 ${path} / file not found`, { file: path })
  }
  if (size === 0) throw new OrchardError('import_empty', `文件是空的 / the file is empty`, { file: fileName })
  const ext = extname(path).toLowerCase()
  if (ext === '.xls' || ext === '.et' || ext === '.numbers') {
    throw new OrchardError('import_unsupported', `不支持 ${ext} 文件，请另存为 .xlsx 或 .csv / save the file as .xlsx or .csv`, { file: fileName })
  }
  // Workbooks are zip files; one renamed to .csv is still read as a workbook.
  return { fileName, workbook: ext === '.xlsx' || ext === '.xlsm' || startsWithZip(path) }
}

/** Reads a CSV (any of the encodings above) or the first (or named) sheet of an XLSX workbook. */
export async function readTable(path: string, sheet?: string): Promise<Table> {
  const { fileName, workbook } = openSource(path)
  if (workbook) return readXlsx(path, fileName, sheet)
  const { text, encoding } = decodeCsv(readFileSync(path))
  return parseCsvText(text, fileName, encoding)
}

/**
 * A table read in two parts: `table` holds the rows of the file's first records,
 * `rest()` appends the others to it. Together they are the table readTable gives;
 * a large CSV's first rows are ready at a fraction of the time of the whole file.
 */
export interface TableInParts {
  table: Table
  /** Reads the rest of the file into `table` (null: the table is whole). */
  rest: (() => void) | null
  /** About how many rows the whole table has. */
  estimatedRows: number
}

export async function readTableInParts(path: string, sheet: string | undefined, headRecords: number): Promise<TableInParts> {
  const { fileName, workbook } = openSource(path)
  if (workbook) {
    const table = await readXlsx(path, fileName, sheet)
    return { table, rest: null, estimatedRows: table.rows.length }
  }
  const { text, encoding } = decodeCsv(readFileSync(path))
  return parseCsvInParts(text, fileName, encoding, headRecords)
}

/**
 * parseCsvText in two parts. The first `headRecords` records are parsed one at a
 * time up to where the parser says the next record begins; the rest is parsed from
 * there with the delimiter and line break found for the whole text. Anything
 * unusual (a quote error, no header among the first records) parses the whole text
 * at once instead, so errors read exactly as parseCsvText's.
 */
export function parseCsvInParts(text: string, fileName: string, encoding: string, headRecords: number): TableInParts {
  const whole = (): TableInParts => {
    const table = parseCsvText(text, fileName, encoding)
    return { table, rest: null, estimatedRows: table.rows.length }
  }
  const records: { n: number; cells: string[] }[] = []
  let cursor = 0
  let delimiter = ''
  let linebreak: '\n' | '\r' | '\r\n' = '\n'
  let trouble = false
  Papa.parse<string[]>(text, {
    skipEmptyLines: false,
    step(results, parser) {
      if (results.errors.some((e) => e.type === 'Quotes')) {
        trouble = true
        parser.abort()
        return
      }
      records.push({ n: records.length + 1, cells: results.data })
      cursor = results.meta.cursor
      delimiter = results.meta.delimiter
      linebreak = results.meta.linebreak as typeof linebreak
      if (records.length === headRecords) parser.abort()
    },
  })
  if (trouble || !records.some((r) => !isBlank(r.cells))) return whole()
  const table = toTable(records, fileName, encoding, [])
  if (records.length < headRecords || cursor >= text.length) return { table, rest: null, estimatedRows: table.rows.length }
  const rest = () => {
    const parsed = Papa.parse<string[]>(text.slice(cursor), { skipEmptyLines: false, delimiter, newline: linebreak })
    if (parsed.errors.some((e) => e.type === 'Quotes')) {
      // Throws the whole text's own error; should it find none, its rows are the ones to keep.
      const all = parseCsvText(text, fileName, encoding)
      const from = all.rowNumbers.findIndex((n) => n > headRecords)
      if (from >= 0) for (let i = from; i < all.rows.length; i++) addRow(table, all.rows[i], all.rowNumbers[i])
      return
    }
    for (let i = 0; i < parsed.data.length; i++) addRow(table, parsed.data[i], headRecords + i + 1)
  }
  return { table, rest, estimatedRows: Math.round((table.rows.length * text.length) / cursor) }
}
