import { isAscii, isUtf8 } from 'node:buffer'
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs'
import { basename, extname } from 'node:path'
import { Transform, type Readable } from 'node:stream'
import type ExcelJS from 'exceljs'
import Papa from 'papaparse'
import yauzl from 'yauzl'
import { OrchardError } from '../../../src-shared/errors'

/**
 * Files are read a batch of rows at a time, never whole: a workbook or CSV of any
 * size costs about the memory of one batch, and a file that unpacks to more than a
 * studio's book could hold (a zip bomb, a runaway cell) is refused with the limit
 * it broke and how to raise it, before it can exhaust the machine.
 */

/** A sheet of text cells, whatever file it came from (all of it, or the batch being validated). */
export interface Table {
  fileName: string
  /** How the file was read: "UTF-8", "UTF-8 (BOM)", "GB18030 (GBK)", "UTF-16 LE", "UTF-16 BE" or "XLSX". */
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

export interface ImportLimits {
  /** Data rows a file may have. */
  maxRows: number
  /** Characters one cell may hold. */
  maxCellChars: number
  /** Megabytes of text a file may unpack to: a CSV's size; a workbook's sheet, shared strings and styles. */
  maxMegabytes: number
}

/**
 * As much as a spreadsheet can hold: Excel and WPS stop at 1,048,576 rows and 32,767
 * characters per cell, so no file they saved is refused. A million-row customer book
 * unpacks to about 400 MB.
 */
export const DEFAULT_IMPORT_LIMITS: ImportLimits = { maxRows: 1_048_576, maxCellChars: 32_767, maxMegabytes: 1024 }

/** The environment variable that raises each limit (for the desktop app, browser mode and the CLI alike). */
export const IMPORT_LIMIT_SETTINGS: Record<keyof ImportLimits, string> = {
  maxRows: 'ORCHARD_IMPORT_MAX_ROWS',
  maxCellChars: 'ORCHARD_IMPORT_MAX_CELL_CHARS',
  maxMegabytes: 'ORCHARD_IMPORT_MAX_MB',
}

export function importLimits(env: NodeJS.ProcessEnv = process.env): ImportLimits {
  const limits = { ...DEFAULT_IMPORT_LIMITS }
  for (const key of Object.keys(IMPORT_LIMIT_SETTINGS) as (keyof ImportLimits)[]) {
    const setting = IMPORT_LIMIT_SETTINGS[key]
    const raw = env[setting]?.trim()
    if (!raw) continue
    if (!/^\d{1,12}$/.test(raw) || Number(raw) < 1) {
      throw new OrchardError('invalid_setting', `环境变量 ${setting} 应为正整数：${raw} / ${setting} must be a positive whole number`, { setting, value: raw })
    }
    limits[key] = Number(raw)
  }
  return limits
}

const fmt = (n: number) => n.toLocaleString('en-US')

function tooManyRows(fileName: string, row: number, limits: ImportLimits, sheet?: string): OrchardError {
  const setting = IMPORT_LIMIT_SETTINGS.maxRows
  return new OrchardError(
    'import_too_many_rows',
    `文件超过 ${fmt(limits.maxRows)} 行数据的上限（第 ${row} 行）。请拆分文件，或设置环境变量 ${setting} 提高上限 / ` +
      `the file has more than ${fmt(limits.maxRows)} data rows (row ${row}); split it, or raise the limit with ${setting}`,
    { file: fileName, sheet, row, limit: limits.maxRows, setting },
  )
}

function cellTooLong(fileName: string, row: number, column: string | undefined, length: number | undefined, value: string, limits: ImportLimits, sheet?: string): OrchardError {
  const setting = IMPORT_LIMIT_SETTINGS.maxCellChars
  const where = column ? `第 ${row} 行「${column}」列` : `第 ${row} 行`
  const whereEn = column ? `row ${row}, column ${column}` : `row ${row}`
  const size = length === undefined ? `超过 ${fmt(limits.maxCellChars)} 个字符` : `有 ${fmt(length)} 个字符`
  const sizeEn = length === undefined ? `more than ${fmt(limits.maxCellChars)} characters` : `${fmt(length)} characters`
  return new OrchardError(
    'import_cell_too_long',
    `${where}${size}，超过单元格 ${fmt(limits.maxCellChars)} 个字符的上限${column ? '' : '（或有引号没有闭合）'}。请检查该单元格，或设置环境变量 ${setting} 提高上限 / ` +
      `${whereEn}: ${sizeEn}, above the limit of ${fmt(limits.maxCellChars)} per cell${column ? '' : ' (or a quote left open)'}; check the cell, or raise the limit with ${setting}`,
    { file: fileName, sheet, row, column, length, value: value.length > 40 ? `${value.slice(0, 40)}…` : value, limit: limits.maxCellChars, setting },
  )
}

function tooLarge(fileName: string, bytes: number, limits: ImportLimits, part?: string): OrchardError {
  const setting = IMPORT_LIMIT_SETTINGS.maxMegabytes
  const mb = Math.ceil(bytes / 1024 / 1024)
  return new OrchardError(
    'import_too_large',
    `文件${part ? '解压后' : ''}超过 ${fmt(limits.maxMegabytes)} MB 的上限（${part ? `解压后至少 ${fmt(mb)} MB` : `${fmt(mb)} MB`}）。请拆分文件，或设置环境变量 ${setting} 提高上限 / ` +
      `the file ${part ? 'unpacks to' : 'is'} ${part ? 'at least ' : ''}${fmt(mb)} MB, above the limit of ${fmt(limits.maxMegabytes)} MB; split it, or raise the limit with ${setting}`,
    { file: fileName, part, megabytes: mb, limit: limits.maxMegabytes, setting },
  )
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

const isBlank = (cells: string[]) => cells.every((c) => c === '' || c === undefined || c.trim() === '')

/** One record of the file: its row number as a spreadsheet shows it, and its cells. */
interface FileRecord {
  n: number
  cells: string[]
}

/** What a file format gives the table reader: its records a batch at a time. */
interface RecordSource {
  encoding: string
  sheets: string[]
  sheet?: string
  /** The next records (an empty batch only at the end). */
  next(): Promise<FileRecord[]>
  /** True once the last records were handed out. */
  readonly done: boolean
  /** About how many records the whole file has, from what was read so far. */
  estimate(recordsRead: number): number
  close(): void
}

/** Up to `max` more data rows and their row numbers; no rows at the end of the file. */
export interface RowBatch {
  rows: string[][]
  rowNumbers: number[]
}

/** A file opened for reading: its header is read, its rows come a batch at a time. */
export class TableReader {
  readonly headers: string[]
  private queue: FileRecord[] = []
  private queued = 0
  private ended = false
  private dataRows = 0
  private records = 0

  private constructor(
    readonly fileName: string,
    private readonly source: RecordSource,
    private readonly limits: ImportLimits,
    header: FileRecord,
    rest: FileRecord[],
    recordsRead: number,
  ) {
    this.checkCells(header, undefined)
    this.headers = headerNames(header.cells)
    this.queue = rest
    this.records = recordsRead
  }

  static async open(fileName: string, source: RecordSource, limits: ImportLimits): Promise<TableReader> {
    let read = 0
    try {
      // The header is the first record with something in it.
      for (;;) {
        const batch = await source.next()
        if (!batch.length) {
          throw new OrchardError('import_no_header', `${source.sheet ? `工作表「${source.sheet}」` : '文件'}没有表头行（第一行应为列名）/ no header row found`, {
            file: fileName,
            sheet: source.sheet,
            row: 1,
          })
        }
        read += batch.length
        const at = batch.findIndex((r) => !isBlank(r.cells))
        if (at >= 0) return new TableReader(fileName, source, limits, batch[at], batch.slice(at + 1), read)
      }
    } catch (err) {
      source.close()
      throw err
    }
  }

  get encoding(): string {
    return this.source.encoding
  }

  get sheets(): string[] {
    return this.source.sheets
  }

  get sheet(): string | undefined {
    return this.source.sheet
  }

  /** Data rows handed out so far. */
  get rowsRead(): number {
    return this.dataRows
  }

  get finished(): boolean {
    return this.ended && this.queued >= this.queue.length
  }

  /** About how many data rows the file has: exact once it was read to the end. */
  estimatedRows(): number {
    if (this.ended || this.source.done) {
      let queued = 0
      for (let i = this.queued; i < this.queue.length; i++) if (!isBlank(this.queue[i].cells)) queued++
      return this.dataRows + queued
    }
    const records = this.source.estimate(this.records)
    // Blank rows are rare; the records still queued are data rows or nothing.
    return Math.max(this.dataRows + this.queue.length - this.queued, Math.round(records) - 1)
  }

  async next(max: number): Promise<RowBatch> {
    const rows: string[][] = []
    const rowNumbers: number[] = []
    while (rows.length < max) {
      if (this.queued >= this.queue.length) {
        if (this.ended) break
        this.queue = await this.source.next()
        this.queued = 0
        this.records += this.queue.length
        if (!this.queue.length) {
          this.ended = true
          this.source.close()
          break
        }
        continue
      }
      const record = this.queue[this.queued++]
      if (isBlank(record.cells)) continue
      if (++this.dataRows > this.limits.maxRows) {
        this.close()
        throw tooManyRows(this.fileName, record.n, this.limits, this.sheet)
      }
      this.checkCells(record, this.headers)
      rows.push(fitRow(record.cells, this.headers.length))
      rowNumbers.push(record.n)
    }
    return { rows, rowNumbers }
  }

  /** Every remaining row, for the callers that want the whole table (small files: activity logs, benchmarks). */
  async readAll(): Promise<Table> {
    const table: Table = { fileName: this.fileName, encoding: this.encoding, sheets: this.sheets, headers: this.headers, rows: [], rowNumbers: [] }
    for (;;) {
      const batch = await this.next(10_000)
      if (!batch.rows.length) return table
      for (let i = 0; i < batch.rows.length; i++) {
        table.rows.push(batch.rows[i])
        table.rowNumbers.push(batch.rowNumbers[i])
      }
    }
  }

  close(): void {
    this.ended = true
    this.queue = []
    this.queued = 0
    this.source.close()
  }

  private checkCells(record: FileRecord, headers: string[] | undefined): void {
    const max = this.limits.maxCellChars
    for (let i = 0; i < record.cells.length; i++) {
      const v = record.cells[i]
      if (v !== undefined && v.length > max) {
        this.close()
        throw cellTooLong(this.fileName, record.n, headers ? (headers[i] ?? `列${i + 1}`) : `列${i + 1}`, v.length, v, this.limits, this.sheet)
      }
    }
  }
}

/** A data row, trimmed and fitted to the header. */
function fitRow(row: string[], width: number): string[] {
  // The parser's own arrays are reused (trimmed and fitted to the header) rather than copied: a large file is mostly this.
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
  return row
}

// ---------------------------------------------------------------- CSV

/** Bytes read from disk at a time. */
const BLOCK_BYTES = 1024 * 1024
/** Bytes looked at before deciding the encoding and before the parser guesses the delimiter from the first text. */
const SNIFF_BYTES = 64 * 1024

/** Why the text stopped before the end of the file: the line it stopped at is refused, as the row it is. */
type Stop = (row: number) => OrchardError

/**
 * The file's text, decoded strictly: UTF-8 (with or without a BOM), GBK / GB18030 as Excel
 * and WPS save CSV on Chinese Windows, or UTF-16 with a BOM (Excel's "Unicode text").
 * The encoding is the one of the first line that is not plain ASCII; a later line in
 * another encoding (a row pasted from elsewhere) would import garbled, so the text
 * stops before it and the reader refuses that row — a file must be one encoding.
 */
class CsvText {
  encoding = 'UTF-8'
  stop: Stop | null = null
  /** Bytes of the file turned into the text handed out so far. */
  bytesDecoded = 0

  constructor(
    private readonly bytes: AsyncIterable<Uint8Array>,
    private readonly fileName: string,
    private readonly limits: ImportLimits,
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<string> {
    const input = this.bytes[Symbol.asyncIterator]()
    const head: Buffer[] = []
    let headLength = 0
    let done = false
    while (headLength < SNIFF_BYTES) {
      const r = await input.next()
      if (r.done) {
        done = true
        break
      }
      head.push(Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength))
      headLength += r.value.byteLength
    }
    let first = Buffer.concat(head)
    const rest = async function* (): AsyncGenerator<Buffer> {
      if (done) return
      for (;;) {
        const r = await input.next()
        if (r.done) return
        yield Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength)
      }
    }
    if (first[0] === 0xff && first[1] === 0xfe && first[2] === 0 && first[3] === 0) throw this.unsupported('UTF-32')
    if (first[0] === 0 && first[1] === 0 && first[2] === 0xfe && first[3] === 0xff) throw this.unsupported('UTF-32')
    const utf16 = first[0] === 0xff && first[1] === 0xfe ? 'le' : first[0] === 0xfe && first[1] === 0xff ? 'be' : utf16WithoutBom(first)
    if (utf16) {
      yield* this.utf16(utf16, first, rest())
      return
    }
    let decided: 'utf-8' | 'gb18030' | null = null
    if (first[0] === 0xef && first[1] === 0xbb && first[2] === 0xbf) {
      first = first.subarray(3)
      decided = 'utf-8'
      this.encoding = 'UTF-8 (BOM)'
    }
    yield* this.lines(first, rest(), decided)
  }

  private unsupported(encoding: string): OrchardError {
    return new OrchardError(
      'import_encoding',
      `不支持 ${encoding} 编码的文件，请另存为 UTF-8 或 GBK 的 CSV / ${encoding} files are not supported; save the file as CSV in UTF-8 or GBK`,
      { file: this.fileName, encoding },
    )
  }

  /** UTF-8 and GBK: bytes split at line ends, so each line is checked and decoded whole. */
  private async *lines(first: Buffer, more: AsyncGenerator<Buffer>, decided: 'utf-8' | 'gb18030' | null): AsyncGenerator<string> {
    // Lines end at LF (also CRLF), or at CR in files that have no LF at all.
    const lf = first.indexOf(0x0a) >= 0 || first.indexOf(0x0d) < 0
    const brk = lf ? 0x0a : 0x0d
    let encoding = decided
    const utf8 = new TextDecoder('utf-8')
    const gb = new TextDecoder('gb18030')
    // A line longer than this holds a cell over the limit (or a quote never closed): the same row is refused.
    const maxLineBytes = this.limits.maxCellChars * 64 * 4
    let carry: Buffer[] = []
    let carryLength = 0
    let chunk = first
    // One chunk ahead: the last block takes the last line with it (it has no line break after it).
    let ahead = await more.next()
    for (;;) {
      const eof = ahead.done === true
      const last = eof ? chunk.length - 1 : chunk.lastIndexOf(brk)
      if (!eof && last < 0) {
        carry.push(chunk)
        carryLength += chunk.length
        if (carryLength > maxLineBytes) {
          this.stop = (row) => cellTooLong(this.fileName, row, undefined, undefined, '', this.limits)
          return
        }
      } else {
        const parts = [...carry, chunk.subarray(0, last + 1)]
        const block = parts.length === 1 ? parts[0] : Buffer.concat(parts)
        carry = last + 1 < chunk.length ? [chunk.subarray(last + 1)] : []
        carryLength = carry.length ? carry[0].length : 0
        if (!encoding && !isAscii(block)) {
          encoding = firstNonAsciiLineIsUtf8(block, brk) ? 'utf-8' : 'gb18030'
          this.encoding = encoding === 'utf-8' ? 'UTF-8' : 'GB18030 (GBK)'
        }
        const bad = encoding === 'utf-8' ? (isUtf8(block) ? -1 : firstLine(block, brk, (line) => !isUtf8(line))) : encoding === 'gb18030' ? firstLine(block, brk, isUtf8Text) : -1
        if (bad >= 0) {
          // The lines before it are read; the reader refuses the row this line is.
          if (bad > 0) yield (encoding === 'utf-8' ? utf8 : gb).decode(block.subarray(0, bad))
          this.stop = this.mixed(encoding!, block.subarray(bad, lineEnd(block, bad, brk)))
          return
        }
        this.bytesDecoded += block.length
        if (block.length) yield (encoding === 'gb18030' ? gb : utf8).decode(block)
      }
      if (eof) return
      chunk = ahead.value as Buffer
      ahead = await more.next()
    }
  }

  /** A line in the other encoding; its value shows it decoded as what it is (统一码乙, not 缁熶竴鐮佷箼). */
  private mixed(encoding: 'utf-8' | 'gb18030', line: Buffer): Stop {
    const fileEncoding = encoding === 'utf-8' ? 'UTF-8' : 'GBK'
    const lineEncoding = encoding === 'utf-8' ? 'GBK' : 'UTF-8'
    const text = new TextDecoder(encoding === 'utf-8' ? 'gb18030' : 'utf-8').decode(line).replace(/[\r\n]+$/, '')
    return (row) =>
      new OrchardError(
        'import_mixed_encoding',
        `第 ${row} 行是 ${lineEncoding} 编码，而文件的其余部分是 ${fileEncoding}：这一行导入会变成乱码。请把整个文件另存为同一种编码（推荐 UTF-8）后再导入 / ` +
          `row ${row} is encoded as ${lineEncoding} while the rest of the file is ${fileEncoding}, so it would import garbled; save the whole file in one encoding (UTF-8 recommended) and import it again`,
        { file: this.fileName, row, encoding: fileEncoding, rowEncoding: lineEncoding, value: text.length > 80 ? `${text.slice(0, 80)}…` : text },
      )
  }

  /** UTF-16: decoded as it comes; a unit that is not UTF-16 (a lone surrogate, an odd byte) stops the text at its line. */
  private async *utf16(endian: 'le' | 'be', first: Buffer, more: AsyncGenerator<Buffer>): AsyncGenerator<string> {
    this.encoding = endian === 'le' ? 'UTF-16 LE' : 'UTF-16 BE'
    const label = endian === 'le' ? 'utf-16le' : 'utf-16be'
    const strict = new TextDecoder(label, { fatal: true })
    let chunk: Buffer | null = first
    let pending = Buffer.alloc(0)
    for (;;) {
      const bytes: Buffer = chunk ? (pending.length ? Buffer.concat([pending, chunk]) : chunk) : pending
      try {
        const text = strict.decode(bytes, { stream: chunk !== null })
        this.bytesDecoded += bytes.length
        yield text
        pending = Buffer.alloc(0)
      } catch {
        const text = new TextDecoder(label).decode(bytes)
        const at = text.indexOf('\uFFFD')
        const start = Math.max(text.lastIndexOf('\n', at), text.lastIndexOf('\r', at)) + 1
        if (start > 0) yield text.slice(0, start)
        const line = text.slice(start, text.slice(start).search(/[\r\n]|$/) + start)
        this.stop = (row) =>
          new OrchardError(
            'import_encoding',
            `第 ${row} 行含有不是 ${this.encoding} 的字符，文件可能已损坏或混用了编码。请另存为 UTF-8 后再导入 / ` +
              `row ${row} holds characters that are not ${this.encoding}: the file is damaged or mixes encodings; save it as UTF-8 and import it again`,
            { file: this.fileName, row, encoding: this.encoding, value: line.length > 80 ? `${line.slice(0, 80)}…` : line },
          )
        return
      }
      if (!chunk) return
      const r = await more.next()
      chunk = r.done ? null : r.value
    }
  }
}

/**
 * A file saved as UTF-16 without a byte order mark shows itself by its zero bytes:
 * plain text has one in every other byte, on the same side.
 */
function utf16WithoutBom(head: Buffer): 'le' | 'be' | null {
  const n = Math.min(head.length, 1024) & ~1
  if (n < 8) return null
  let even = 0
  let odd = 0
  for (let i = 0; i < n; i += 2) {
    if (head[i] === 0) even++
    if (head[i + 1] === 0) odd++
  }
  const pairs = n / 2
  if (odd > pairs * 0.3 && even < pairs * 0.05) return 'le'
  if (even > pairs * 0.3 && odd < pairs * 0.05) return 'be'
  return null
}

function lineEnd(block: Buffer, start: number, brk: number): number {
  const end = block.indexOf(brk, start)
  return end < 0 ? block.length : end + 1
}

/** Where the first line for which `test` holds begins (-1: none). */
function firstLine(block: Buffer, brk: number, test: (line: Buffer) => boolean): number {
  for (let start = 0; start < block.length; ) {
    const end = lineEnd(block, start, brk)
    const line = block.subarray(start, end)
    if (!isAscii(line) && test(line)) return start
    start = end
  }
  return -1
}

function firstNonAsciiLineIsUtf8(block: Buffer, brk: number): boolean {
  const start = firstLine(block, brk, () => true)
  return isUtf8(block.subarray(start, lineEnd(block, start, brk)))
}

/**
 * A line of a GBK file that is UTF-8 text: valid UTF-8 with at least one character of
 * three bytes or more (Chinese is). GBK text is valid UTF-8 by accident only in rare
 * two-byte pairs (露 is C2 B6, "¶" in UTF-8), which this leaves alone.
 */
function isUtf8Text(line: Buffer): boolean {
  if (!isUtf8(line)) return false
  for (let i = 0; i < line.length; i++) if (line[i] >= 0xe0) return true
  return false
}

type PapaParser = { parse(input: string, baseIndex: number, ignoreLastRow: boolean): Papa.ParseResult<string[]> }

/** A CSV's records from its decoded text, parsed as it comes (Papa Parse's own streaming, driven one block at a time). */
function csvRecords(text: CsvText, fileName: string, size: number, limits: ImportLimits): RecordSource {
  const blocks = text[Symbol.asyncIterator]()
  let parser: PapaParser | null = null
  let partial = ''
  let base = 0
  let count = 0
  let finished = false
  let closed = false
  // Longer than this, a record that has not ended is a runaway cell or a quote never closed.
  const maxRecordChars = limits.maxCellChars * 64
  const quoteError = (errors: Papa.ParseError[], rows: number) => {
    const e = errors.find((x) => x.type === 'Quotes')
    if (!e) return
    const row = count + (e.row ?? rows - 1) + 1
    throw new OrchardError('import_unreadable', `CSV 格式错误：第 ${row} 行附近的引号没有闭合 / malformed CSV: unclosed quote near row ${row}`, {
      file: fileName,
      row,
      why: e.message,
    })
  }
  const records = (data: string[][]): FileRecord[] => {
    const out = new Array<FileRecord>(data.length)
    for (let i = 0; i < data.length; i++) out[i] = { n: ++count, cells: data[i] }
    return out
  }
  let ahead: IteratorResult<string> | null = null
  /** Bytes of the file behind the records handed out (for the estimate). */
  let parsedBytes = 0
  /** The end of the text: its last records, or the line the text stopped before. */
  const finish = (value: string): FileRecord[] => {
    finished = true
    if (!parser) {
      if (text.stop) throw text.stop(1)
      return []
    }
    const last = parser.parse(partial + value, base, Boolean(text.stop))
    quoteError(last.errors, last.data.length)
    // The text stopped before a line that is refused. The text before it ends at a line break, so
    // that line begins the next record, or continues the record whose quote is still open: either
    // way the record after the last one read.
    if (text.stop) throw text.stop(count + last.data.length + 1)
    return records(last.data)
  }
  return {
    get encoding() {
      return text.encoding
    },
    sheets: [],
    get done() {
      return finished
    },
    async next() {
      if (finished || closed) return []
      for (;;) {
        let r = ahead ?? (await blocks.next())
        ahead = null
        let value = r.done ? '' : r.value
        if (!parser && !r.done) {
          // Papa Parse guesses the delimiter and the line break from the first rows of the text: it is
          // given as much as it would look at in the whole text, so the guess is the same.
          while (value.length < SNIFF_BYTES && !(r = await blocks.next()).done) value += r.value
          const meta = Papa.parse<string[]>(value, { preview: 10 }).meta
          parser = new (Papa as unknown as { Parser: new (config: Papa.ParseConfig) => PapaParser }).Parser({
            delimiter: meta.delimiter,
            newline: meta.linebreak as Papa.ParseConfig['newline'],
            skipEmptyLines: false,
          })
        }
        if (r.done) return finish(value)
        parsedBytes = text.bytesDecoded
        // One text ahead: the last one is parsed to its end at once, so the count is known with the last rows.
        ahead = await blocks.next()
        if (ahead.done) return finish(value)
        const aggregate = partial + value
        const result = parser!.parse(aggregate, base, true)
        quoteError(result.errors, result.data.length)
        partial = aggregate.substring(result.meta.cursor - base)
        base = result.meta.cursor
        if (partial.length > maxRecordChars) throw cellTooLong(fileName, count + result.data.length + 1, undefined, undefined, '', limits)
        if (result.data.length) return records(result.data)
      }
    },
    estimate(recordsRead) {
      return parsedBytes ? (recordsRead * size) / parsedBytes : recordsRead
    },
    close() {
      closed = true
      void blocks.return?.(undefined)
    },
  }
}

/** Reads a CSV from its bytes, as they come (a file, or chunks in a test). */
export async function openCsv(bytes: AsyncIterable<Uint8Array>, fileName: string, size: number, limits: ImportLimits = importLimits()): Promise<TableReader> {
  const text = new CsvText(bytes, fileName, limits)
  return TableReader.open(fileName, csvRecords(text, fileName, size, limits), limits)
}

// ---------------------------------------------------------------- XLSX

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
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : wallClock(value)
  if ('richText' in value) return value.richText.map((r) => r.text ?? '').join('')
  if ('formula' in value || 'sharedFormula' in value) return cellText((value as ExcelJS.CellFormulaValue).result as ExcelJS.CellValue, numFmt)
  if ('text' in value) return typeof value.text === 'string' ? value.text : cellText(value.text as ExcelJS.CellValue)
  if ('error' in value) return String(value.error)
  return ''
}

