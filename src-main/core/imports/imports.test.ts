import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fixedClock } from '../clock'
import { createCore, type OrchardCore } from '../api'

let dir: string
let core: OrchardCore
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-import-'))
  core = createCore({ dataDir: join(dir, 'data'), host: 'test', firstStart: 'empty', clock: fixedClock('2026-11-20T04:00:00Z') })
})
afterEach(() => {
  core.close()
  rmSync(dir, { recursive: true, force: true })
})

const file = (name: string, content: string | Buffer) => {
  const path = join(dir, name)
  writeFileSync(path, content)
  return path
}
const run = (entity: 'customers' | 'products' | 'orders', path: string, extra: Record<string, unknown> = {}) =>
  core.invoke('imports', 'run', { entity, path, ...extra })
const count = (table: string) => (core.context.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n

const CUSTOMERS = '姓名,手机,微信号,标签,客户分类,消费群体,备注\n王芳,138 0013 8000,wangfang,宝妈、上班族,A,务实羊毛党,老客户\n李娜,13900139000,lina88,学生党,B,,\n'

describe('reading files', () => {
  it('reads UTF-8, UTF-8 with BOM and GBK the same', async () => {
    // saved by a Chinese spreadsheet program as GBK
    const gbk = readFileSync(join(import.meta.dirname, '..', '..', '..', 'tests', 'fixtures', 'imports', 'customers-gbk.csv'))
    expect(gbk.toString('utf8')).not.toContain('王芳')
    for (const [name, bytes, encoding] of [
      ['utf8.csv', Buffer.from(CUSTOMERS, 'utf8'), 'UTF-8'],
      ['bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(CUSTOMERS, 'utf8')]), 'UTF-8 (BOM)'],
      ['gbk.csv', gbk, 'GB18030 (GBK)'],
    ] as const) {
      const preview = await core.invoke('imports', 'preview', { entity: 'customers', path: file(name, bytes) })
      expect(preview.encoding).toBe(encoding)
      expect(preview.headers).toEqual(['姓名', '手机', '微信号', '标签', '客户分类', '消费群体', '备注'])
      expect(preview.sampleRows[0][0]).toBe('王芳')
      expect(preview.mapping).toMatchObject({ name: '姓名', phones: '手机', wechatId: '微信号', tags: '标签', relClass: '客户分类' })
    }
  })

  it('reads the first sheet of an Excel file', async () => {
    const book = new ExcelJS.Workbook()
    const ws = book.addWorksheet('客户')
    ws.addRow(['姓名', '手机'])
    ws.addRow(['陈晓', 13700137000])
    const path = join(dir, 'c.xlsx')
    await book.xlsx.writeFile(path)
    const result = await run('customers', path)
    expect(result).toMatchObject({ committed: true, inserted: 1 })
    const list = await core.invoke('customers', 'list', { search: '陈晓' })
    expect(list.rows[0].phones).toEqual(['+8613700137000'])
  })

  it('refuses an empty file with a located error', async () => {
    await expect(run('customers', file('empty.csv', ''))).rejects.toMatchObject({ code: 'import_empty', details: { file: 'empty.csv' } })
  })
})

describe('customers', () => {
  it('imports, normalises, and changes nothing when the same file comes again', async () => {
    const path = file('c.csv', CUSTOMERS)
    expect(await run('customers', path)).toMatchObject({ committed: true, inserted: 2, updated: 0, rejectedRows: 0 })
    const wang = (await core.invoke('customers', 'list', { search: '王芳' })).rows[0]
    expect(wang).toMatchObject({ phones: ['+8613800138000'], tags: ['宝妈', '上班族'], relClass: 'A', segment: 'bargain' })
    const before = core.context.db.prepare('SELECT updated_at FROM customers ORDER BY id').all()
    expect(await run('customers', path)).toMatchObject({ inserted: 0, updated: 0, unchanged: 2 })
    expect(core.context.db.prepare('SELECT updated_at FROM customers ORDER BY id').all()).toEqual(before)
    expect(count('customers')).toBe(2)
  })

  it('reports every bad row with row, column, value and reason, and writes nothing by default', async () => {
    const path = file('bad.csv', '姓名,手机,客户分类\n周一,13800000001,A\n吴二,12345,B\n,13800000003,C\n郑四,13800000001,D\n')
    const result = await run('customers', path)
    expect(result.committed).toBe(false)
    expect(result.rejectedRows).toBe(3)
    expect(result.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ row: 3, column: '手机', value: '12345', code: 'invalid_phone' }),
        expect.objectContaining({ row: 4, column: '姓名', value: '', code: 'required' }),
        expect.objectContaining({ row: 5, column: '客户分类', value: 'D', code: 'invalid_class' }),
        expect.objectContaining({ row: 5, column: '手机', code: 'duplicate_in_file', reason: expect.stringContaining('第 2 行') }),
      ]),
    )
    expect(count('customers')).toBe(0)
    const report = await core.invoke('imports', 'reportCsv', { importId: result.importId })
    expect(report.csv.startsWith('\uFEFF行号 Row,列 Column,值 Value,原因 Reason')).toBe(true)
    expect(report.csv).toContain('3,手机,12345,')

    const valid = await run('customers', path, { mode: 'valid-rows' })
    expect(valid).toMatchObject({ committed: true, inserted: 1, rejectedRows: 3 })
    expect(count('customers')).toBe(1)
    const history = await core.invoke('imports', 'history', {})
    expect(history.map((h) => h.committed)).toEqual([true, false])
  })
})

