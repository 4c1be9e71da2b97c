import { createHash } from 'node:crypto'
import type { z } from 'zod'
import { OrchardError } from '../../../src-shared/errors'
import type { ImportPreviewInput, ImportResult, ImportRunInput, RowError } from '../../../src-shared/schemas'
import { ORDER_STATUS_LABELS, ORDER_STATUSES, type ImportEntity, type OrderStatus } from '../../../src-shared/vocabulary'
import { zoneOffset } from '../clock'
import type { CoreContext, ServiceHandlers } from '../context'
import { refreshCustomerStats, recomputeRfm } from '../customers/derived'
import { normalizePhone } from '../customers/phone'
import { newId } from '../ids'
import { neutralizeCell } from '../exports/cells'
import { FIELDS, isShopify, SHOPIFY_MAPPING, suggestMapping } from './fields'
import { readTable, type Table } from './read'
import { CellError, parseDate, parseFen, parseInteger, parsePercentBp, parseRelClass, parseSegment, splitList, unquote } from './values'

type PreviewInput = z.output<typeof ImportPreviewInput>
type RunInput = z.output<typeof ImportRunInput>
type Mapping = Record<string, string | null>
const MAX_RETURNED_ERRORS = 500

function sourceKeyOf(entity: ImportEntity, format: string, headers: string[]): string {
  const hash = createHash('sha1').update([...headers].sort().join('\u0000')).digest('hex').slice(0, 16)
  return `${entity}:${format}:${hash}`
}

function detectFormat(entity: ImportEntity, table: Table, requested: 'auto' | 'orchard' | 'shopify'): 'orchard' | 'shopify' {
  if (requested !== 'auto') {
    if (requested === 'shopify' && entity !== 'orders') {
      throw new OrchardError('import_format', 'Shopify 格式只用于订单 / the Shopify layout is for orders only', { entity })
    }
    return requested
  }
  return entity === 'orders' && isShopify(table.headers) ? 'shopify' : 'orchard'
}

function savedMapping(ctx: CoreContext, key: string): Mapping | null {
  const row = ctx.db.prepare('SELECT mapping FROM import_mappings WHERE source_key = ?').get(key) as { mapping: string } | undefined
  return row ? (JSON.parse(row.mapping) as Mapping) : null
}

function suggested(entity: ImportEntity, format: 'orchard' | 'shopify', headers: string[]): Mapping {
  if (format === 'shopify') {
    return Object.fromEntries(Object.entries(SHOPIFY_MAPPING).map(([k, v]) => [k, v && headers.includes(v) ? v : null]))
  }
  return suggestMapping(entity, headers)
}

/** A mapping may only name columns the file has, and must cover the required fields. */
function checkMapping(entity: ImportEntity, mapping: Mapping, table: Table): void {
  for (const [field, header] of Object.entries(mapping)) {
    if (header && !table.headers.includes(header)) {
      throw new OrchardError('import_mapping', `映射的列「${header}」不在文件中 / mapped column not in the file`, { file: table.fileName, field, column: header })
    }
  }
  const missing = FIELDS[entity].filter((f) => f.required && !mapping[f.field]).map((f) => `${f.label} ${f.labelEn}`)
  if (missing.length) {
    throw new OrchardError('import_mapping', `缺少必填列：${missing.join('、')} / required columns are not mapped`, { file: table.fileName, missing })
  }
}

const tick = () => new Promise<void>((r) => setImmediate(r))

interface Ctx {
  ctx: CoreContext
  table: Table
  mapping: Mapping
  offset: string
  now: string
  errors: RowError[]
  progress(phase: string, done: number): Promise<void>
}

/** Reads one mapped cell; a CellError becomes a located row error. */
function cellReader(c: Ctx, rowIndex: number) {
  const row = c.table.rows[rowIndex]
  const rowNo = c.table.rowNumbers[rowIndex]
  let failed = false
  const colIndex = (field: string) => {
    const header = c.mapping[field]
    return header ? c.table.headers.indexOf(header) : -1
  }
  const raw = (field: string) => {
    const i = colIndex(field)
    return i >= 0 ? unquote(row[i] ?? '') : ''
  }
  const fail = (field: string, code: string, reason: string, value = raw(field), column = c.mapping[field] ?? field) => {
    failed = true
    c.errors.push({ row: rowNo, column, value, reason, code })
  }
  const read = <T>(field: string, parse: (s: string) => T, { required = false } = {}): T | undefined => {
    const value = raw(field)
    if (!value) {
      if (required) fail(field, 'required', '必填项为空 / required value is empty')
      return undefined
    }
    try {
      return parse(value)
    } catch (err) {
      if (err instanceof CellError) fail(field, err.code, err.reason, value)
      else throw err
      return undefined
    }
  }
  return { raw, read, fail, rowNo, get failed() { return failed }, mapped: (field: string) => colIndex(field) >= 0 }
}

