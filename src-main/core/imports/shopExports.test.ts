import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createCore, type OrchardCore } from '../api'
import { fixedClock } from '../clock'
import { allocateRefund } from '../ledger/posting'
import { DEFAULT_SCHEME_RULES } from '../ledger/schemes'
import { actAs } from '../lifecycle/lifecycle.testkit'
import { toStudioFen } from './orders'

/**
 * Orders from exports written by the shops themselves, not by Orchard: Shopify's current
 * 79-column export, and the order exports of 有赞, 微店 and 快团团.
 */
const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'tests', 'fixtures', 'imports')

let dir: string
let core: OrchardCore
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-shop-exports-'))
  core = createCore({ dataDir: join(dir, 'data'), host: 'test', firstStart: 'empty', clock: fixedClock('2026-11-20T04:00:00Z') })
  actAs(core, 'manager', '陈姐')
})
afterEach(async () => {
  await core.close()
  rmSync(dir, { recursive: true, force: true })
})

const db = () => core.context.db
const count = (table: string) => (db().prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n
const orderRow = (no: string) => db().prepare('SELECT * FROM orders WHERE order_no = ?').get(no) as Record<string, string | number | null>
const linesOf = (no: string) =>
  db()
    .prepare('SELECT l.line_no, l.unit_price_fen, l.amount_fen, l.discount_fen, l.refunded_fen FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.order_no = ? ORDER BY l.line_no')
    .all(no) as { line_no: number; unit_price_fen: number; amount_fen: number; discount_fen: number; refunded_fen: number | null }[]
/** Everything an order import can change, to compare before and after. */
const studio = () =>
  JSON.stringify(
    ['orders', 'order_lines', 'customers', 'customer_phones'].map((t) => db().prepare(`SELECT * FROM ${t} ORDER BY 1`).all()),
  )
const write = (name: string, content: string | Buffer) => {
  const path = join(dir, name)
  writeFileSync(path, content)
  return path
}
const csvCell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)

/** Shopify's current orders export: these 79 columns in this order (help.shopify.com, "Exporting orders"). */
const SHOPIFY_HEADERS = (
  'Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,' +
  'Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,' +
  'Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,' +
  'Billing Company,Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,Shipping Address1,' +
  'Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,' +
  'Cancelled at,Payment Method,Payment Reference,Refunded Amount,Vendor,Outstanding Balance,Employee,Location,Device ID,Id,Tags,Risk Level,' +
  'Source,Lineitem discount,Tax 1 Name,Tax 1 Value,Tax 2 Name,Tax 2 Value,Tax 3 Name,Tax 3 Value,Tax 4 Name,Tax 4 Value,Tax 5 Name,' +
  'Tax 5 Value,Phone,Receipt Number,Duties,Billing Province Name,Shipping Province Name,Payment ID,Payment Terms Name,Next Payment Due At,' +
  'Payment References'
).split(',')

type ShopifyRow = Partial<Record<(typeof SHOPIFY_HEADERS)[number], string>>
/** An order's first row carries its own columns; its other lines only the line's (and Name, Email, Id, Phone), as Shopify writes them. */
function shopifyOrder(order: ShopifyRow, lines: ShopifyRow[]): ShopifyRow[] {
  const repeated = { Name: order.Name, Email: order.Email, Id: order.Id, Phone: order.Phone }
  return lines.map((line, i) => ({ ...(i === 0 ? order : repeated), 'Lineitem requires shipping': 'true', 'Lineitem taxable': 'true', ...line }))
}
function shopifyCsv(rows: ShopifyRow[]): string {
  return [SHOPIFY_HEADERS, ...rows.map((r) => SHOPIFY_HEADERS.map((h) => r[h] ?? ''))].map((r) => r.map(csvCell).join(',')).join('\n') + '\n'
}
const paidOrder = (name: string, extra: ShopifyRow = {}): ShopifyRow => ({
  Name: name,
  Email: 'buyer@example.com',
  'Financial Status': 'paid',
  'Paid at': '2026-11-18 10:00:05 +0800',
  'Fulfillment Status': 'unfulfilled',
  'Accepts Marketing': 'no',
  Currency: 'CNY',
  'Created at': '2026-11-18 10:00:00 +0800',
  'Billing Name': '王芳',
  'Billing Phone': '+86 138 0013 8000',
  'Billing Country': 'CN',
  'Shipping Street': '浙江省杭州市西湖区文三路 18 号',
  'Outstanding Balance': '0.00',
  'Refunded Amount': '0.00',
  'Discount Amount': '0.00',
  Shipping: '0.00',
  Taxes: '0.00',
  Source: 'web',
  ...extra,
})
const line = (name: string, sku: string, price: string, quantity = '1', discount = '0.00'): ShopifyRow => ({
  'Lineitem name': name,
  'Lineitem sku': sku,
  'Lineitem price': price,
  'Lineitem quantity': quantity,
  'Lineitem discount': discount,
  'Lineitem fulfillment status': 'pending',
})