/** Parts a workbook may have; more is not a workbook a studio saved. */
const MAX_ZIP_ENTRIES = 10_000

interface ZipParts {
  zip: yauzl.ZipFile
  entries: Map<string, yauzl.Entry>
}

function openZip(path: string): Promise<ZipParts> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('no zip'))
      const entries = new Map<string, yauzl.Entry>()
      zip.on('entry', (entry: yauzl.Entry) => {
        entries.set(entry.fileName, entry)
        if (entries.size > MAX_ZIP_ENTRIES) {
          zip.close()
          return reject(new Error(`more than ${MAX_ZIP_ENTRIES} parts`))
        }
        zip.readEntry()
      })
      zip.on('end', () => resolve({ zip, entries }))
      zip.on('error', reject)
      zip.readEntry()
    })
  })
}

/**
 * A part of the workbook as text. Its bytes count against the file's budget as they
 * are inflated (a part that inflates to more than its size claims is stopped by yauzl),
 * it is decoded across chunk boundaries (a character split between two chunks stays
 * one character), and a stretch of text longer than any cell may be is stopped
 * before the XML parser holds it: text in XML runs between two '<'.
 */
function partText(zip: yauzl.ZipFile, entry: yauzl.Entry, budget: { left: number; read: number }, maxTextBytes: number, onLongText: () => Error, onBudget: () => Error): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, raw) => {
      if (err || !raw) return reject(err ?? new Error('no stream'))
      const decoder = new TextDecoder('utf-8')
      let run = 0
      const guard = new Transform({
        readableObjectMode: true,
        transform(chunk: Buffer, _enc, done) {
          budget.left -= chunk.length
          budget.read += chunk.length
          if (budget.left < 0) return done(onBudget())
          let from = 0
          for (;;) {
            const lt = chunk.indexOf(0x3c, from)
            if (lt < 0) {
              run += chunk.length - from
              break
            }
            run = 0
            from = lt + 1
          }
          if (run > maxTextBytes) return done(onLongText())
          const text = decoder.decode(chunk, { stream: true })
          done(null, text.length ? text : undefined)
        },
        flush(done) {
          const text = decoder.decode()
          done(null, text.length ? text : undefined)
        },
      })
      raw.on('error', (e) => guard.destroy(e))
      guard.on('close', () => raw.destroy())
      resolve(raw.pipe(guard))
    })
  })
}

