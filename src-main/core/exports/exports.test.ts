import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import Papa from 'papaparse'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createCore, type OrchardCore } from '../api'
import { fixedClock } from '../clock'
import { isTemporary } from '../jobs/outputs'

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'tests', 'fixtures', 'imports')

let dir: string
let studio: OrchardCore
const opened: OrchardCore[] = []
const open = (name: string) => {
  const core = createCore({ dataDir: join(dir, name), host: 'test', firstStart: 'empty', clock: fixedClock('2026-11-20T04:00:00Z') })
  opened.push(core)
  return core
}
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-export-'))
  studio = open('studio')
})
afterEach(async () => {
  for (const core of opened.splice(0)) await core.close()
  rmSync(dir, { recursive: true, force: true })
})

/** A small studio with the awkward cases: formula-like text, a tag with a space, multi-line notes, landlines, refunds. */
async function fill(core: OrchardCore) {
  await core.invoke('members', 'create', { name: '金牌店主', inviteCode: 'GOLD01' })
  const gold = (await core.invoke('members', 'all', {}))[0]
  await core.invoke('customers', 'create', {
    name: '=HYPERLINK("http://x","点我")',
    wechatId: '@wx_eq',
    phones: ['138 0013 8000', '0571-88886666'],
    addresses: ['浙江省杭州市西湖区文三路 18 号，3 栋 201', '上海市徐汇区漕溪北路 88 号'],
    tags: ['VIP 客户'],
    relClass: 'A',
    segment: 'family',
    ownerMemberId: gold.id,
    notes: '-先付后发\n周末送货, "放门口"',
  })
  await core.invoke('customers', 'create', { name: '李娜', phones: ['13900139000'], tags: ['宝妈', '上班族'], relClass: 'B', segment: 'bargain' })
  await core.invoke('products', 'create', {
    sku: 'MZ-001', name: '玻尿酸补水面膜（10片装）', brand: '水之源', category: '美妆护肤', images: ['https://img.example.com/mz-001.jpg'],
    listPriceFen: 12900, salePriceFen: 5900, priceFloorFen: 5000, stock: 120, commissionBp: 1250, mentorCommissionBp: 300, facts: '+玻尿酸 三重补水',
  })
  await core.invoke('products', 'create', { sku: 'NF-004', name: '有机婴幼儿奶粉 3 段 800g', listPriceFen: 36800, salePriceFen: 29800, priceFloorFen: 26800 })
  const result = await core.invoke('imports', 'run', { entity: 'orders', path: join(FIXTURES, 'shopify-orders.csv') })
  expect(result).toMatchObject({ committed: true, inserted: 5 })
  // #1002 carried a code no member has; the operator attributed it by hand.
  const unknown = (await core.invoke('orders', 'list', { search: '#1002' })).rows[0]
  await core.invoke('orders', 'assign', { orderIds: [unknown.id], memberId: gold.id })
}

const customers = (core: OrchardCore) =>
  core.context.db
    .prepare(
      `SELECT c.name, c.wechat_id, c.phones, c.addresses, c.tags, c.rel_class, c.segment, m.invite_code AS owner, c.notes,
              c.order_count, c.total_spent_fen, c.last_purchase_at, c.rfm_segment
       FROM customers c LEFT JOIN members m ON m.id = c.owner_member_id ORDER BY c.name`,
    )
    .all()
const products = (core: OrchardCore) =>
  core.context.db
    .prepare('SELECT sku, name, brand, category, images, list_price_fen, sale_price_fen, price_floor_fen, stock, commission_bp, mentor_commission_bp, facts, active FROM products ORDER BY sku')
    .all()