const run = (path: string, extra: Record<string, unknown> = {}) => core.invoke('imports', 'run', { entity: 'orders', path, ...extra })

describe("Shopify's current export", () => {
  /** The export of the issue: a buyer's phone without an area code, an e-mail that is none, discounts at both levels, shipping and taxes. */
  const CURRENT = () =>
    shopifyCsv([
      ...shopifyOrder(
        paidOrder('#3001', {
          'Billing Phone': '555-0100',
          Email: 'buyer at example',
          Shipping: '10.00',
          Taxes: '3.00',
          'Discount Code': 'VIP15',
          // The order's total discount: the 5.00 on the first line and 10.00 across the order.
          'Discount Amount': '15.00',
          Id: '5550001',
          Tags: 'vip, ref:GOLD01',
        }),
        [line('双抗精华', 'MZ-001', '100.00', '2', '5.00'), line('洁面乳', 'MZ-002', '30.00')],
      ),
      ...shopifyOrder(paidOrder('#3002', { 'Financial Status': 'partially_paid', 'Outstanding Balance': '20.00', Id: '5550002' }), [line('洁面乳', 'MZ-002', '30.00')]),
      ...shopifyOrder(paidOrder('#3003', { 'Financial Status': 'voided', Id: '5550003' }), [line('洁面乳', 'MZ-002', '30.00')]),
      ...shopifyOrder(paidOrder('#3004', { 'Financial Status': 'expired', Id: '5550004' }), [line('洁面乳', 'MZ-002', '30.00')]),
      ...shopifyOrder(paidOrder('#3005', { 'Outstanding Balance': '5.00', Id: '5550005' }), [line('洁面乳', 'MZ-002', '30.00')]),
      ...shopifyOrder(paidOrder('#3006', { 'Cancelled at': '2026-11-19 09:00:00 +0800', 'Refunded Amount': '30.00', Id: '5550006' }), [line('洁面乳', 'MZ-002', '30.00')]),
      ...shopifyOrder(paidOrder('#3007', { 'Note Attributes': 'ref: SILVER2', 'Refunded Amount': '10.00', Id: '5550007' }), [line('洁面乳', 'MZ-002', '30.00')]),
    ])

  it('keeps an order whose buyer phone and e-mail look wrong, with located warnings, and refuses nothing for them', async () => {
    const path = write('orders_export_1.csv', CURRENT())
    const preview = await core.invoke('imports', 'preview', { entity: 'orders', path })
    expect(preview.headers).toHaveLength(79)
    expect(preview.detectedFormat).toBe('shopify')
    expect(preview.mapping).toMatchObject({ lineDiscount: 'Lineitem discount', orderDiscount: 'Discount Amount', shopOrderId: 'Id', outstanding: 'Outstanding Balance', currency: 'Currency' })

    const result = await run(path)
    // All-or-nothing, the default: a contact detail does not stop the file.
    expect(result).toMatchObject({ committed: true, inserted: 7, rejectedRows: 0, errorCount: 0, warningCount: 2 })
    expect(result.warnings).toEqual([
      { row: 2, column: 'Billing Phone', value: '555-0100', code: 'invalid_buyerPhone', reason: expect.stringContaining('不是有效的电话号码') },
      { row: 2, column: 'Email', value: 'buyer at example', code: 'invalid_buyerEmail', reason: expect.stringContaining('not an e-mail address') },
    ])
    // The value as given, on the order; no customer is matched or made by a number that is none.
    expect(orderRow('#3001')).toMatchObject({ buyer_phone: '555-0100', buyer_email: 'buyer at example', buyer_address: '浙江省杭州市西湖区文三路 18 号', shop_order_id: '5550001' })
    expect(count('customer_phones')).toBe(1)

    // The warnings are downloadable like the rejected rows.
    const report = await core.invoke('imports', 'reportCsv', { importId: result.importId, kind: 'warnings' })
    expect(report.fileName).toBe('orders_export_1-警告报告.csv')
    expect(report.csv).toContain('2,Billing Phone,555-0100,')
    expect(report.csv).toContain('警告 Warning')
    expect((await core.invoke('imports', 'history', {}))[0]).toMatchObject({ importId: result.importId, warningCount: 2 })

    // A role that sees contacts masked never writes them: its import of buyers' contacts is refused and changes nothing…
    actAs(core, 'trainer', '培训师小林')
    const ordersBefore = count('orders')
    await expect(run(path)).rejects.toMatchObject({ code: 'forbidden' })
    expect(count('orders')).toBe(ordersBefore)
    // …and it reads another's run's warnings masked, in the report and on the order.
    const maskedReport = await core.invoke('imports', 'reportCsv', { importId: result.importId, kind: 'warnings' })
    expect(maskedReport.csv).not.toContain('555-0100')
    expect(maskedReport.csv).not.toContain('buyer at example')
    const order = await core.invoke('orders', 'get', { id: orderRow('#3001').id as string })
    expect(order).toMatchObject({ buyerPhone: '****', buyerEmail: '****', buyerAddress: '浙江省杭州市****' })
  })

  it('maps Financial Status and Outstanding Balance to a status, Cancelled at, Refunded Amount and ref: codes as the shop wrote them', async () => {
    const gold = await core.invoke('members', 'create', { name: '金牌', inviteCode: 'GOLD01' })
    const silver = await core.invoke('members', 'create', { name: '银牌', inviteCode: 'SILVER2' })
    await run(write('orders.csv', CURRENT()))
    const state = (no: string) => {
      const o = orderRow(no)
      return [o.status, o.refunded_fen, o.member_id, o.attribution_code]
    }
    expect(state('#3001')).toEqual(['paid', 0, gold.id, 'GOLD01'])
    expect(state('#3002')).toEqual(['pending', 0, null, null])
    // A cancellation takes all the commission back whatever refund the export states (see posting).
    expect(state('#3003')).toEqual(['cancelled', 0, null, null])
    expect(state('#3004')).toEqual(['cancelled', 0, null, null])
    // Financial Status says paid, but a balance is still owed: commission waits.
    expect(state('#3005')).toEqual(['pending', 0, null, null])
    expect(state('#3006')).toEqual(['cancelled', 3000, null, null])
    expect(orderRow('#3006').refunded_at).toBe('2026-11-19T01:00:00.000Z')
    expect(state('#3007')).toEqual(['partially_refunded', 1000, silver.id, 'SILVER2'])
  })

  it('refuses a Financial Status it does not know, at its row and column, and writes nothing', async () => {
    const before = studio()
    const result = await run(
      write('disputed.csv', shopifyCsv([...shopifyOrder(paidOrder('#3101'), [line('洁面乳', 'MZ-002', '30.00')]), ...shopifyOrder(paidOrder('#3102', { 'Financial Status': 'disputed' }), [line('洁面乳', 'MZ-002', '30.00')])])),
    )
    expect(result).toMatchObject({ committed: false, rejectedRows: 1 })
    expect(result.errors).toEqual([{ row: 3, column: 'Financial Status', value: 'disputed', code: 'invalid_status', reason: expect.stringContaining('unknown order status') }])
    expect(studio()).toBe(before)
  })

  it('computes commission on what the buyer paid for each line: discounts off, shared in whole fen, shipping and taxes never in it', async () => {
    await core.invoke('members', 'create', { name: '金牌', inviteCode: 'GOLD01' })
    await core.invoke('schemes', 'save', { name: '一级', rules: { ...DEFAULT_SCHEME_RULES, tiers: 1, sellerBp: [1000, 1000, 1000], mentorBp: [0, 0, 0], useProductRates: false } })
    await run(write('orders.csv', CURRENT()))

    // 2 × 100.00 less the line's own 5.00, and 30.00: 195.00 and 30.00. Of Discount Amount 15.00,
    // the 5.00 is the line's; the other 10.00 is shared by the lines' amounts, exactly as refunds are.
    const shares = allocateRefund([19500, 3000], 1000)
    expect(shares).toEqual([867, 133])
    expect(linesOf('#3001')).toEqual([
      { line_no: 1, unit_price_fen: 10000, amount_fen: 19500 - 867, discount_fen: 500 + 867, refunded_fen: null },
      { line_no: 2, unit_price_fen: 3000, amount_fen: 3000 - 133, discount_fen: 133, refunded_fen: null },
    ])
    expect(orderRow('#3001')).toMatchObject({ total_fen: 18633 + 2867, discount_fen: 1000, shipping_fen: 1000, tax_fen: 300 })

    await core.invoke('ledger', 'post', {})
    const page = await core.invoke('ledger', 'entries', { limit: 50 })
    const sales = page.rows.filter((e) => e.kind === 'sale_commission').sort((a, b) => a.sourceKey.localeCompare(b.sourceKey))
    expect(sales.map((e) => [e.sourceKey, e.baseFen, e.amountFen])).toEqual([
      ['#3001#1', 18633, 1863],
      ['#3001#2', 2867, 287],
    ])
    expect(sales[0].memo).toContain('计佣基数 ¥186.33（已减优惠 ¥13.67）')
  })

  it('changes nothing when the same export is imported again', async () => {
    await core.invoke('members', 'create', { name: '金牌', inviteCode: 'GOLD01' })
    const path = write('orders.csv', CURRENT())
    expect(await run(path)).toMatchObject({ committed: true, inserted: 7 })
    const before = studio()
    const again = await run(path)
    expect(again).toMatchObject({ committed: true, inserted: 0, updated: 0, unchanged: 7, rejectedRows: 0 })
    expect(studio()).toBe(before)
  })
})