function phonesOf(value: string): string[] {
  const out: string[] = []
  // Spaces belong to a number (138 0013 8000); numbers are separated by commas, semicolons, slashes or 、.
  for (const part of value.split(/[,，;；/、\n]+/).map((p) => p.trim()).filter(Boolean)) {
    const r = normalizePhone(part)
    if (!r.ok) throw new CellError('invalid_phone', `${r.reason}：${part}`)
    if (!out.includes(r.e164)) out.push(r.e164)
  }
  return out
}

// ------------------------------------------------------------------ customers

interface Counts {
  inserted: number
  updated: number
  unchanged: number
  rejectedRows: number
  unattributed: number
  write: () => void
  touchedCustomers: string[]
  entities: string[]
}

async function importCustomers(c: Ctx): Promise<Counts> {
  const { db } = c.ctx
  const byPhone = new Map<string, string>()
  for (const r of db.prepare('SELECT phone, customer_id FROM customer_phones').iterate() as Iterable<{ phone: string; customer_id: string }>) byPhone.set(r.phone, r.customer_id)
  const byWechat = new Map<string, string>()
  for (const r of db.prepare('SELECT id, wechat_id FROM customers WHERE wechat_id IS NOT NULL').iterate() as Iterable<{ id: string; wechat_id: string }>) byWechat.set(r.wechat_id, r.id)
  const codes = new Map<string, string>()
  for (const r of db.prepare('SELECT id, invite_code FROM members').iterate() as Iterable<{ id: string; invite_code: string }>) codes.set(r.invite_code.toUpperCase(), r.id)

  interface Rec { rowIndex: number; id: string | null; name: string; wechatId: string | null; phones: string[]; addresses: string[]; tags: string[]; relClass?: string; segment?: string; owner?: string | null; notes?: string }
  const recs: Rec[] = []
  const seenPhone = new Map<string, number>()
  const seenWechat = new Map<string, number>()
  let rejected = 0
  for (let i = 0; i < c.table.rows.length; i++) {
    if (i % 5000 === 0) await c.progress('validating', i)
    const cell = cellReader(c, i)
    const name = cell.read('name', (s) => s, { required: true })
    const wechatId = cell.read('wechatId', (s) => s) ?? null
    const phones = cell.read('phones', phonesOf) ?? []
    const addresses = cell.read('addresses', (s) => s.split(/[|\n]+/).map((a) => a.trim()).filter(Boolean)) ?? []
    const tags = cell.read('tags', (s) => splitList(s).slice(0, 30)) ?? []
    const relClass = cell.read('relClass', parseRelClass)
    const segment = cell.read('segment', parseSegment)
    const owner = cell.read('owner', (s) => {
      const id = codes.get(s.trim().toUpperCase())
      if (!id) throw new CellError('unknown_member', '没有这个邀请码的会员 / no member has this invite code')
      return id
    })
    const notes = cell.read('notes', (s) => s)
    for (const p of phones) {
      const first = seenPhone.get(p)
      if (first !== undefined) cell.fail('phones', 'duplicate_in_file', `与第 ${first} 行的手机号重复 / same phone as row ${first}`)
    }
    if (wechatId) {
      const first = seenWechat.get(wechatId)
      if (first !== undefined) cell.fail('wechatId', 'duplicate_in_file', `与第 ${first} 行的微信号重复 / same WeChat id as row ${first}`)
    }
    if (cell.failed) {
      rejected++
      continue
    }
    for (const p of phones) seenPhone.set(p, cell.rowNo)
    if (wechatId) seenWechat.set(wechatId, cell.rowNo)
    const existing = phones.map((p) => byPhone.get(p)).find(Boolean) ?? (wechatId ? byWechat.get(wechatId) : undefined) ?? null
    recs.push({ rowIndex: i, id: existing, name: name!, wechatId, phones, addresses, tags, relClass, segment, owner, notes })
  }

  const existingRows = new Map<string, { name: string; wechat_id: string | null; phones: string; addresses: string; tags: string; rel_class: string; segment: string | null; owner_member_id: string | null; notes: string }>()
  const getRow = db.prepare('SELECT name, wechat_id, phones, addresses, tags, rel_class, segment, owner_member_id, notes FROM customers WHERE id = ?')
  for (const r of recs) if (r.id && !existingRows.has(r.id)) existingRows.set(r.id, getRow.get(r.id) as never)

  const union = (a: string[], b: string[]) => [...new Set([...a, ...b])]
  const inserts: unknown[][] = []
  const updates: { id: string; values: unknown[]; phones: string[]; tags: string[] }[] = []
  let unchanged = 0
  for (const r of recs) {
    if (!r.id) {
      inserts.push([newId(), r.name, r.wechatId, JSON.stringify(r.phones), JSON.stringify(r.addresses), JSON.stringify(r.tags), r.relClass ?? 'C', r.segment ?? null, r.owner ?? null, r.notes ?? '', c.now, c.now, r.phones, r.tags])
      continue
    }
    const cur = existingRows.get(r.id)!
    // Lists grow, never shrink; an empty cell never clears what the studio already has.
    const phones = union(JSON.parse(cur.phones), r.phones)
    const addresses = union(JSON.parse(cur.addresses), r.addresses)
    const tags = union(JSON.parse(cur.tags), r.tags)
    const next = {
      name: r.name,
      wechat_id: r.wechatId ?? cur.wechat_id,
      phones: JSON.stringify(phones),
      addresses: JSON.stringify(addresses),
      tags: JSON.stringify(tags),
      rel_class: r.relClass ?? cur.rel_class,
      segment: r.segment ?? cur.segment,
      owner_member_id: r.owner ?? cur.owner_member_id,
      notes: r.notes ?? cur.notes,
    }
    if (Object.entries(next).every(([k, v]) => cur[k as keyof typeof cur] === v)) {
      unchanged++
      continue
    }
    updates.push({ id: r.id, values: [next.name, next.wechat_id, next.phones, next.addresses, next.tags, next.rel_class, next.segment, next.owner_member_id, next.notes, c.now, r.id], phones, tags })
  }

  return {
    inserted: inserts.length,
    updated: updates.length,
    unchanged,
    rejectedRows: rejected,
    unattributed: 0,
    touchedCustomers: [],
    entities: ['customers'],
    write: () => {
      const ins = db.prepare(
        `INSERT INTO customers (id, name, wechat_id, phones, addresses, tags, rel_class, segment, owner_member_id, notes, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      const phone = db.prepare('INSERT OR IGNORE INTO customer_phones (phone, customer_id) VALUES (?, ?)')
      const tag = db.prepare('INSERT OR IGNORE INTO customer_tags (tag, customer_id) VALUES (?, ?)')
      for (const row of inserts) {
        const [id, , , , , , , , , , , , phones, tags] = row as [string, ...unknown[]]
        ins.run(row.slice(0, 12))
        for (const p of phones as string[]) phone.run(p, id)
        for (const t of tags as string[]) tag.run(t, id)
      }
      const upd = db.prepare(
        `UPDATE customers SET name = ?, wechat_id = ?, phones = ?, addresses = ?, tags = ?, rel_class = ?, segment = ?, owner_member_id = ?, notes = ?, updated_at = ? WHERE id = ?`,
      )
      for (const u of updates) {
        upd.run(u.values)
        for (const p of u.phones) phone.run(p, u.id)
        for (const t of u.tags) tag.run(t, u.id)
      }
    },
  }
}

// ------------------------------------------------------------------ products

async function importProducts(c: Ctx): Promise<Counts> {
  const { db } = c.ctx
  type Row = { id: string; name: string; brand: string; category: string; images: string; list_price_fen: number; sale_price_fen: number; price_floor_fen: number; stock: number; commission_bp: number; mentor_commission_bp: number; facts: string }
  const bySku = new Map<string, Row>()
  for (const r of db.prepare('SELECT sku, id, name, brand, category, images, list_price_fen, sale_price_fen, price_floor_fen, stock, commission_bp, mentor_commission_bp, facts FROM products').iterate() as Iterable<Row & { sku: string }>) bySku.set(r.sku, r)
  const seen = new Map<string, number>()
  const inserts: unknown[][] = []
  const updates: unknown[][] = []
  let unchanged = 0
  let rejected = 0
  for (let i = 0; i < c.table.rows.length; i++) {
    if (i % 5000 === 0) await c.progress('validating', i)
    const cell = cellReader(c, i)
    const sku = cell.read('sku', (s) => s, { required: true })
    const name = cell.read('name', (s) => s, { required: true })
    const list = cell.read('listPrice', (s) => parseFen(s), { required: true })
    const sale = cell.read('salePrice', (s) => parseFen(s), { required: true })
    const floor = cell.read('priceFloor', (s) => parseFen(s), { required: true })
    const stock = cell.read('stock', (s) => parseInteger(s))
    const commission = cell.read('commission', parsePercentBp)
    const mentor = cell.read('mentorCommission', parsePercentBp)
    if (sale !== undefined && floor !== undefined && sale < floor) {
      cell.fail('salePrice', 'below_price_floor', `售价低于控价 ${(floor / 100).toFixed(2)} / sale price below the price floor`)
    }
    if (sku) {
      const first = seen.get(sku)
      if (first !== undefined) cell.fail('sku', 'duplicate_in_file', `与第 ${first} 行的商品编码重复 / same SKU as row ${first}`)
    }
    if (cell.failed) {
      rejected++
      continue
    }
    seen.set(sku!, cell.rowNo)
    const cur = bySku.get(sku!)
    const next = {
      name: name!,
      brand: cell.raw('brand') || cur?.brand || '',
      category: cell.raw('category') || cur?.category || '',
      images: cell.mapped('images') && cell.raw('images') ? JSON.stringify(splitList(cell.raw('images'))) : (cur?.images ?? '[]'),
      list_price_fen: list!,
      sale_price_fen: sale!,
      price_floor_fen: floor!,
      stock: stock ?? cur?.stock ?? 0,
      commission_bp: commission ?? cur?.commission_bp ?? 1000,
      mentor_commission_bp: mentor ?? cur?.mentor_commission_bp ?? 0,
      facts: cell.raw('facts') || cur?.facts || '',
    }
    const values = [next.name, next.brand, next.category, next.images, next.list_price_fen, next.sale_price_fen, next.price_floor_fen, next.stock, next.commission_bp, next.mentor_commission_bp, next.facts]
    if (!cur) inserts.push([newId(), sku, ...values, c.now, c.now])
    else if (Object.entries(next).every(([k, v]) => cur[k as keyof Row] === v)) unchanged++
    else updates.push([...values, c.now, cur.id])
  }
  return {
    inserted: inserts.length,
    updated: updates.length,
    unchanged,
    rejectedRows: rejected,
    unattributed: 0,
    touchedCustomers: [],
    entities: ['products'],
    write: () => {
      const ins = db.prepare(
        `INSERT INTO products (id, sku, name, brand, category, images, list_price_fen, sale_price_fen, price_floor_fen, stock, commission_bp, mentor_commission_bp, facts, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      const upd = db.prepare(
        `UPDATE products SET name = ?, brand = ?, category = ?, images = ?, list_price_fen = ?, sale_price_fen = ?, price_floor_fen = ?, stock = ?,
           commission_bp = ?, mentor_commission_bp = ?, facts = ?, updated_at = ? WHERE id = ?`,
      )
      for (const r of inserts) ins.run(r)
      for (const r of updates) upd.run(r)
    },
  }
}

// ------------------------------------------------------------------ orders

const STATUS_WORDS: Record<string, OrderStatus> = {
  paid: 'paid',
  pending: 'pending',
  authorized: 'pending',
  partially_paid: 'pending',
  refunded: 'refunded',
  partially_refunded: 'partially_refunded',
  voided: 'cancelled',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  已完成: 'paid',
  已发货: 'paid',
  待发货: 'paid',
}
for (const s of ORDER_STATUSES) STATUS_WORDS[ORDER_STATUS_LABELS[s].zh] = s

function parseStatus(raw: string): OrderStatus {
  const key = raw.trim().toLowerCase().replace(/\s+/g, '_')
  const s = STATUS_WORDS[key] ?? STATUS_WORDS[raw.trim()]
  if (!s) throw new CellError('invalid_status', '无法识别的订单状态 / unknown order status')
  return s
}

/** Shopify keeps the referral in Tags or Note Attributes: "ref:CODE", "ref: CODE", "邀请码:CODE". */
export function referralCode(text: string): string | null {
  const m = text.match(/(?:ref|referral|invite|邀请码|推荐码)\s*[:：=]\s*([A-Za-z0-9]{3,16})/i)
  return m ? m[1] : null
}

async function importOrders(c: Ctx, format: 'orchard' | 'shopify'): Promise<Counts> {
  const { db } = c.ctx
  const codes = new Map<string, string>()
  for (const r of db.prepare('SELECT id, invite_code FROM members').iterate() as Iterable<{ id: string; invite_code: string }>) codes.set(r.invite_code.toUpperCase(), r.id)
  const skus = new Map<string, string>()
  for (const r of db.prepare('SELECT id, sku FROM products').iterate() as Iterable<{ id: string; sku: string }>) skus.set(r.sku, r.id)
  const existing = new Map<string, { id: string; status: string; refunded_fen: number; member_id: string | null }>()
  for (const r of db.prepare('SELECT order_no, id, status, refunded_fen, member_id FROM orders').iterate() as Iterable<{ order_no: string; id: string; status: string; refunded_fen: number; member_id: string | null }>) existing.set(r.order_no, r)
  const byPhone = new Map<string, string>()
  for (const r of db.prepare('SELECT phone, customer_id FROM customer_phones').iterate() as Iterable<{ phone: string; customer_id: string }>) byPhone.set(r.phone, r.customer_id)
  const header = (name: string) => c.table.headers.indexOf(name)
  const cancelledAt = header('Cancelled at')
  const tagsCol = header('Tags')
  const notesCol = header('Note Attributes')

  interface Draft { orderNo: string; rows: number[]; failed: boolean; placedAt?: string; status?: OrderStatus; buyerName?: string; buyerPhone?: string; refunded?: number; code?: string | null; lines: { sku: string; name: string; qty: number; unit: number }[] }
  const orders = new Map<string, Draft>()
  for (let i = 0; i < c.table.rows.length; i++) {
    if (i % 5000 === 0) await c.progress('validating', i)
    const cell = cellReader(c, i)
    const orderNo = cell.read('orderNo', (s) => s, { required: true })
    if (!orderNo) continue
    let d = orders.get(orderNo)
    const first = !d
    if (!d) {
      d = { orderNo, rows: [], failed: false, lines: [] }
      orders.set(orderNo, d)
    }
    d.rows.push(cell.rowNo)
    // Order-level columns: Shopify fills them on an order's first row only; our layout may repeat them.
    if (first || !d.placedAt) d.placedAt = cell.read('placedAt', (s) => parseDate(s, c.offset), { required: first }) ?? d.placedAt
    const status = cell.read('status', parseStatus)
    if (status && (first || !d.status)) d.status = status
    const buyerName = cell.raw('buyerName')
    if (buyerName && !d.buyerName) d.buyerName = buyerName
    const phone = cell.read('buyerPhone', (s) => {
      const r = normalizePhone(s)
      if (!r.ok) throw new CellError('invalid_phone', r.reason)
      return r.e164
    })
    if (phone && !d.buyerPhone) d.buyerPhone = phone
    const refunded = cell.read('refunded', (s) => parseFen(s))
    if (refunded !== undefined && d.refunded === undefined) d.refunded = refunded
    const code = cell.raw('inviteCode') || (format === 'shopify' ? referralCode(`${tagsCol >= 0 ? c.table.rows[i][tagsCol] : ''} ${notesCol >= 0 ? c.table.rows[i][notesCol] : ''}`) : null)
    if (code && d.code === undefined) d.code = code
    if (format === 'shopify' && cancelledAt >= 0 && c.table.rows[i][cancelledAt]) d.status = 'cancelled'
    const sku = cell.read('sku', (s) => s, { required: format !== 'shopify' }) ?? ''
    const name = cell.read('productName', (s) => s, { required: true })
    const qty = cell.read('quantity', (s) => {
      const n = parseInteger(s, { min: 1 })
      return n
    }, { required: true })
    const unit = cell.read('unitPrice', (s) => parseFen(s), { required: true })
    if (cell.failed) d.failed = true
    else d.lines.push({ sku, name: name!, qty: qty!, unit: unit! })
  }

  let inserted = 0
  let updated = 0
  let unchanged = 0
  let rejected = 0
  let unattributed = 0
  const newCustomers: unknown[][] = []
  const insertOrders: unknown[][] = []
  const insertLines: unknown[][] = []
  const updateOrders: unknown[][] = []
  const touched = new Set<string>()
  for (const d of orders.values()) {
    if (d.failed) {
      rejected += d.rows.length
      continue
    }
    const total = d.lines.reduce((sum, l) => sum + l.qty * l.unit, 0)
    const refunded = Math.min(d.refunded ?? 0, total)
    let status: OrderStatus = d.status ?? 'paid'
    if (status === 'paid' && refunded > 0) status = refunded >= total ? 'refunded' : 'partially_refunded'
    const memberId = d.code ? (codes.get(d.code.toUpperCase()) ?? null) : null
    const cur = existing.get(d.orderNo)
    if (cur) {
      const nextMember = cur.member_id ?? memberId
      if (cur.status === status && cur.refunded_fen === refunded && cur.member_id === nextMember) unchanged++
      else {
        updateOrders.push([status, refunded, nextMember, c.now, cur.id])
        updated++
      }
      continue
    }
    let customerId = d.buyerPhone ? (byPhone.get(d.buyerPhone) ?? null) : null
    if (!customerId && (d.buyerPhone || d.buyerName)) {
      customerId = newId()
      const phones = d.buyerPhone ? [d.buyerPhone] : []
      newCustomers.push([customerId, d.buyerName || d.buyerPhone, JSON.stringify(phones), memberId, c.now, c.now, phones])
      if (d.buyerPhone) byPhone.set(d.buyerPhone, customerId)
    }
    if (customerId) touched.add(customerId)
    if (!memberId) unattributed++
    const id = newId()
    insertOrders.push([id, d.orderNo, format, status, d.placedAt, customerId, memberId, d.code ?? null, d.buyerName ?? null, d.buyerPhone ?? null, total, refunded, c.now, c.now])
    d.lines.forEach((l, n) => insertLines.push([newId(), id, n + 1, skus.get(l.sku) ?? null, l.sku, l.name, l.qty, l.unit, l.qty * l.unit]))
    inserted++
  }
  return {
    inserted,
    updated,
    unchanged,
    rejectedRows: rejected,
    unattributed,
    touchedCustomers: [...touched],
    entities: ['orders', 'customers', 'members'],
    write: () => {
      const cust = db.prepare(`INSERT INTO customers (id, name, phones, owner_member_id, rel_class, created_at, updated_at) VALUES (?, ?, ?, ?, 'C', ?, ?)`)
      const phone = db.prepare('INSERT OR IGNORE INTO customer_phones (phone, customer_id) VALUES (?, ?)')
      for (const r of newCustomers) {
        cust.run(r.slice(0, 6))
        for (const p of r[6] as string[]) phone.run(p, r[0])
      }
      const ord = db.prepare(
        `INSERT INTO orders (id, order_no, source, status, placed_at, customer_id, member_id, attribution_code, buyer_name, buyer_phone, total_fen, refunded_fen, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      const line = db.prepare(
        `INSERT INTO order_lines (id, order_id, line_no, product_id, sku, name, quantity, unit_price_fen, amount_fen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      const upd = db.prepare('UPDATE orders SET status = ?, refunded_fen = ?, member_id = ?, updated_at = ? WHERE id = ?')
      for (const r of insertOrders) ord.run(r)
      for (const r of insertLines) line.run(r)
      for (const r of updateOrders) upd.run(r)
    },
  }
}

// ------------------------------------------------------------------ handlers

async function preview(input: PreviewInput, ctx: CoreContext) {
  const table = await readTable(input.path, input.sheet)
  const format = detectFormat(input.entity, table, input.format)
  const sourceKey = sourceKeyOf(input.entity, format, table.headers)
  const saved = savedMapping(ctx, sourceKey)
  const mapping = saved ?? suggested(input.entity, format, table.headers)
  return {
    fileName: table.fileName,
    encoding: table.encoding,
    detectedFormat: format,
    sheets: table.sheets,
    headers: table.headers,
    sampleRows: table.rows.slice(0, 20),
    totalRows: table.rows.length,
    fields: FIELDS[input.entity].map(({ field, label, labelEn, required, hint }) => ({ field, label, labelEn, required, hint })),
    mapping,
    sourceKey,
    mappingSaved: saved !== null,
  }
}

async function run(input: RunInput, ctx: CoreContext): Promise<ImportResult> {
  const started = performance.now()
  const table = await readTable(input.path, input.sheet)
  const format = detectFormat(input.entity, table, input.format)
  const sourceKey = sourceKeyOf(input.entity, format, table.headers)
  const mapping = input.mapping ?? savedMapping(ctx, sourceKey) ?? suggested(input.entity, format, table.headers)
  checkMapping(input.entity, mapping, table)
  const total = table.rows.length
  const emit = (phase: string, done: number) => {
    if (input.jobId) ctx.emit('job.progress', { jobId: input.jobId, kind: 'import', phase, done, total })
  }
  const c: Ctx = {
    ctx,
    table,
    mapping,
    offset: zoneOffset(ctx.timezone(), ctx.clock.now()),
    now: ctx.clock.now().toISOString(),
    errors: [],
    progress: async (phase, done) => {
      emit(phase, done)
      await tick()
    },
  }
  const counts = input.entity === 'customers' ? await importCustomers(c) : input.entity === 'products' ? await importProducts(c) : await importOrders(c, format)
  const committed = c.errors.length === 0 || input.mode === 'valid-rows'
  emit('writing', total)
  const importId = newId()
  const result: ImportResult = {
    importId,
    entity: input.entity,
    fileName: table.fileName,
    mode: input.mode,
    committed,
    totalRows: total,
    inserted: committed ? counts.inserted : 0,
    updated: committed ? counts.updated : 0,
    unchanged: committed ? counts.unchanged : 0,
    rejectedRows: counts.rejectedRows,
    errors: c.errors.slice(0, MAX_RETURNED_ERRORS),
    errorCount: c.errors.length,
    unattributedOrders: committed ? counts.unattributed : 0,
    durationMs: 0,
  }
  ctx.db.transaction(() => {
    if (committed) {
      counts.write()
      if (counts.touchedCustomers.length) refreshCustomerStats(ctx.db, counts.touchedCustomers)
    }
    if (input.saveMapping) {
      ctx.db
        .prepare('INSERT INTO import_mappings (source_key, entity, mapping, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(source_key) DO UPDATE SET mapping = excluded.mapping, updated_at = excluded.updated_at')
        .run(sourceKey, input.entity, JSON.stringify(mapping), c.now)
    }
    result.durationMs = Math.round(performance.now() - started)
    ctx.db
      .prepare(
        `INSERT INTO import_runs (id, entity, file_name, mode, committed, total_rows, inserted, updated, unchanged, rejected_rows, error_count, unattributed_orders, errors, duration_ms, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(importId, input.entity, table.fileName, input.mode, committed ? 1 : 0, total, result.inserted, result.updated, result.unchanged, result.rejectedRows, result.errorCount, result.unattributedOrders, JSON.stringify(c.errors), result.durationMs, c.now)
  })()
  if (committed && input.entity === 'orders') recomputeRfm(ctx.db, ctx.clock.now())
  ctx.emit('data.changed', { entities: committed && result.inserted + result.updated > 0 ? [...counts.entities, 'imports'] : ['imports'] })
  return result
}

export const importsHandlers: ServiceHandlers<'imports'> = {
  preview,
  run,
  history: (_input, ctx) =>
    (
      ctx.db.prepare('SELECT * FROM import_runs ORDER BY created_at DESC, rowid DESC LIMIT 200').all() as {
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
      }[]
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
    const errors = JSON.parse(run.errors) as RowError[]
    const esc = (v: string | number) => {
      const s = neutralizeCell(String(v))
      return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
    }
    const lines = ['行号 Row,列 Column,值 Value,原因 Reason', ...errors.map((e) => [e.row, e.column, e.value, e.reason].map(esc).join(','))]
    return { fileName: `${run.file_name.replace(/\.[^.]+$/, '')}-错误报告.csv`, csv: '\uFEFF' + lines.join('\r\n') + '\r\n' }
  },
}