const orders = (core: OrchardCore) =>
  core.context.db
    .prepare(
      `SELECT o.order_no, o.status, o.placed_at, o.total_fen, o.refunded_fen, o.attribution_code, m.invite_code AS member, o.buyer_name, o.buyer_phone, c.name AS customer,
              (SELECT json_group_array(json_array(l.line_no, l.sku, l.name, l.quantity, l.unit_price_fen, l.amount_fen, l.product_id IS NOT NULL))
               FROM order_lines l WHERE l.order_id = o.id ORDER BY l.line_no) AS lines
       FROM orders o LEFT JOIN members m ON m.id = o.member_id LEFT JOIN customers c ON c.id = o.customer_id ORDER BY o.order_no`,
    )
    .all()

describe('exports', () => {
  for (const format of ['csv', 'xlsx'] as const) {
    it(`round-trips customers, products and orders through ${format.toUpperCase()} into an empty studio`, async () => {
      await fill(studio)
      const copy = open(`copy-${format}`)
      await copy.invoke('members', 'create', { name: '金牌店主', inviteCode: 'GOLD01' })
      for (const entity of ['products', 'customers', 'orders'] as const) {
        const out = await studio.invoke('exports', 'run', { entity, format, path: join(dir, `${entity}.${format}`) })
        const result = await copy.invoke('imports', 'run', { entity, path: out.path })
        expect(result, entity).toMatchObject({ committed: true, errorCount: 0 })
      }
      expect(products(copy)).toEqual(products(studio))
      expect(customers(copy)).toEqual(customers(studio))
      expect(orders(copy)).toEqual(orders(studio))

      // And the copy exports the very same file (apart from when it was made).
      for (const entity of ['products', 'customers', 'orders'] as const) {
        const again = await copy.invoke('exports', 'run', { entity, format, path: join(dir, `again-${entity}.${format}`) })
        const before = await studio.invoke('imports', 'preview', { entity, path: join(dir, `${entity}.${format}`) })
        const after = await copy.invoke('imports', 'preview', { entity, path: again.path })
        expect(after.sampleRows).toEqual(before.sampleRows)
      }
    })
  }

  it('never writes a cell a spreadsheet would execute', async () => {
    await fill(studio)
    const csv = await studio.invoke('exports', 'run', { entity: 'customers', format: 'csv', path: join(dir, 'c.csv') })
    const text = readFileSync(csv.path, 'utf8')
    expect(text.startsWith('\uFEFF姓名,微信号,手机,')).toBe(true)
    expect(text).toContain(`"'=HYPERLINK(""http://x"",""点我"")"`)
    expect(text).toContain(`'@wx_eq`)
    expect(text).toContain(`'+8613800138000,+8657188886666`)
    // No field anywhere starts with a formula character.
    const fields = Papa.parse<string[]>(text.slice(1)).data.flat()
    expect(fields.filter((f) => /^[=+\-@\t\r]/.test(f))).toEqual([])
    expect(fields).toContain('-先付后发\n周末送货, "放门口"'.replace(/^/, "'"))

    const xlsx = await studio.invoke('exports', 'run', { entity: 'products', format: 'xlsx', path: join(dir, 'p.xlsx') })
    const book = new ExcelJS.Workbook()
    await book.xlsx.readFile(xlsx.path)
    const ws = book.getWorksheet('商品')!
    expect(ws.getRow(1).values).toEqual([undefined, '商品编码', '商品名称', '品牌', '类目', '图片', '原价', '售价', '控价', '库存', '佣金比例', '上级佣金比例', '卖点'])
    // In XLSX a string cell is text, never a formula: it needs (and gets) no quote.
    const facts: string[] = []
    ws.eachRow((row, n) => n > 1 && facts.push(String(row.getCell(12).value ?? '')))
    expect(facts).toContain('+玻尿酸 三重补水')
    ws.eachRow((row) => row.eachCell((cell) => expect(cell.formula ?? null).toBeNull()))
  })

  it('writes XLSX as spreadsheet data: phones as plain text, money as numbers in yuan with a number format, counts as numbers', async () => {
    await fill(studio)
    const out = await studio.invoke('exports', 'run', { entity: 'customers', format: 'xlsx', path: join(dir, 'c.xlsx') })
    const book = new ExcelJS.Workbook()
    await book.xlsx.readFile(out.path)
    const ws = book.getWorksheet('客户')!
    const header = (ws.getRow(1).values as unknown[]).slice(1)
    const rowOf = (name: string) => {
      let found: ExcelJS.Row | undefined
      ws.eachRow((row) => {
        if (row.getCell(1).value === name) found = row
      })
      return found!
    }
    const col = (h: string) => header.indexOf(h) + 1
    const li = rowOf('李娜')
    expect(li.getCell(col('手机')).value).toBe('+8613900139000')
    expect(rowOf('=HYPERLINK("http://x","点我")').getCell(col('手机')).value).toBe('+8613800138000,+8657188886666')
    expect(rowOf('=HYPERLINK("http://x","点我")').getCell(col('微信号')).value).toBe('@wx_eq')
    const spent = customers(studio).find((c) => (c as { name: string }).name === '李娜') as { total_spent_fen: number; order_count: number }
    expect(li.getCell(col('消费总额')).value).toBe(spent.total_spent_fen / 100)
    expect(li.getCell(col('消费总额')).numFmt).toBe('#,##0.00')
    expect(li.getCell(col('订单数')).value).toBe(spent.order_count)

    const orderBook = new ExcelJS.Workbook()
    await orderBook.xlsx.readFile((await studio.invoke('exports', 'run', { entity: 'orders', format: 'xlsx', path: join(dir, 'o.xlsx') })).path)
    const os = orderBook.getWorksheet('订单')!
    const amounts: unknown[] = []
    os.eachRow((row, n) => n > 1 && amounts.push(row.getCell(10).value, row.getCell(8).value))
    expect(amounts.every((v) => typeof v === 'number')).toBe(true)
    expect(os.getRow(2).getCell(9).numFmt).toBe('#,##0.00')
    // A phone never carries the quote meant for CSV.
    os.eachRow((row) => row.eachCell((cell) => expect(String(cell.value)).not.toMatch(/^'/)))
  })

  it('writes only the columns a person chose, in their order, and refuses a column that does not exist', async () => {
    await fill(studio)
    const csv = await studio.invoke('exports', 'run', { entity: 'customers', format: 'csv', path: join(dir, 'pick.csv'), columns: ['name', 'totalSpent', 'phones'] })
    const rows = Papa.parse<string[]>(readFileSync(csv.path, 'utf8').slice(1), { skipEmptyLines: true }).data
    expect(rows[0]).toEqual(['姓名', '消费总额', '手机'])
    expect(rows.find((r) => r[0] === '李娜')).toEqual(['李娜', '248.00', "'+8613900139000"])
    const xlsx = await studio.invoke('exports', 'run', { entity: 'orders', format: 'xlsx', path: join(dir, 'pick.xlsx'), columns: ['orderNo', 'amount'] })
    const book = new ExcelJS.Workbook()
    await book.xlsx.readFile(xlsx.path)
    const ws = book.getWorksheet('订单')!
    expect((ws.getRow(1).values as unknown[]).slice(1)).toEqual(['订单号', '金额'])
    expect(ws.columnCount).toBe(2)

    await expect(studio.invoke('exports', 'run', { entity: 'customers', format: 'csv', path: join(dir, 'bad.csv'), columns: ['name', 'salary'] })).rejects.toMatchObject({
      code: 'invalid_input',
      details: { issues: [{ path: 'columns.1', message: expect.stringContaining('salary') }] },
    })
    expect(existsSync(join(dir, 'bad.csv'))).toBe(false)
  })

  it('writes dates as the studio reads them: date cells in XLSX, YYYY-MM-DD HH:mm in CSV, never UTC ISO strings', async () => {
    await fill(studio)
    // #1001 was placed at 2026-11-18 10:00:05 +0800: 02:00:05 in UTC, a different hour whatever the machine’s zone.
    const csv = await studio.invoke('exports', 'run', { entity: 'orders', format: 'csv', path: join(dir, 'o.csv') })
    const rows = Papa.parse<string[]>(readFileSync(csv.path, 'utf8').slice(1), { skipEmptyLines: true }).data
    const first = rows.find((r) => r[0] === '#1001')!
    expect(first[1]).toBe('2026-11-18 10:00:05')
    expect(readFileSync(csv.path, 'utf8')).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/)
    const customerCsv = await studio.invoke('exports', 'run', { entity: 'customers', format: 'csv', path: join(dir, 'c.csv') })
    const wang = Papa.parse<string[]>(readFileSync(customerCsv.path, 'utf8').slice(1), { skipEmptyLines: true }).data.find((r) => r[0] === '李娜')!
    // 建档时间: made at the studio’s clock, 2026-11-20 04:00 UTC = 12:00 in Beijing.
    expect(wang[12]).toBe('2026-11-20 12:00')

    const xlsx = await studio.invoke('exports', 'run', { entity: 'orders', format: 'xlsx', path: join(dir, 'o.xlsx') })
    const book = new ExcelJS.Workbook()
    await book.xlsx.readFile(xlsx.path)
    const ws = book.getWorksheet('订单')!
    const placed = ws.getRow(2).getCell(2)
    expect(placed.value).toBeInstanceOf(Date)
    // A spreadsheet date carries no zone: its fields are the studio’s wall clock.
    expect((placed.value as Date).toISOString()).toBe('2026-11-18T10:00:05.000Z')
    expect(placed.numFmt).toBe('yyyy-mm-dd hh:mm')

    // Another studio zone moves every date with it.
    await studio.invoke('settings', 'update', { timezone: 'America/Los_Angeles' })
    const la = await studio.invoke('exports', 'run', { entity: 'orders', format: 'csv', path: join(dir, 'o-la.csv') })
    const laFirst = Papa.parse<string[]>(readFileSync(la.path, 'utf8').slice(1), { skipEmptyLines: true }).data.find((r) => r[0] === '#1001')!
    expect(laFirst[1]).toBe('2026-11-17 18:00:05')
  })

  it('writes to the data folder’s exports/ with a timestamped name when no path is given', async () => {
    await fill(studio)
    const out = await studio.invoke('exports', 'run', { entity: 'orders', format: 'csv' })
    expect(out.path).toBe(join(studio.paths.exports, 'orders-20261120-120000.csv'))
    expect(out.rows).toBe(6)
    expect(readdirSync(studio.paths.exports)).toEqual(['orders-20261120-120000.csv'])
  })

  it('exports only the customers the list shows with its filters', async () => {
    await fill(studio)
    for (const [name, phone, relClass, tags] of [
      ['王芳', '13700000001', 'A', ['宝妈']],
      ['王小丽', '13700000002', 'B', ['宝妈', '老客户']],
      ['张伟', '13700000003', 'A', ['上班族']],
      ['王强', '13700000004', 'C', []],
    ] as const) {
      await studio.invoke('customers', 'create', { name, phones: [phone], relClass, tags: [...tags] })
    }
    const exported = async (filter: object, file: string) => {
      const out = await studio.invoke('exports', 'run', { entity: 'customers', format: 'csv', path: join(dir, file), filter })
      const rows = Papa.parse<string[]>(readFileSync(out.path, 'utf8').slice(1), { skipEmptyLines: true }).data.slice(1)
      const listed = await studio.invoke('customers', 'list', { ...filter, limit: 500 })
      // The same customers the list counts and shows, whatever its page size.
      expect(out.rows).toBe(listed.total)
      expect(rows.map((r) => r[0]).sort()).toEqual(listed.rows.map((c) => c.name).sort())
      return rows.map((r) => r[0])
    }
    expect((await exported({ search: '王' }, 'wang.csv')).sort()).toEqual(['王小丽', '王强', '王芳'])
    expect((await exported({ relClass: ['A'], tags: ['宝妈'] }, 'a-mums.csv'))).toEqual(['王芳'])
    expect((await exported({ tags: ['宝妈', '老客户'] }, 'both.csv'))).toEqual(['王小丽'])
    expect(await exported({ search: '没有这个人' }, 'none.csv')).toEqual([])
    // Without a filter, everybody.
    const all = await studio.invoke('exports', 'run', { entity: 'customers', format: 'xlsx', path: join(dir, 'all.xlsx') })
    expect(all.rows).toBe(customers(studio).length)
    // Named as a filtered export in the exports folder: the A-class customers of fill() and 王芳 and 张伟.
    const named = await studio.invoke('exports', 'run', { entity: 'customers', format: 'csv', filter: { relClass: ['A'] } })
    expect(named).toMatchObject({ fileName: 'customers-filtered-20261120-120000.csv', rows: 3 })
  })

  it('refuses list filters on anything but customers, naming the field', async () => {
    await expect(studio.invoke('exports', 'run', { entity: 'products', format: 'csv', path: join(dir, 'p.csv'), filter: { relClass: ['A'] } })).rejects.toMatchObject({
      code: 'invalid_input',
      details: { issues: [{ path: 'filter', message: expect.stringContaining('customer') }] },
    })
    expect(existsSync(join(dir, 'p.csv'))).toBe(false)
  })

  it('leaves no file behind when it cannot write', async () => {
    await fill(studio)
    const blocker = join(dir, 'not-a-folder')
    writeFileSync(blocker, 'x')
    await expect(studio.invoke('exports', 'run', { entity: 'customers', format: 'csv', path: join(blocker, 'c.csv') })).rejects.toMatchObject({ code: 'export_failed' })
    expect(existsSync(join(blocker, 'c.csv'))).toBe(false)
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })
})

describe('exports on the job engine', () => {
  it('reports rows written of all of them in the one progress shape, and records the file’s hash in the audit log', async () => {
    await fill(studio)
    const events: { jobId: string; kind: string; phase: string; done: number; total: number }[] = []
    studio.on('job.progress', (p) => events.push(p))
    const target = join(dir, 'out', 'customers.csv')
    const result = await studio.invoke('exports', 'run', { entity: 'customers', format: 'csv', path: target, jobId: 'export-1' })
    const hash = createHash('sha256').update(readFileSync(target)).digest('hex')
    expect(result).toMatchObject({ rows: 5, sha256: hash })
    expect(events.length).toBeGreaterThan(0)
    expect(events.every((e) => e.jobId === 'export-1' && e.kind === 'export' && e.phase === 'rows' && e.total === 5)).toBe(true)
    expect(events.at(-1)).toMatchObject({ done: 5, total: 5 })
    const audit = studio.context.db.prepare("SELECT after_json FROM audit_log WHERE kind = 'data.exported'").pluck().all() as string[]
    expect(audit.map((a) => JSON.parse(a) as unknown)).toEqual([expect.objectContaining({ file: 'customers.csv', rows: 5, sha256: hash, bytes: readFileSync(target).length })])
    // Only the export itself is in the folder: no temporary of any shape.
    expect(readdirSync(join(dir, 'out'))).toEqual(['customers.csv'])
  })

  it('leaves neither the file nor its temporary when the writer fails part-way', async () => {
    await fill(studio)
    const out = join(dir, 'out')
    mkdirSync(out)
    const before = readdirSync(out)
    // A folder where the export's file should be: the rename into place fails after the rows were written.
    mkdirSync(join(out, 'orders.xlsx'))
    await expect(studio.invoke('exports', 'run', { entity: 'orders', format: 'xlsx', path: join(out, 'orders.xlsx') })).rejects.toMatchObject({ code: 'export_failed' })
    expect(readdirSync(out).filter((f) => !before.includes(f))).toEqual(['orders.xlsx'])
    expect(readdirSync(out).some(isTemporary)).toBe(false)
  })
})