describe('currency', () => {
  const usd = () =>
    shopifyCsv([
      ...shopifyOrder(paidOrder('#4001', { Currency: 'USD' }), [line('Serum', 'MZ-001', '15.00')]),
      // 0.15 USD × 7.10 = 106.5 fen: a half fen goes to the even one, 106.
      ...shopifyOrder(paidOrder('#4002', { Currency: 'USD' }), [line('Sample', 'MZ-003', '0.15')]),
    ])

  it('refuses an order in another currency, naming it, unless the import is given a rate', async () => {
    const path = write('usd.csv', usd())
    const before = studio()
    const refused = await run(path)
    expect(refused).toMatchObject({ committed: false, inserted: 0, rejectedRows: 2, errorCount: 2 })
    expect(refused.errors[0]).toMatchObject({ row: 2, column: 'Currency', value: 'USD', code: 'currency_without_rate' })
    expect(refused.errors[0].reason).toContain('USD')
    expect(refused.errors[0].reason).toContain('CNY')
    expect(studio()).toBe(before)
  })

  it('converts with the rate given, to whole fen, and records the rate with the import and on the order', async () => {
    const result = await run(write('usd.csv', usd()), { rates: { usd: '7.10' } })
    expect(result).toMatchObject({ committed: true, inserted: 2, rates: { USD: '7.10' } })
    expect(orderRow('#4001')).toMatchObject({ total_fen: 10650, currency: 'USD', fx_rate: '7.10' })
    expect(orderRow('#4002')).toMatchObject({ total_fen: 106 })
    const order = await core.invoke('orders', 'get', { id: orderRow('#4001').id as string })
    expect(order).toMatchObject({ currency: 'USD', fxRate: '7.10', totalFen: 10650 })
    expect((await core.invoke('imports', 'history', {}))[0]).toMatchObject({ rates: { USD: '7.10' } })
  })

  it('rounds a half fen to the even fen, and leaves the studio’s own currency as it is', () => {
    expect([toStudioFen(5, '0.5'), toStudioFen(3, '0.5'), toStudioFen(7, '0.5'), toStudioFen(15, '7.10'), toStudioFen(1, '7.1049')]).toEqual([2, 2, 4, 106, 7])
    expect(toStudioFen(12345, null)).toBe(12345)
  })

  it('takes the studio’s currency from its settings', async () => {
    expect((await core.invoke('settings', 'get', {})).currency).toBe('CNY')
    await core.invoke('settings', 'update', { currency: 'USD' })
    const result = await run(write('usd.csv', usd()))
    expect(result).toMatchObject({ committed: true, inserted: 2 })
    expect(orderRow('#4001')).toMatchObject({ total_fen: 1500, currency: null, fx_rate: null })
  })
})

