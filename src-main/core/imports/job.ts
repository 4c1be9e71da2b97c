import { randomFillSync } from 'node:crypto'
import { V7Generator } from 'uuidv7'
import { controlCharacter, controlMessage, visibleControls, type OlderOrder, type RowError } from '../../../src-shared/schemas'
import type { Db } from '../db/connection'
import { MASKED } from '../records/changes'
import type { Mapping, SourceFormat } from './fields'
import type { Table, TableReader } from './read'
import { CellError, unquote, type DateReader } from './values'

/** Fields whose text may run over several lines (or list items one per line). */
const MULTILINE_FIELDS = new Set(['notes', 'addresses', 'tags', 'phones', 'facts', 'images'])

/**
 * Errors a run keeps (returns in its report, records with the run); beyond them it only
 * counts. A file of a million bad rows is reported by its first errors and their
 * number, not held in memory (and in the run's record) a million times over.
 */
export const MAX_KEPT_ERRORS = 50_000

/** Rows read and validated at a time; between two batches validation gives the event loop a turn (and reports progress). */
export const YIELD_EVERY = 4000

/**
 * One import run while it validates: the file, the mapping, and the errors found so far.
 * The rows come a batch at a time (`table` holds the batch being validated), so a file
 * of any size is never in memory whole.
 */
export class ImportJob {
  /** The first MAX_KEPT_ERRORS errors. */
  readonly errors: RowError[] = []
  /** Every error found (rows are rejected by comparing it before and after). */
  errorCount = 0
  /** What was kept as given but looks wrong (the first MAX_KEPT_ERRORS): a warning never rejects a row. */
  readonly warnings: RowError[] = []
  warningCount = 0
  /**
   * Rows refused with no error of their own, and why (the other lines of an order refused
   * whole): the error file lists them with the rows that carry the errors, so a corrected
   * file brings the whole order back.
   */
  readonly companions = new Map<number, string>()
  /** The batch of rows being validated: row indexes below refer to it. */
  readonly table: Table
  /** Column index of each mapped field (-1 when the field is not imported). */
  private readonly columns: Record<string, number> = {}
  private done = 0

  constructor(
    readonly db: Db,
    readonly reader: TableReader,
    readonly mapping: Mapping,
    readonly format: SourceFormat,
    readonly dates: DateReader,
    /** The run's timestamp for created_at / updated_at. */
    readonly now: string,
    /** Reports validation progress and yields to the event loop. */
    readonly progress: (done: number) => Promise<void>,
    /** Orders: whether an older state in the file is taken (for all, or for the orders named). */
    readonly olderOrders: { apply: boolean; applyFor: ReadonlySet<string> } = { apply: false, applyFor: new Set() },
    /** Orders: the studio's currency and the rates this import was given for others. */
    readonly money: { currency: string; rates: Readonly<Record<string, string>> } = { currency: 'CNY', rates: {} },
  ) {
    this.table = { fileName: reader.fileName, encoding: reader.encoding, sheets: reader.sheets, headers: reader.headers, rows: [], rowNumbers: [] }
    for (const [field, header] of Object.entries(mapping)) this.columns[field] = header ? reader.headers.indexOf(header) : -1
  }

  /** Reads the next batch into `table`; false after the last. Between batches it reports progress and yields. */
  async nextBatch(): Promise<boolean> {
    const batch = await this.reader.next(YIELD_EVERY)
    if (batch.rows.length && this.done > 0) await this.progress(this.done)
    this.table.rows = batch.rows
    this.table.rowNumbers = batch.rowNumbers
    this.done += batch.rows.length
    return batch.rows.length > 0
  }

  /** Rows validated so far (the batch in hand included). */
  get rowsRead(): number {
    return this.done
  }

  mapped(field: string): boolean {
    return (this.columns[field] ?? -1) >= 0
  }

  /** Column index of a mapped field, -1 when the field is not imported. */
  columnOf(field: string): number {
    return this.columns[field] ?? -1
  }

  /** The trimmed text of a mapped cell ('' when the field is not mapped), with an export's formula guard removed. */
  cell(row: string[], field: string): string {
    const i = this.columns[field] ?? -1
    return i < 0 ? '' : unquote(row[i])
  }