describe('products', () => {
  it('reads money exactly and refuses three decimals or a sale price under the floor', async () => {
    const path = file('p.csv', '商品编码,商品名称,原价,售价,控价,佣金比例\nSKU-1,面霜,"¥1,299.00",1099.9,899,12.5%\nSKU-2,精华,199,99.999,80,10\nSKU-3,口红,199,79,89,10\n')
    const result = await run('products', path, { mode: 'valid-rows' })
    expect(result.errors).toEqual([
      expect.objectContaining({ row: 3, column: '售价', value: '99.999', code: 'invalid_money' }),
      expect.objectContaining({ row: 4, column: '售价', code: 'below_price_floor' }),
    ])
    const p = core.context.db.prepare('SELECT list_price_fen, sale_price_fen, price_floor_fen, commission_bp FROM products').get()
    expect(p).toEqual({ list_price_fen: 129900, sale_price_fen: 109990, price_floor_fen: 89900, commission_bp: 1250 })
  })
})

describe('orders', () => {
  const SHOPIFY = [
    'Name,Email,Financial Status,Paid at,Created at,Cancelled at,Refunded Amount,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Billing Name,Billing Phone,Tags,Note Attributes',
    '#1001,a@example.com,paid,2026-11-18 10:00:00 +0800,2026-11-18 10:00:00 +0800,,0.00,2,洗衣液,39.90,SKU-A,王芳,13800138000,ref:GOLD01,',
    '#1001,,,,,,,1,面膜,59.00,SKU-B,,,,',
    '#1002,b@example.com,partially_refunded,,2026-11-19 20:30:00 +0800,,20.00,1,奶粉,268.00,SKU-C,李娜,13900139000,,ref: NOBODY',
    '#1003,c@example.com,voided,,2026-11-19 21:00:00 +0800,2026-11-19 22:00:00 +0800,,1,纸巾,29.90,SKU-D,陈晓,13700137000,,',
  ].join('\n')

  it('reads Shopify exports: lines grouped per order, refunds, cancellations and ref: attribution', async () => {
    const member = await core.invoke('members', 'create', { name: '张店主', inviteCode: 'GOLD01' })
    const path = file('orders_export.csv', SHOPIFY)
    const preview = await core.invoke('imports', 'preview', { entity: 'orders', path })
    expect(preview.detectedFormat).toBe('shopify')
    const result = await run('orders', path)
    expect(result).toMatchObject({ committed: true, inserted: 3, unattributedOrders: 2 })
    const orders = core.context.db.prepare('SELECT order_no, status, total_fen, refunded_fen, member_id, attribution_code FROM orders ORDER BY order_no').all()
    expect(orders).toEqual([
      { order_no: '#1001', status: 'paid', total_fen: 2 * 3990 + 5900, refunded_fen: 0, member_id: member.id, attribution_code: 'GOLD01' },
      { order_no: '#1002', status: 'partially_refunded', total_fen: 26800, refunded_fen: 2000, member_id: null, attribution_code: 'NOBODY' },
      { order_no: '#1003', status: 'cancelled', total_fen: 2990, refunded_fen: 0, member_id: null, attribution_code: null },
    ])
    expect(count('order_lines')).toBe(4)
    const unattributed = await core.invoke('orders', 'list', { unattributed: true })
    expect(unattributed.total).toBe(2)
    const wang = (await core.invoke('customers', 'list', { search: '王芳' })).rows[0]
    expect(wang).toMatchObject({ orderCount: 1, totalSpentFen: 13880 })
    expect(await run('orders', path)).toMatchObject({ inserted: 0, updated: 0, unchanged: 3 })
  })

  it('rejects an order whose line has a bad quantity, naming the line', async () => {
    const path = file('o.csv', '订单号,下单时间,商品编码,商品名称,数量,单价\nA1,2026-11-18 10:00,S1,洗衣液,2,39.9\nA1,2026-11-18 10:00,S2,面膜,0,59\nA2,2026/11/19 9:05,S1,洗衣液,1,39.9\n')
    const result = await run('orders', path, { mode: 'valid-rows' })
    expect(result.errors).toEqual([expect.objectContaining({ row: 3, column: '数量', value: '0', code: 'out_of_range' })])
    expect(result).toMatchObject({ inserted: 1, rejectedRows: 2 })
    expect(core.context.db.prepare('SELECT placed_at FROM orders').get()).toEqual({ placed_at: '2026-11-19T01:05:00.000Z' })
  })
})

describe('exports', () => {
  it('round-trips customers through CSV and XLSX, with formula cells neutralised', async () => {
    await core.invoke('customers', 'create', { name: '=HYPERLINK("x")', phones: ['13800138000'], tags: ['宝妈'], notes: '-先付后发', relClass: 'A', segment: 'family' })
    for (const format of ['csv', 'xlsx'] as const) {
      const out = await core.invoke('exports', 'run', { entity: 'customers', format, path: join(dir, `out.${format}`) })
      expect(out.rows).toBe(1)
      if (format === 'csv') {
        const text = readFileSync(out.path, 'utf8')
        expect(text).toContain(`"'=HYPERLINK(""x"")"`)
        expect(text).toContain("'+8613800138000")
        expect(text).not.toMatch(/(^|,)=HYPERLINK/m)
      }
      const other = createCore({ dataDir: join(dir, `copy-${format}`), host: 'test', firstStart: 'empty' })
      try {
        const result = await other.invoke('imports', 'run', { entity: 'customers', path: out.path })
        expect(result).toMatchObject({ committed: true, inserted: 1 })
        const c = (await other.invoke('customers', 'list', {})).rows[0]
        expect(c).toMatchObject({ name: '=HYPERLINK("x")', phones: ['+8613800138000'], tags: ['宝妈'], notes: '-先付后发', relClass: 'A', segment: 'family' })
      } finally {
        other.close()
      }
    }
  })
})
