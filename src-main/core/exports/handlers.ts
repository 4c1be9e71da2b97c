import { createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { once } from 'node:events'
import ExcelJS from 'exceljs'
import type { ServiceHandlers } from '../context'
import type { Db } from '../db/connection'
import { ORDER_STATUS_LABELS, SEGMENT_LABELS, formatFen, type ImportEntity, type OrderStatus, type RelClass, type Segment } from '../../../src-shared/vocabulary'
import { neutralizeCell } from './cells'

type Row = (string | number)[]
const yuan = (fen: number) => formatFen(fen).replace(/,/g, '')
const percent = (bp: number) => String(bp / 100)

/** Column headers are the ones the importer's own layout reads, so an export imports back unchanged. */
function source(db: Db, entity: ImportEntity): { headers: string[]; rows: Iterable<Row> } {
  if (entity === 'customers') {
    const stmt = db.prepare(
      `SELECT c.name, c.wechat_id, c.phones, c.addresses, c.tags, c.rel_class, c.segment, m.invite_code, c.notes,
              c.order_count, c.total_spent_fen, c.last_purchase_at, c.created_at
       FROM customers c LEFT JOIN members m ON m.id = c.owner_member_id ORDER BY c.rowid`,
    )
    return {
      headers: ['姓名', '微信号', '手机', '地址', '标签', '客户分类', '消费群体', '归属会员邀请码', '备注', '订单数', '消费总额', '最近购买', '建档时间'],
      rows: (function* () {
        for (const r of stmt.iterate() as Iterable<Record<string, string | number | null>>) {
          yield [
            r.name as string,
            (r.wechat_id as string) ?? '',
            (JSON.parse(r.phones as string) as string[]).join(','),
            (JSON.parse(r.addresses as string) as string[]).join(' | '),
            (JSON.parse(r.tags as string) as string[]).join(','),
            r.rel_class as RelClass,
            r.segment ? SEGMENT_LABELS[r.segment as Segment].zh : '',
            (r.invite_code as string) ?? '',
            r.notes as string,
            r.order_count as number,
            yuan(r.total_spent_fen as number),
            (r.last_purchase_at as string) ?? '',
            r.created_at as string,
          ]
        }
      })(),
    }
  }
  if (entity === 'products') {
    const stmt = db.prepare('SELECT * FROM products ORDER BY rowid')
    return {
      headers: ['商品编码', '商品名称', '品牌', '类目', '图片', '原价', '售价', '控价', '库存', '佣金比例', '上级佣金比例', '卖点'],
      rows: (function* () {
        for (const p of stmt.iterate() as Iterable<Record<string, string | number>>) {
          yield [
            p.sku,
            p.name,
            p.brand,
            p.category,
            (JSON.parse(p.images as string) as string[]).join(','),
            yuan(p.list_price_fen as number),
            yuan(p.sale_price_fen as number),
            yuan(p.price_floor_fen as number),
            p.stock,
            percent(p.commission_bp as number),
            percent(p.mentor_commission_bp as number),
            p.facts,
          ]
        }
      })(),
    }
  }
  const stmt = db.prepare(
    `SELECT o.order_no, o.placed_at, o.status, COALESCE(c.name, o.buyer_name) AS buyer, o.buyer_phone, o.refunded_fen, o.attribution_code,
            m.invite_code, l.sku, l.name, l.quantity, l.unit_price_fen, l.line_no
     FROM orders o JOIN order_lines l ON l.order_id = o.id
     LEFT JOIN customers c ON c.id = o.customer_id LEFT JOIN members m ON m.id = o.member_id
     ORDER BY o.placed_at, o.order_no, l.line_no`,
  )
  return {
    headers: ['订单号', '下单时间', '状态', '客户', '手机', '商品编码', '商品名称', '数量', '单价', '退款金额', '邀请码'],
    rows: (function* () {
      for (const o of stmt.iterate() as Iterable<Record<string, string | number | null>>) {
        yield [
          o.order_no as string,
          o.placed_at as string,
          ORDER_STATUS_LABELS[o.status as OrderStatus].zh,
          (o.buyer as string) ?? '',
          (o.buyer_phone as string) ?? '',
          o.sku as string,
          o.name as string,
          o.quantity as number,
          yuan(o.unit_price_fen as number),
          o.line_no === 1 ? yuan(o.refunded_fen as number) : '',
          ((o.invite_code ?? o.attribution_code) as string) ?? '',
        ]
      }
    })(),
  }
}

const csvCell = (v: string | number) => {
  const s = typeof v === 'number' ? String(v) : neutralizeCell(v)
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

async function writeCsv(path: string, headers: string[], rows: Iterable<Row>): Promise<number> {
  const out = createWriteStream(path)
  let n = 0
  let buffer = '\uFEFF' + headers.map(csvCell).join(',') + '\r\n'
  for (const row of rows) {
    buffer += row.map(csvCell).join(',') + '\r\n'
    n++
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain')
      buffer = ''
    }
  }
  out.end(buffer)
  await once(out, 'finish')
  return n
}

async function writeXlsx(path: string, headers: string[], rows: Iterable<Row>, sheet: string): Promise<number> {
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useStyles: true })
  const ws = book.addWorksheet(sheet, { views: [{ state: 'frozen', ySplit: 1 }] })
  ws.columns = headers.map((h) => ({ header: h, width: Math.max(10, h.length * 2 + 4) }))
  ws.getRow(1).font = { bold: true }
  let n = 0
  for (const row of rows) {
    ws.addRow(row.map((v) => (typeof v === 'number' ? v : neutralizeCell(v)))).commit()
    n++
  }
  await book.commit()
  return n
}

const SHEET_NAMES: Record<ImportEntity, string> = { customers: '客户', products: '商品', orders: '订单' }

export const exportsHandlers: ServiceHandlers<'exports'> = {
  run: async ({ entity, format, path }, ctx) => {
    const stamp = ctx.clock.now().toISOString().replace(/[-:]/g, '').slice(0, 15)
    const target = path ?? join(ctx.paths.exports, `${entity}-${stamp}.${format}`)
    mkdirSync(dirname(target), { recursive: true })
    // Written under a temporary name and renamed, so a failed export never leaves half a file.
    const temp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`)
    const { headers, rows } = source(ctx.db, entity)
    try {
      const n = format === 'csv' ? await writeCsv(temp, headers, rows) : await writeXlsx(temp, headers, rows, SHEET_NAMES[entity])
      renameSync(temp, target)
      return { path: target, fileName: basename(target), rows: n }
    } catch (err) {
      rmSync(temp, { force: true })
      throw err
    }
  },
}