describe('presets for the shops Chinese studios sell on', () => {
  it('reads a 有赞 export (GBK, per item): paid amounts, the distributor as the member, item refunds', async () => {
    const li = await core.invoke('members', 'create', { name: '导购小李', inviteCode: 'LI01' })
    const path = join(FIXTURES, 'youzan-orders-gbk.csv')
    const preview = await core.invoke('imports', 'preview', { entity: 'orders', path })
    expect(preview).toMatchObject({ detectedFormat: 'youzan', encoding: 'GB18030 (GBK)' })
    expect(preview.mapping).toMatchObject({ orderNo: '订单号', paidAmount: '商品实际成交金额', lineRefunded: '商品已退款金额', memberCode: '分销员', buyerPhone: '收货人手机号/提货人手机号' })
    const result = await run(path)
    expect(result).toMatchObject({ committed: true, inserted: 3, errorCount: 0 })
    expect(orderRow('E20261118001')).toMatchObject({ source: 'youzan', status: 'paid', member_id: li.id, attribution_code: '导购小李', total_fen: 12800 + 4500, buyer_phone: '+8613800138000' })
    expect(linesOf('E20261118001')).toEqual([
      { line_no: 1, unit_price_fen: 6900, amount_fen: 12800, discount_fen: 1000, refunded_fen: 0 },
      { line_no: 2, unit_price_fen: 4500, amount_fen: 4500, discount_fen: 0, refunded_fen: 0 },
    ])
    expect(orderRow('E20261118002')).toMatchObject({ status: 'partially_refunded', refunded_fen: 2000, member_id: null, attribution_code: '导购老王' })
    expect(orderRow('E20261118003')).toMatchObject({ status: 'pending' })
  })

  it('reads a 微店 export (XLSX): the promoter as the member, refunds, its status words', async () => {
    const zhao = await core.invoke('members', 'create', { name: '赵推广', inviteCode: 'ZHAO01', phone: '13700137000' })
    const path = join(dir, '微店订单.xlsx')
    const wb = new ExcelJS.Workbook()
    const sheet = wb.addWorksheet('订单')
    sheet.addRow(['订单编号', '下单时间', '订单状态', '收货人', '收货人手机', '收货地址', '商品名称', '商品编码', '商品单价', '购买数量', '商品实付金额', '运费', '退款金额', '推广员'])
    sheet.addRow(['851234567890', '2026-11-18 20:15:00', '已完成', '刘洋', '13600136000', '北京市朝阳区建国路 1 号', '羊绒围巾', 'WJ-01', 199, 1, 179, 8, 0, '13700137000'])
    sheet.addRow(['851234567891', '2026-11-19 09:30:00', '退款成功', '陈静', '13500135000', '上海市浦东新区世纪大道 2 号', '真丝眼罩', 'YZ-02', 59, 2, 118, 0, 118, '赵推广'])
    sheet.addRow(['851234567892', '2026-11-19 11:00:00', '待付款', '周敏', '1350013', '广州市', '真丝眼罩', 'YZ-02', 59, 1, 59, 0, 0, ''])
    await wb.xlsx.writeFile(path)

    const preview = await core.invoke('imports', 'preview', { entity: 'orders', path })
    expect(preview.detectedFormat).toBe('weidian')
    const result = await run(path)
    expect(result).toMatchObject({ committed: true, inserted: 3, errorCount: 0, warningCount: 1 })
    expect(result.warnings[0]).toMatchObject({ row: 4, column: '收货人手机', value: '1350013' })
    expect(orderRow('851234567890')).toMatchObject({ source: 'weidian', status: 'paid', member_id: zhao.id, total_fen: 17900, shipping_fen: 800 })
    expect(linesOf('851234567890')[0]).toMatchObject({ unit_price_fen: 19900, amount_fen: 17900, discount_fen: 2000 })
    expect(orderRow('851234567891')).toMatchObject({ status: 'refunded', refunded_fen: 11800, member_id: zhao.id })
    expect(orderRow('851234567892')).toMatchObject({ status: 'pending', buyer_phone: '1350013' })
  })

  it('reads a 快团团 export (UTF-8 CSV): 团长 as the member, the order’s refund, its statuses', async () => {
    const leader = await core.invoke('members', 'create', { name: '团长阿May', inviteCode: 'MAY01' })
    const csv =
      '跟团号,订单编号,下单人,团员备注,支付时间,团长备注,商品,数量,商品单价,商品金额,退款金额,订单状态,自提点,收货人,联系电话,详细地址,帮卖团长\n' +
      '1,KTT202611180001,小鱼,,2026-11-18 08:01:00,,阳光玫瑰葡萄 2斤装,2,39.90,79.80,0,已支付,,小鱼,13800138000,杭州市西湖区,团长阿May\n' +
      '2,KTT202611180002,大熊,多放冰袋,2026-11-18 08:05:00,,阳光玫瑰葡萄 2斤装,1,39.90,39.90,39.90,已退款,,大熊,13900139000,杭州市拱墅区,团长阿May\n' +
      '3,KTT202611180003,阿花,,2026-11-18 08:09:00,,阳光玫瑰葡萄 2斤装,1,39.90,39.90,0,已取消,,阿花,13700137000,杭州市上城区,\n'
    const path = write('快团团订单.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(csv, 'utf8')]))
    const preview = await core.invoke('imports', 'preview', { entity: 'orders', path })
    expect(preview.detectedFormat).toBe('ktt')
    expect(preview.mapping).toMatchObject({ orderNo: '订单编号', productName: '商品', memberCode: '帮卖团长', refunded: '退款金额' })
    const result = await run(path)
    expect(result).toMatchObject({ committed: true, inserted: 3, errorCount: 0 })
    expect(orderRow('KTT202611180001')).toMatchObject({ source: 'ktt', status: 'paid', total_fen: 7980, member_id: leader.id })
    expect(orderRow('KTT202611180002')).toMatchObject({ status: 'refunded', refunded_fen: 3990 })
    expect(orderRow('KTT202611180003')).toMatchObject({ status: 'cancelled', member_id: null })
  })

  it('can be picked by hand for a file the detection does not recognise', async () => {
    // A 有赞 export cut down to a few columns: none of those that recognise it.
    const csv = '订单号,订单创建时间,订单状态,商品名称,商品数量,商品单价,分销员\nE1,2026-11-18 10:00:00,待成团,葡萄,1,10.00,导购小李\n'
    const li = await core.invoke('members', 'create', { name: '导购小李', inviteCode: 'LI01' })
    const path = write('renamed.csv', csv)
    const auto = await core.invoke('imports', 'preview', { entity: 'orders', path })
    expect(auto.detectedFormat).toBe('orchard')
    expect(auto.mapping.memberCode).toBeNull()
    const preview = await core.invoke('imports', 'preview', { entity: 'orders', path, format: 'youzan' })
    expect(preview.mapping).toMatchObject({ placedAt: '订单创建时间', memberCode: '分销员' })
    expect(await run(path, { format: 'youzan', mapping: preview.mapping })).toMatchObject({ committed: true, inserted: 1 })
    expect(orderRow('E1')).toMatchObject({ status: 'pending', member_id: li.id })
  })
})

it('the GBK fixture is GBK, not UTF-8', () => {
  expect(() => new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(join(FIXTURES, 'youzan-orders-gbk.csv')))).toThrow()
})