  /** The raw text of a column by header name (columns the mapping does not cover, such as Shopify's Tags). */
  column(row: string[], header: string): string {
    const i = this.table.headers.indexOf(header)
    return i < 0 ? '' : row[i]
  }

  rowNumber(rowIndex: number): number {
    return this.table.rowNumbers[rowIndex]
  }

  /** Records a located error: the column is named as the file names it. */
  reject(rowIndex: number, field: string, value: string, code: string, reason: string): void {
    this.rejectRow(this.table.rowNumbers[rowIndex], field, value, code, reason)
  }

  /** The same, by the row's number in the file: for what is only found once every row is read (a member's mentor). */
  rejectRow(row: number, field: string, value: string, code: string, reason: string): void {
    if (++this.errorCount > MAX_KEPT_ERRORS) return
    this.errors.push({ row, column: this.mapping[field] ?? field, value, reason, code })
  }

  /** Records a located error for a row of an earlier batch, by its row number (an order judged once all its rows are read). */
  rejectAt(row: number, field: string, value: string, code: string, reason: string): void {
    if (++this.errorCount > MAX_KEPT_ERRORS) return
    this.errors.push({ row, column: this.mapping[field] ?? field, value, reason, code })
  }

  /** Records a located warning: the value is kept as given, the row is not rejected. */
  warn(rowIndex: number, field: string, value: string, code: string, reason: string): void {
    if (++this.warningCount > MAX_KEPT_ERRORS) return
    this.warnings.push({ row: this.table.rowNumbers[rowIndex], column: this.mapping[field] ?? field, value, reason, code })
  }

  /**
   * A buyer's contact detail (phone, e-mail, address, name): never a reason to refuse an
   * order, since no money depends on it. What the check finds wrong is a warning and the
   * value is kept as the file gave it — control characters shown as visible marks rather
   * than stored, and a value longer than the column allows cut at its limit.
   */
  contact(row: string[], rowIndex: number, field: string, max: number, check?: (s: string) => string | null): string | undefined {
    const value = this.cell(row, field)
    if (value === '') return undefined
    // A masked rendering copied from a screen (138****8000) is no contact: stored, it would stand in for the buyer's real one for the whole team.
    if (MASKED.test(value)) {
      this.reject(rowIndex, field, value, 'masked_value', `是打码后的显示值，不是真实内容，不能保存 / a masked rendering, not a value: it cannot be stored`)
      return undefined
    }
    const found = controlCharacter(value, false)
    if (found) {
      const shown = visibleControls(value)
      const [zh, en = zh] = controlMessage(found).split(' / ')
      this.warn(rowIndex, field, shown, 'control_character', `${zh}，已改为可见符号保存 / ${en}: kept with it shown as a visible mark`)
      return shown.slice(0, max)
    }
    if (value.length > max) {
      this.warn(rowIndex, field, value, 'too_long', `内容过长（最多 ${max} 个字），已截断保存 / longer than ${max} characters: kept cut to ${max}`)
      return value.slice(0, max)
    }
    const problem = check?.(value)
    if (problem) {
      const [zh, en = zh] = problem.split(' / ')
      this.warn(rowIndex, field, value, `invalid_${field}`, `${zh}，订单照常导入，值按原样保存 / ${en}: the order is imported, the value kept as given`)
    }
    return value
  }

  /**
   * Refuses a cell with control characters (false): text with a NUL or half a surrogate
   * pair is never stored; one-line fields (names, codes) take no line break or tab either.
   */
  plain(rowIndex: number, field: string, value: string): boolean {
    const found = controlCharacter(value, MULTILINE_FIELDS.has(field))
    if (!found) return true
    this.reject(rowIndex, field, visibleControls(value), 'control_character', `${controlMessage(found)}，请删除后再导入 / remove it and import again`)
    return false
  }

  /**
   * Reads a mapped cell through a parser. Empty cells give undefined (or a
   * "required" error); a CellError becomes a located row error.
   */
  read<T>(row: string[], rowIndex: number, field: string, parse: (s: string) => T, required = false): T | undefined {
    const value = this.cell(row, field)
    if (value === '') {
      if (required) this.reject(rowIndex, field, '', 'required', '必填项为空 / required value is empty')
      return undefined
    }
    if (!this.plain(rowIndex, field, value)) return undefined
    try {
      return parse(value)
    } catch (err) {
      if (!(err instanceof CellError)) throw err
      this.reject(rowIndex, field, value, err.code, err.reason)
      return undefined
    }
  }