/** The parts of exceljs's streaming reader this uses; it reads parts in the order it is handed them. */
interface WorkbookInternals {
  model?: { sheets?: { name: string; id: number; rId: string }[] }
  workbookRels?: { Id: string; Target: string; Type: string }[]
  sharedStrings?: unknown[]
  _parseRels(entry: Readable): Promise<void>
  _parseWorkbook(entry: Readable): Promise<void>
  _parseStyles(entry: Readable): Promise<void>
  _parseSharedStrings(entry: Readable): AsyncGenerator<unknown>
  _parseWorksheet(iterator: AsyncIterable<unknown>, sheetNo: string): Generator<{ eventType: string; value: AsyncIterable<ExcelJS.Row> }>
}

/** A part's path from a relationship's target (relative to xl/, or absolute). */
const partPath = (target: string) => (target.startsWith('/') ? target.slice(1) : `xl/${target.replace(/^\.\//, '')}`)

/**
 * The first (or named) sheet of a workbook, one row at a time, with exceljs's streaming
 * reader: the zip's directory is read first (yauzl), the sizes its parts claim are
 * checked against the limit before anything is inflated, and only the parts the sheet
 * needs are read — the relationships, the workbook, the styles (dates and percentages),
 * the shared strings, then the sheet itself, as it is consumed.
 */
