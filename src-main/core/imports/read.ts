import { readFileSync, statSync } from 'node:fs'
import { basename, extname } from 'node:path'
import ExcelJS from 'exceljs'
import Papa from 'papaparse'
import { OrchardError } from '../../../src-shared/errors'

export interface Table {
  fileName: string
  encoding: string
  sheets: string[]
  headers: string[]
  /** Data rows, cells as text, aligned with headers. */
  rows: string[][]
  /** The spreadsheet row number of each data row (the header is row 1). */
  rowNumbers: number[]
}

/**
 * Chinese spreadsheet software saves CSV as UTF-8 (often with a BOM) or as GBK.
 * A file that decodes as strict UTF-8 is UTF-8; anything else is read as GB18030,
 * the superset of GBK.
 */
export function decodeCsv(bytes: Buffer): { text: string; encoding: string } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: new TextDecoder('utf-8').decode(bytes.subarray(3)), encoding: 'UTF-8 (BOM)' }
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'UTF-8' }
  } catch {
    return { text: new TextDecoder('gb18030').decode(bytes), encoding: 'GB18030 (GBK)' }
  }
}

export function parseCsvText(text: string, fileName: string, encoding: string): Table {
  const parsed = Papa.parse<string[]>(text, { skipEmptyLines: 'greedy' })
  const fatal = parsed.errors.find((e) => e.type === 'Quotes')
  if (fatal) {
    throw new OrchardError('import_unreadable', `CSV 格式错误（第 ${(fatal.row ?? 0) + 1} 行）：${fatal.message} / malformed CSV`, {
      file: fileName,
      row: (fatal.row ?? 0) + 1,
      why: fatal.message,
    })
  }
  const [header, ...data] = parsed.data
  if (!header || header.every((h) => !h.trim())) {
    throw new OrchardError('import_no_header', `文件没有表头行 / the file has no header row`, { file: fileName, row: 1 })
  }
  const headers = header.map((h) => h.trim())
  return {
    fileName,
    encoding,
    sheets: [],
    headers,
    rows: data.map((r) => headers.map((_, i) => (r[i] ?? '').trim())),
    rowNumbers: data.map((_, i) => i + 2),
  }
}

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return ''
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'number') return String(Number(value.toPrecision(15)))
  if (typeof value === 'object') {
    if ('richText' in value) return value.richText.map((r) => r.text).join('')
    if ('result' in value) return cellText(value.result as ExcelJS.CellValue)
    if ('text' in value) return String(value.text)
    if ('error' in value) return ''
  }
  return String(value).trim()
}

export async function readTable(path: string, sheet?: string): Promise<Table> {
  const fileName = basename(path)
  let size: number
  try {
    size = statSync(path).size
  } catch {
    throw new OrchardError('import_file_missing', `找不到文件 / file not found: ${path}`, { file: path })
  }
  if (size === 0) throw new OrchardError('import_empty', `文件是空的 / the file is empty`, { file: fileName })
  if (extname(path).toLowerCase() === '.xlsx') {
    const book = new ExcelJS.Workbook()
    try {
      await book.xlsx.readFile(path)
    } catch (err) {
      throw new OrchardError('import_unreadable', `无法读取 Excel 文件 / cannot read the Excel file: ${(err as Error).message}`, { file: fileName, why: (err as Error).message })
    }
    const sheets = book.worksheets.map((w) => w.name)
    const ws = sheet ? book.getWorksheet(sheet) : book.worksheets[0]
    if (!ws) throw new OrchardError('import_no_sheet', `找不到工作表 ${sheet ?? ''} / sheet not found`, { file: fileName, sheet, sheets })
    const raw: { n: number; cells: string[] }[] = []
    ws.eachRow({ includeEmpty: false }, (row, n) => {
      const cells: string[] = []
      row.eachCell({ includeEmpty: true }, (cell, col) => (cells[col - 1] = cellText(cell.value)))
      if (cells.some((c) => c)) raw.push({ n, cells })
    })
    const [head, ...data] = raw
    if (!head) throw new OrchardError('import_no_header', `工作表没有表头行 / the sheet has no header row`, { file: fileName, sheet: ws.name, row: 1 })
    const headers = Array.from({ length: head.cells.length }, (_, i) => (head.cells[i] ?? '').trim())
    return {
      fileName,
      encoding: 'XLSX',
      sheets,
      headers,
      rows: data.map((r) => headers.map((_, i) => (r.cells[i] ?? '').trim())),
      rowNumbers: data.map((r) => r.n),
    }
  }
  const { text, encoding } = decodeCsv(readFileSync(path))
  return parseCsvText(text, fileName, encoding)
}