  /** A text cell with a length limit (the same limits the console's forms keep). */
  text(row: string[], rowIndex: number, field: string, max: number, required = false): string | undefined {
    const value = this.read(row, rowIndex, field, (s) => s, required)
    if (value !== undefined && value.length > max) {
      this.reject(rowIndex, field, value, 'too_long', `内容过长（最多 ${max} 个字）/ longer than ${max} characters`)
      return undefined
    }
    return value
  }
}

/**
 * A parser remembered per distinct cell text: columns such as class, segment, status or
 * an invite code hold a handful of values over thousands of rows.
 */
export function remembered<T>(parse: (s: string) => T, limit = 1000): (s: string) => T {
  const seen = new Map<string, T | CellError>()
  return (s) => {
    let hit = seen.get(s)
    if (hit === undefined) {
      try {
        hit = parse(s)
      } catch (err) {
        if (!(err instanceof CellError)) throw err
        hit = err
      }
      if (seen.size < limit) seen.set(s, hit)
    }
    if (hit instanceof CellError) throw hit
    return hit
  }
}

/**
 * Ids for the rows of one run: the same time-ordered UUIDv7 as newId(), with the
 * random bits drawn from the system generator a few thousand at a time rather
 * than eight per call (a large import is 100,000 ids).
 */
export function idSource(): () => string {
  const buffer = new Uint32Array(4096)
  let cursor = buffer.length
  const generator = new V7Generator({
    nextUint32() {
      if (cursor === buffer.length) {
        randomFillSync(buffer)
        cursor = 0
      }
      return buffer[cursor++]
    },
  })
  return () => generator.generate().toString()
}

/** What validation decided; `write` runs inside the run's one transaction. */
export interface ImportPlan {
  inserted: number
  updated: number
  unchanged: number
  rejectedRows: number
  unattributedOrders: number
  /** Orders the file shows older than the studio holds. */
  olderOrders?: OlderOrder[]
  /** Customers joining groups (社群): [customer id, group id], written with the run's record (recordImport). */
  groupJoins?: [string, string][]
  /** Orders the write changes, and which of their fields: [order id, field] (recordImport). */
  orderUpdates?: [string, string][]
  /** Tables the write changes, for data.changed. */
  entities: string[]
  write(importId: string): void
}

export const duplicateReason = (what: string, firstRow: number) => `与第 ${firstRow} 行的${what}重复 / same ${whatEn[what] ?? what} as row ${firstRow}`
const whatEn: Record<string, string> = { 手机号: 'phone', 微信号: 'WeChat id', 商品编码: 'SKU', 订单号: 'order number', 客户: 'customer' }

/** Invite codes of the studio's members (matched regardless of case, as findMemberByInviteCode does), loaded once per run. */
export function memberCodes(db: Db): Map<string, string> {
  const codes = new Map<string, string>()
  for (const r of db.prepare('SELECT id, invite_code FROM members').iterate() as Iterable<{ id: string; invite_code: string }>) {
    codes.set(r.invite_code.toUpperCase(), r.id)
  }
  return codes
}

/** An index as the schema defines it, to be created again. */
export interface IndexDefinition {
  name: string
  sql: string
}

/**
 * Drops the secondary indexes of the given tables (but those `keep` wants, by their
 * columns) before a bulk insert much larger than the tables, returning their
 * definitions (read from the schema itself) for restoreIndexes: building an index
 * from sorted rows is several times faster than growing it one row at a time. Both
 * run inside the run's transaction, so a failure rolls the indexes back with the rows.
 */
export function dropIndexes(db: Db, tables: string[], keep: (columns: string[]) => boolean = () => false): IndexDefinition[] {
  const indexes = (
    db
      .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (SELECT value FROM json_each(?))`)
      .all(JSON.stringify(tables)) as IndexDefinition[]
  ).filter((i) => !keep((db.pragma(`index_info("${i.name.replace(/"/g, '""')}")`) as { name: string }[]).map((c) => c.name)))
  for (const i of indexes) db.exec(`DROP INDEX "${i.name.replace(/"/g, '""')}"`)
  return indexes
}

export function restoreIndexes(db: Db, indexes: IndexDefinition[]): void {
  for (const i of indexes) db.exec(i.sql)
}