async function openXlsx(path: string, fileName: string, sheet: string | undefined, limits: ImportLimits): Promise<TableReader> {
  const unreadable = (err: unknown) =>
    err instanceof OrchardError
      ? err
      : new OrchardError('import_unreadable', `无法读取 Excel 文件，请确认它是 .xlsx 格式且未损坏 / cannot read the Excel file`, {
          file: fileName,
          why: (err as Error)?.message ?? String(err),
        })
  let parts: ZipParts
  try {
    parts = await openZip(path)
  } catch (err) {
    throw unreadable(err)
  }
  const { zip, entries } = parts
  let lastRow = 0
  let sheetName: string | undefined
  const budget = { left: limits.maxMegabytes * 1024 * 1024, read: 0 }
  const maxTextBytes = limits.maxCellChars * 10 + 1024
  const onBudget = () => tooLarge(fileName, limits.maxMegabytes * 1024 * 1024 + 1, limits, 'xlsx')
  const onLongText = () => cellTooLong(fileName, lastRow + 1, undefined, undefined, '', limits, sheetName)
  const text = (entry: yauzl.Entry) => partText(zip, entry, budget, maxTextBytes, onLongText, onBudget)
  let sheetStream: Readable | null = null
  let closed = false
  const close = () => {
    if (closed) return
    closed = true
    sheetStream?.destroy()
    zip.close()
  }
  try {
    const workbookEntry = entries.get('xl/workbook.xml')
    if (!workbookEntry) throw new Error('no xl/workbook.xml')
    const { default: Excel } = await import('exceljs')
    const book = new Excel.stream.xlsx.WorkbookReader(path, { sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', worksheets: 'emit', entries: 'ignore' }) as unknown as WorkbookInternals
    const relsEntry = entries.get('xl/_rels/workbook.xml.rels')
    if (relsEntry) await book._parseRels(await text(relsEntry))
    await book._parseWorkbook(await text(workbookEntry))
    const rels = book.workbookRels ?? []
    const sheets = book.model?.sheets ?? []
    const names = sheets.map((s) => s.name)
    const chosen = sheet ? sheets.find((s) => s.name === sheet) : sheets[0]
    const target = chosen && rels.find((r) => r.Id === chosen.rId)
    const sheetEntry = target && entries.get(partPath(target.Target))
    if (!chosen || !sheetEntry) {
      throw new OrchardError('import_no_sheet', `找不到工作表「${sheet ?? ''}」，可选：${names.join('、') || '（无）'} / sheet not found`, { file: fileName, sheet, sheets: names })
    }
    sheetName = chosen.name
    const byType = (type: string, fallback: string) => {
      const rel = rels.find((r) => r.Type?.endsWith(`/${type}`))
      return entries.get(rel ? partPath(rel.Target) : fallback)
    }
    const stylesEntry = byType('styles', 'xl/styles.xml')
    const stringsEntry = byType('sharedStrings', 'xl/sharedStrings.xml')
    const claimed = [workbookEntry, relsEntry, stylesEntry, stringsEntry, sheetEntry].reduce((sum, e) => sum + (e ? e.uncompressedSize : 0), 0)
    if (claimed > budget.left) throw tooLarge(fileName, claimed, limits, 'xlsx')
    if (stylesEntry) await book._parseStyles(await text(stylesEntry))
    if (stringsEntry) for await (const _ of book._parseSharedStrings(await text(stringsEntry))) void _
    sheetStream = await text(sheetEntry)
    const worksheet = book._parseWorksheet(sheetStream, '1').next().value!.value
    const rows = worksheet[Symbol.asyncIterator]()
    const sheetBytes = sheetEntry.uncompressedSize
    const readBefore = budget.read
    let done = false
    const source: RecordSource = {
      encoding: 'XLSX',
      sheets: names,
      sheet: chosen.name,
      get done() {
        return done
      },
      async next() {
        const out: FileRecord[] = []
        try {
          while (out.length < 2000) {
            const r = await rows.next()
            if (r.done) {
              done = true
              break
            }
            const row = r.value
            lastRow = row.number
            const cells: string[] = []
            row.eachCell({ includeEmpty: false }, (cell: ExcelJS.Cell, col: number) => {
              cells[col - 1] = cellText(cell.value, cell.numFmt)
            })
            for (let i = 0; i < cells.length; i++) if (cells[i] === undefined) cells[i] = ''
            out.push({ n: row.number, cells })
          }
        } catch (err) {
          close()
          throw unreadable(err)
        }
        return out
      },
      estimate(recordsRead) {
        const read = budget.read - readBefore
        return read > 0 && sheetBytes > 0 ? (recordsRead * sheetBytes) / read : recordsRead
      },
      close,
    }
    return await TableReader.open(fileName, source, limits)
  } catch (err) {
    close()
    throw unreadable(err)
  }
}

// ---------------------------------------------------------------- files

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

/** The file's name, size, and whether it is a workbook; refuses what cannot be read. */
function openSource(path: string, shownName?: string): { fileName: string; size: number; workbook: boolean } {
  const fileName = shownName ?? basename(path)
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
  return { fileName, size, workbook: ext === '.xlsx' || ext === '.xlsm' || startsWithZip(path) }
}

/** Opens a CSV (any of the encodings above) or the first (or named) sheet of an XLSX workbook, its header read. */
export async function openTable(path: string, sheet?: string, limits: ImportLimits = importLimits(), shownName?: string): Promise<TableReader> {
  const { fileName, size, workbook } = openSource(path, shownName)
  if (workbook) return openXlsx(path, fileName, sheet, limits)
  if (size > limits.maxMegabytes * 1024 * 1024) throw tooLarge(fileName, size, limits)
  return openCsv(createReadStream(path, { highWaterMark: BLOCK_BYTES }), fileName, size, limits)
}

/** Reads a whole table: for files that are small by nature (activity logs) and for benchmarks; the limits apply all the same. */
export async function readTable(path: string, sheet?: string, limits?: ImportLimits): Promise<Table> {
  const reader = await openTable(path, sheet, limits)
  try {
    return await reader.readAll()
  } finally {
    reader.close()
  }
}
