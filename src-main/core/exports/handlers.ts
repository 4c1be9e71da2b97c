import { once } from 'node:events'
import { closeSync, createWriteStream, mkdirSync, openSync, readSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import ExcelJS from 'exceljs'
import type { z } from 'zod'
import { OrchardError } from '../../../src-shared/errors'
import type { CustomerFilter } from '../../../src-shared/schemas'
import { EXPORT_COLUMNS, ORDER_STATUS_LABELS, SEGMENT_LABELS, formatFen, type ExportEntity, type OrderStatus, type Segment } from '../../../src-shared/vocabulary'
import { stampIn, wallParts, wallDate, zoneOffset } from '../../../src-shared/time'
import type { CoreContext, ServiceHandlers } from '../context'
import type { Db } from '../db/connection'
import { CSV_BOM, csvLine, keepQuotes } from '../spreadsheet/cells'
import { requireContacts } from '../permissions'
import { customerConditions } from '../customers/repository'
import { ownerOnly } from '../housekeeping'
import { actorOf, appendAudit } from '../audit/audit'
import { runFileJob } from '../jobs/fileJob'

/** A moment (UTC ISO): written as the studio's wall clock — a date cell in XLSX, YYYY-MM-DD HH:mm in CSV. */
type Moment = { at: string }
/** Money: a numeric cell in yuan with a number format in XLSX (it sums), 1299.00 in CSV. */
type Money = { fen: number }
type Cell = string | number | Moment | Money
type Filter = z.output<typeof CustomerFilter>
type Row = Cell[]

const yuan = (fen: number) => formatFen(fen).replace(/,/g, '')
const money = (fen: number): Cell => ({ fen })
const moment = (iso: string | null): Cell => (iso ? { at: iso } : '')
const isMoment = (v: Cell): v is Moment => typeof v === 'object' && 'at' in v
const isMoney = (v: Cell): v is Money => typeof v === 'object' && 'fen' in v
const MONEY_FORMAT = '#,##0.00'

/** 2026-12-05 07:39 in the studio's zone; the seconds only when there are some, so a re-import reads back the same instant. */
function wallText(zone: string, iso: string): string {
  const ms = Date.parse(iso)
  if (Number.isNaN(ms)) return iso
  const p = wallParts(zone, ms)
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}${p.second !== '00' ? `:${p.second}` : ''}`
}
const percent = (bp: number) => bp / 100
const list = (json: string) => JSON.parse(json) as string[]
/**
 * Tags are read back split on commas — or on spaces when a cell has no comma — so a
 * lone tag that contains a space keeps a trailing comma to stay one tag.
 */
const tagCell = (tags: string[]) => tags.join(',') + (tags.length === 1 && /\s/.test(tags[0]) ? ',' : '')

/** Rows in the order of EXPORT_COLUMNS[entity]; `project` picks the columns a person chose. */
interface Source {
  rows: () => Iterable<Row>
  /** How many rows `rows` yields: the total the progress events count towards. */
  count: () => number
}
interface Sheet {
  headers: string[]
  rows: () => Iterable<Row>
  count: () => number
}

function project(entity: ExportEntity, source: Source, columns: readonly string[] | undefined): Sheet {
  const all: readonly { key: string; header: string }[] = EXPORT_COLUMNS[entity]
  if (!columns) return { headers: all.map((c) => c.header), rows: source.rows, count: source.count }
  // The schema has already refused unknown and repeated keys.
  const picked = columns.map((key) => all.findIndex((c) => c.key === key))
  return {
    headers: picked.map((i) => all[i].header),
    *rows() {
      for (const row of source.rows()) yield picked.map((i) => row[i])
    },
    count: source.count,
  }
}

/**
 * Each entity's columns are the importer's own layout (src-main/core/imports/fields.ts),
 * so an export imports back into an empty studio as the same records. Derived
 * figures follow for reading; the importer ignores them.
 */
function sourceOf(db: Db, entity: ExportEntity, filter: Filter | undefined, timezoneOffset: string): Source {
  if (entity === 'customers') {
    // With a filter, the customers the list shows with it (customerConditions is the list's own), in the book's order.
    const { conditions, params } = filter ? customerConditions(db, filter, timezoneOffset) : { conditions: [], params: {} }
    const where = conditions.length ? `WHERE ${conditions.map((c) => c.sql).join(' AND ')}` : ''
    const stmt = db.prepare(
      `SELECT c.name, c.wechat_id, c.phones, c.addresses, c.tags, c.rel_class, c.segment, m.invite_code, c.notes,
              c.order_count, c.total_spent_fen, c.last_purchase_at, c.created_at
       FROM customers c LEFT JOIN members m ON m.id = c.owner_member_id ${where} ORDER BY c.rowid`,
    )
    return {
      *rows() {
        for (const r of stmt.raw().iterate(params) as Iterable<[string, string | null, string, string, string, string, Segment | null, string | null, string, number, number, string | null, string]>) {
          yield [r[0], r[1] ?? '', list(r[2]).join(','), list(r[3]).join(' | '), tagCell(list(r[4])), r[5], r[6] ? SEGMENT_LABELS[r[6]].zh : '', r[7] ?? '', r[8], r[9], money(r[10]), moment(r[11]), moment(r[12])]
        }
      },
      count: () => (db.prepare(`SELECT COUNT(*) FROM customers c ${where}`).pluck().get(params) as number),
    }
  }
  if (entity === 'products') {
    const stmt = db.prepare(
      `SELECT sku, name, brand, category, images, list_price_fen, sale_price_fen, price_floor_fen, stock, commission_bp, mentor_commission_bp, facts
       FROM products ORDER BY rowid`,
    )
    return {
      *rows() {
        for (const p of stmt.raw().iterate() as Iterable<[string, string, string, string, string, number, number, number, number, number, number, string]>) {
          yield [p[0], p[1], p[2], p[3], list(p[4]).join(','), money(p[5]), money(p[6]), money(p[7]), p[8], percent(p[9]), percent(p[10]), p[11]]
        }
      },
      count: () => db.prepare('SELECT COUNT(*) FROM products').pluck().get() as number,
    }
  }
  // One row per line, the order's columns repeated on each; the refund is the order's, so it sits on its first line,
  // and a refund the order holds per line sits on each line. The code the buyer used and the member the order
  // belongs to are separate columns: a manual attribution survives.
  const stmt = db.prepare(
    `SELECT o.order_no, o.placed_at, o.status, COALESCE(o.buyer_name, c.name),
            COALESCE(o.buyer_phone, (SELECT p.phone FROM customer_phones p WHERE p.customer_id = o.customer_id LIMIT 1)),
            l.sku, l.name, l.quantity, l.unit_price_fen, l.amount_fen, o.refunded_fen, o.attribution_code, m.invite_code, l.line_no,
            l.refunded_fen, o.refunded_at, o.completed_at,
            EXISTS (SELECT 1 FROM order_lines x WHERE x.order_id = o.id AND x.refunded_fen IS NOT NULL)
     FROM orders o JOIN order_lines l ON l.order_id = o.id
     LEFT JOIN customers c ON c.id = o.customer_id LEFT JOIN members m ON m.id = o.member_id
     ORDER BY o.placed_at, o.order_no, l.line_no`,
  )
  return {
    *rows() {
      for (const o of stmt.raw().iterate() as Iterable<
        [string, string, OrderStatus, string | null, string | null, string, string, number, number, number, number, string | null, string | null, number, number | null, string | null, string | null, number]
      >) {
        const first = o[13] === 1
        const perLine = o[17] === 1
        yield [
          o[0],
          moment(o[1]),
          ORDER_STATUS_LABELS[o[2]].zh,
          o[3] ?? '',
          o[4] ?? '',
          o[5],
          o[6],
          o[7],
          money(o[8]),
          money(o[9]),
          first ? money(o[10]) : '',
          perLine ? money(o[14] ?? 0) : '',
          moment(o[15]),
          moment(o[16]),
          o[11] ?? '',
          o[12] ?? '',
        ]
      }
    },
    count: () => db.prepare('SELECT COUNT(*) FROM orders o JOIN order_lines l ON l.order_id = o.id').pluck().get() as number,
  }
}

/** Called after each row written with how many so far: progress, and the moment a cancel stops the writer. */
type RowStep = (done: number) => void

async function writeCsv(path: string, source: Sheet, zone: string, step: RowStep): Promise<number> {
  const out = createWriteStream(path)
  const failed = new Promise<never>((_, reject) => out.once('error', reject))
  failed.catch(() => undefined)
  let n = 0
  let buffer = CSV_BOM + csvLine(source.headers)
  for (const row of source.rows()) {
    buffer += csvLine(row.map((v) => (isMoment(v) ? wallText(zone, v.at) : isMoney(v) ? yuan(v.fen) : v)))
    step(++n)
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await Promise.race([once(out, 'drain'), failed])
      buffer = ''
    }
  }
  out.end(buffer)
  await Promise.race([once(out, 'finish'), failed])
  return n
}

async function writeXlsx(path: string, source: Sheet, sheet: string, zone: string, step: RowStep): Promise<number> {
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useStyles: true, useSharedStrings: false })
  const ws = book.addWorksheet(sheet, { views: [{ state: 'frozen', ySplit: 1 }] })
  ws.columns = source.headers.map((h) => ({ header: h, width: Math.max(10, h.length * 2 + 4) }))
  ws.getRow(1).font = { bold: true }
  ws.getRow(1).commit()
  let n = 0
  for (const row of source.rows()) {
    // A string cell in XLSX is text and never a formula: phones and notes go in as they are.
    const added = ws.addRow(row.map((v) => (typeof v === 'number' ? v : isMoment(v) ? wallDate(zone, Date.parse(v.at)) : isMoney(v) ? v.fen / 100 : keepQuotes(v))))
    row.forEach((v, i) => {
      if (isMoment(v)) added.getCell(i + 1).numFmt = 'yyyy-mm-dd hh:mm'
      else if (isMoney(v)) added.getCell(i + 1).numFmt = MONEY_FORMAT
    })
    added.commit()
    step(++n)
    // Let the zip stream drain so a million rows never pile up in memory.
    if (n % 5000 === 0) await new Promise<void>((r) => setImmediate(r))
  }
  ws.commit()
  await book.commit()
  return n
}

const SHEET_NAMES: Record<ExportEntity, string> = { customers: '客户', products: '商品', orders: '订单' }

const ENTITY_LABELS: Record<ExportEntity, string> = { customers: '客户', products: '商品', orders: '订单' }

/**
 * Personal data leaving the studio goes into the audit log: who, what, how many rows and
 * into which file — never the values (a search text could itself be a phone number).
 */
export function recordPersonalExport(ctx: CoreContext, e: { entity: string; format: string; rows: number; filtered: boolean; file: string; sha256?: string; bytes?: number }): void {
  const label = ENTITY_LABELS[e.entity as ExportEntity] ?? e.entity
  appendAudit(
    ctx.db,
    actorOf(ctx),
    {
      kind: 'data.exported',
      entity: e.entity,
      entityId: null,
      summary: `导出${label} ${e.rows} 行（${e.format.toUpperCase()}${e.filtered ? '，按筛选' : ''}）/ exported ${e.rows} ${e.entity} rows (${e.format}${e.filtered ? ', filtered' : ''})`,
      // The hash tells whether a file found later is this export, without keeping what it holds.
      after: { entity: e.entity, format: e.format, rows: e.rows, filtered: e.filtered, file: e.file, ...(e.sha256 ? { sha256: e.sha256, bytes: e.bytes } : {}) },
    },
    ctx.clock.now(),
  )
}

export const exportsHandlers: ServiceHandlers<'exports'> = {
  run: async ({ entity, format, path, filter, columns, jobId }, ctx) => {
    // Exports carry phones and addresses in full: only for roles that may see them.
    if (entity !== 'products') requireContacts(ctx, 'exports.run')
    const zone = ctx.timezone()
    const target = path ? resolve(path) : join(ctx.paths.exports, `${entity}${filter ? '-filtered' : ''}-${stampIn(zone, ctx.clock.now())}.${format}`)
    try {
      mkdirSync(dirname(target), { recursive: true })
    } catch (err) {
      throw new OrchardError('export_failed', `无法创建导出文件夹 ${dirname(target)} / cannot create the export folder`, { file: target, why: (err as Error).message })
    }
    // A reader of its own: the export streams from one consistent snapshot while the console keeps working.
    const reader = new Database(ctx.paths.database, { readonly: true, fileMustExist: true, nativeBinding: ctx.nativeBinding })
    let rows = 0
    try {
      const output = await runFileJob(
        ctx,
        { jobId, kind: 'export', target, record: { db: ctx.db, at: () => ctx.clock.now(), label: entity } },
        async (temp, { report, stopIfCancelled }) => {
          const source = project(entity, sourceOf(reader, entity, filter, zoneOffset(zone, ctx.clock.now())), columns)
          const total = source.count()
          report('rows', 0, total)
          const step: RowStep = (done) => {
            if (done % 1000 !== 0 && done !== total) return
            stopIfCancelled()
            report('rows', done, total)
          }
          rows = format === 'csv' ? await writeCsv(temp, source, zone, step) : await writeXlsx(temp, source, SHEET_NAMES[entity], zone, step)
        },
        (temp) => {
          checkExportFile(temp, format)
          ownerOnly(temp)
        },
      )
      if (entity !== 'products') recordPersonalExport(ctx, { entity, format, rows, filtered: Boolean(filter), file: basename(target), sha256: output.sha256, bytes: output.bytes })
      return { path: target, fileName: basename(target), rows, sha256: output.sha256 }
    } catch (err) {
      if (err instanceof OrchardError) throw err
      throw new OrchardError('export_failed', `导出失败：${(err as Error).message} / export failed`, { file: target, why: (err as Error).message })
    } finally {
      reader.close()
    }
  },
}

/** A file about to be published as an export must at least be what its name says: a CSV with its header, an XLSX zip. */
function checkExportFile(temp: string, format: 'csv' | 'xlsx'): void {
  const head = Buffer.alloc(4)
  const fd = openSync(temp, 'r')
  try {
    readSync(fd, head, 0, 4, 0)
  } finally {
    closeSync(fd)
  }
  const ok = format === 'xlsx' ? head.subarray(0, 2).toString('latin1') === 'PK' : head.subarray(0, 3).equals(Buffer.from(CSV_BOM, 'utf8'))
  if (!ok) throw new OrchardError('export_failed', `导出的文件不完整 / the exported file is incomplete`, { file: temp, format })
}
