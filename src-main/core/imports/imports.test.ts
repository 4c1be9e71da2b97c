import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { JobProgress } from '../../../src-shared/schemas'
import { createCore, type OrchardCore } from '../api'
import { fixedClock } from '../clock'
import { readRecords } from '../records/sync'
import { understateSize, utf16, writeWorkbook } from './hostileFiles.testkit'

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'tests', 'fixtures', 'imports')
const fixture = (name: string) => join(FIXTURES, name)

let dir: string
let core: OrchardCore
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-import-'))
  core = createCore({ dataDir: join(dir, 'data'), host: 'test', firstStart: 'empty', clock: fixedClock('2026-11-20T04:00:00Z') })
})
afterEach(async () => {
  for (const setting of ['ORCHARD_IMPORT_MAX_ROWS', 'ORCHARD_IMPORT_MAX_CELL_CHARS', 'ORCHARD_IMPORT_MAX_MB']) delete process.env[setting]
  await core.close()
  rmSync(dir, { recursive: true, force: true })
})

const file = (name: string, content: string | Buffer) => {
  const path = join(dir, name)
  writeFileSync(path, content)
  return path
}
type Entity = 'customers' | 'products' | 'orders'
const run = (entity: Entity, path: string, extra: Record<string, unknown> = {}) => core.invoke('imports', 'run', { entity, path, ...extra })
const db = () => core.context.db
const count = (table: string) => (db().prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n
const customerByName = (name: string) =>
  db().prepare('SELECT name, wechat_id, phones, addresses, tags, rel_class, segment, owner_member_id, notes, updated_at FROM customers WHERE name = ?').get(name) as
    | Record<string, string | null>
    | undefined
const member = (name: string, inviteCode: string) => core.invoke('members', 'create', { name, inviteCode })

describe('reading files', () => {
  const CUSTOMERS = '姓名,手机,微信号,标签,客户分类,消费群体,备注\n王芳,138 0013 8000,wangfang,宝妈、上班族,A,务实羊毛党,老客户\n李娜,13900139000,lina88,学生党,B,,\n'

  it('reads UTF-8, UTF-8 with a BOM and GBK alike', async () => {
    // Saved by a Chinese spreadsheet program as GBK: not valid UTF-8.
    const gbk = readFileSync(fixture('customers-gbk.csv'))
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(gbk)).toThrow()
    for (const [name, bytes, encoding] of [
      ['utf8.csv', Buffer.from(CUSTOMERS, 'utf8'), 'UTF-8'],
      ['bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(CUSTOMERS, 'utf8')]), 'UTF-8 (BOM)'],
      ['gbk.csv', gbk, 'GB18030 (GBK)'],
    ] as const) {
      const preview = await core.invoke('imports', 'preview', { entity: 'customers', path: file(name, bytes) })
      expect(preview).toMatchObject({ encoding, totalRows: 2, detectedFormat: 'orchard', mappingSaved: false })
      expect(preview.headers).toEqual(['姓名', '手机', '微信号', '标签', '客户分类', '消费群体', '备注'])
      expect(preview.sampleRows[0]).toEqual(['王芳', '138 0013 8000', 'wangfang', '宝妈、上班族', 'A', '务实羊毛党', '老客户'])
      expect(preview.mapping).toMatchObject({ name: '姓名', phones: '手机', wechatId: '微信号', tags: '标签', relClass: '客户分类', segment: '消费群体', notes: '备注' })
      expect(preview.fields.find((f) => f.field === 'name')).toMatchObject({ label: '姓名', labelEn: 'Name', required: true })
    }
    const result = await run('customers', fixture('customers-gbk.csv'))
    expect(result).toMatchObject({ committed: true, inserted: 2 })
    expect(customerByName('王芳')).toMatchObject({ phones: '["+8613800138000"]', tags: '["宝妈","上班族"]', segment: 'bargain' })
  })

  it('reads quoted commas, line breaks and CRLF, counting rows as the spreadsheet does', async () => {
    const owner = await member('王店主', 'WANG01')
    const result = await run('customers', fixture('customers-utf8.csv'))
    expect(result).toMatchObject({ committed: true, totalRows: 4, inserted: 4, rejectedRows: 0, errorCount: 0 })
    expect(customerByName('王芳')).toMatchObject({
      wechat_id: 'wangfang_88',
      phones: '["+8613800138000"]',
      addresses: '["浙江省杭州市西湖区文三路 18 号，3 栋 201"]',
      tags: '["宝妈","上班族"]',
      rel_class: 'A',
      segment: 'bargain',
      owner_member_id: owner.id,
      notes: '老客户，每周团购',
    })
    expect(customerByName('李娜')).toMatchObject({
      phones: '["+8613900139000","+8613700137001"]',
      tags: '["学生党","国货控"]',
      rel_class: 'B',
      segment: 'trend',
      owner_member_id: null,
      notes: '喜欢口红\n只在晚上回消息',
    })
    expect(customerByName('陈晓')).toMatchObject({
      rel_class: 'A',
      segment: 'family',
      owner_member_id: owner.id,
      addresses: JSON.stringify(['广东省深圳市南山区科技园南区 R2 栋', '广东省广州市天河区体育西路 103 号']),
    })
    expect(customerByName('赵敏')).toMatchObject({ phones: '["+8657188886666"]', rel_class: 'C', notes: '-先付后发' })

    // The same layout with a bad phone on the row after the blank one: row 6, as WPS shows it.
    const text = readFileSync(fixture('customers-utf8.csv'), 'utf8').replace('0571-88886666', '0571-888')
    const bad = await run('customers', file('bad.csv', text))
    expect(bad.errors).toEqual([{ row: 6, column: '手机', value: '0571-888', code: 'invalid_phone', reason: expect.stringContaining('不是有效的电话号码') }])
  })

  it('reads the first or a named sheet of a workbook: dates, numbers, rich text, percentages', async () => {
    const book = new ExcelJS.Workbook()
    book.addWorksheet('说明').addRow(['这张表是说明'])
    const ws = book.addWorksheet('商品')
    ws.addRow(['商品编码', '商品名称', '原价', '售价', '控价', '佣金比例', '库存'])
    ws.addRow(['MZ-001', { richText: [{ text: '玻尿酸' }, { text: '面膜', font: { bold: true } }] }, 129, 1099.9 * 1, 89.9, 0.125, 10])
    ws.getCell('F2').numFmt = '0.0%'
    ws.addRow([])
    ws.addRow(['LP-003', '口红', 199, 79, 89, 0.15, 5])
    ws.getCell('F4').numFmt = '0%'
    const orders = book.addWorksheet('订单')
    orders.addRow(['订单号', '下单时间', '商品编码', '商品名称', '数量', '单价'])
    orders.addRow(['X1', new Date(Date.UTC(2026, 10, 3, 14, 5)), 'MZ-001', '面膜', 1, 0.1 + 0.2])
    const path = join(dir, 'book.xlsx')
    await book.xlsx.writeFile(path)

    const first = await core.invoke('imports', 'preview', { entity: 'products', path })
    expect(first).toMatchObject({ encoding: 'XLSX', sheets: ['说明', '商品', '订单'], headers: ['这张表是说明'] })

    const preview = await core.invoke('imports', 'preview', { entity: 'products', path, sheet: '商品' })
    expect(preview.sampleRows).toEqual([
      ['MZ-001', '玻尿酸面膜', '129', '1099.9', '89.9', '12.5%', '10'],
      ['LP-003', '口红', '199', '79', '89', '15%', '5'],
    ])
    const result = await run('products', path, { sheet: '商品', mode: 'valid-rows' })
    expect(result.errors).toEqual([expect.objectContaining({ row: 4, column: '售价', code: 'below_price_floor' })])
    expect(db().prepare('SELECT name, sale_price_fen, commission_bp FROM products').all()).toEqual([{ name: '玻尿酸面膜', sale_price_fen: 109990, commission_bp: 1250 }])

    expect(await run('orders', path, { sheet: '订单' })).toMatchObject({ committed: true, inserted: 1 })
    // A workbook time has no zone: it is the studio's clock.
    expect(db().prepare('SELECT placed_at, total_fen FROM orders').get()).toEqual({ placed_at: '2026-11-03T06:05:00.000Z', total_fen: 30 })

    await expect(core.invoke('imports', 'preview', { entity: 'products', path, sheet: '客户' })).rejects.toMatchObject({
      code: 'import_no_sheet',
      details: { file: 'book.xlsx', sheets: ['说明', '商品', '订单'] },
    })
  })

  it('refuses unreadable files with a located error', async () => {
    await expect(run('customers', file('empty.csv', ''))).rejects.toMatchObject({ code: 'import_empty', details: { file: 'empty.csv' } })
    await expect(run('customers', file('blank.csv', '\n\n,,\n'))).rejects.toMatchObject({ code: 'import_no_header', details: { file: 'blank.csv' } })
    await expect(run('customers', join(dir, 'nope.csv'))).rejects.toMatchObject({ code: 'import_file_missing' })
    await expect(run('customers', file('fake.xlsx', 'not a workbook'))).rejects.toMatchObject({ code: 'import_unreadable', details: { file: 'fake.xlsx' } })
    await expect(run('customers', file('old.xls', 'x'))).rejects.toMatchObject({ code: 'import_unsupported' })
    await expect(run('customers', file('quote.csv', '姓名,备注\n王芳,"没有闭合\n'))).rejects.toMatchObject({ code: 'import_unreadable', details: { file: 'quote.csv' } })
    // Data where the header should be: the required columns cannot be found.
    await expect(run('customers', file('noheader.csv', '王芳,13800138000\n李娜,13900139000\n'))).rejects.toMatchObject({
      code: 'import_mapping',
      details: { file: 'noheader.csv', row: 1, missing: ['name'] },
    })
    expect(count('import_runs')).toBe(0)
  })
})

describe('hostile and unlucky files', () => {
  it('reads UTF-16 with a byte order mark, little- and big-endian, as Excel saves Unicode text', async () => {
    // Excel's "Unicode text" is UTF-16 LE and tab-separated.
    const text = '姓名\t手机\t备注\r\n王芳\t13800138000\t老客户\r\n李娜\t13900139000\t\r\n'
    for (const endian of ['le', 'be'] as const) {
      const preview = await core.invoke('imports', 'preview', { entity: 'customers', path: file(`unicode-${endian}.txt`, utf16(text, endian)) })
      expect(preview).toMatchObject({ encoding: endian === 'le' ? 'UTF-16 LE' : 'UTF-16 BE', headers: ['姓名', '手机', '备注'], totalRows: 2, totalRowsEstimated: false })
      expect(preview.sampleRows).toEqual([
        ['王芳', '13800138000', '老客户'],
        ['李娜', '13900139000', ''],
      ])
    }
    expect(await run('customers', join(dir, 'unicode-be.txt'))).toMatchObject({ committed: true, inserted: 2 })
    expect(customerByName('王芳')).toMatchObject({ phones: '["+8613800138000"]', notes: '老客户' })
  })

  it('refuses a file that mixes encodings, naming the row, instead of importing it garbled', async () => {
    // The GBK fixture (header, 王芳, 李娜) with a row pasted from a UTF-8 file under it.
    const gbk = readFileSync(fixture('customers-gbk.csv'))
    const gbkThenUtf8 = Buffer.concat([gbk, Buffer.from('统一码乙,13700137000\n', 'utf8')])
    for (const call of [() => run('customers', file('gbk-utf8.csv', gbkThenUtf8)), () => core.invoke('imports', 'preview', { entity: 'customers', path: join(dir, 'gbk-utf8.csv') })]) {
      await expect(call()).rejects.toMatchObject({
        code: 'import_mixed_encoding',
        message: expect.stringContaining('第 4 行是 UTF-8 编码'),
        details: { file: 'gbk-utf8.csv', row: 4, value: '统一码乙,13700137000', encoding: 'GBK', rowEncoding: 'UTF-8' },
      })
    }
    // A UTF-8 file with the GBK fixture's 王芳 row pasted in as its third row.
    const firstBreak = gbk.indexOf(0x0a)
    const gbkRow = gbk.subarray(firstBreak + 1, gbk.indexOf(0x0a, firstBreak + 1) + 1)
    const utf8ThenGbk = Buffer.concat([Buffer.from('姓名,手机,微信号,标签,客户分类,消费群体,备注\n李娜,13900139000,lina88,,B,,\n', 'utf8'), gbkRow, Buffer.from('周一,13600136000,,,,,\n')])
    await expect(run('customers', file('utf8-gbk.csv', utf8ThenGbk))).rejects.toMatchObject({
      code: 'import_mixed_encoding',
      details: { row: 3, value: expect.stringMatching(/^王芳,138 0013 8000,wangfang/), encoding: 'UTF-8', rowEncoding: 'GBK' },
    })
    expect(count('customers')).toBe(0)
    expect(count('import_runs')).toBe(0)
  })

  it('refuses a cell longer than a spreadsheet can hold, naming the row, the column and the limit', async () => {
    const long = '长'.repeat(1024 * 1024)
    await expect(run('customers', file('long.csv', `姓名,备注\n王芳,短\n李娜,${long}\n`))).rejects.toMatchObject({
      code: 'import_cell_too_long',
      message: expect.stringContaining('ORCHARD_IMPORT_MAX_CELL_CHARS'),
      details: { file: 'long.csv', row: 3, column: '备注', length: 1024 * 1024, limit: 32_767, setting: 'ORCHARD_IMPORT_MAX_CELL_CHARS' },
    })
    const book = join(dir, 'long.xlsx')
    await writeWorkbook(book, ['姓名', '备注'], 2, (i) => (i === 1 ? ['李娜', long] : ['王芳', '短']))
    await expect(run('customers', book)).rejects.toMatchObject({ code: 'import_cell_too_long', details: { file: 'long.xlsx', row: 3, limit: 32_767 } })
    // A quote never closed swallows the rest of a large file: refused at the row it opens, long before the end.
    await expect(run('customers', file('open-quote.csv', `姓名,备注\n王芳,"开始\n${'李娜,好\n'.repeat(600_000)}`))).rejects.toMatchObject({
      code: 'import_cell_too_long',
      details: { row: 2 },
    })
    // One line of 10 MB without a line break: the same, without holding it whole.
    await expect(run('customers', file('one-line.csv', `姓名,备注\n王芳,${'x'.repeat(10 * 1024 * 1024)}`))).rejects.toMatchObject({
      code: 'import_cell_too_long',
      details: { row: 2 },
    })
    expect(count('customers')).toBe(0)
  })

  it('refuses more rows than the limit, saying how to raise it', async () => {
    const csv = file('rows.csv', ['姓名', '王一', '王二', '王三', '王四', '王五'].join('\n'))
    process.env.ORCHARD_IMPORT_MAX_ROWS = '4'
    await expect(run('customers', csv)).rejects.toMatchObject({
      code: 'import_too_many_rows',
      message: expect.stringContaining('ORCHARD_IMPORT_MAX_ROWS'),
      details: { file: 'rows.csv', row: 6, limit: 4, setting: 'ORCHARD_IMPORT_MAX_ROWS' },
    })
    expect(count('customers')).toBe(0)
    process.env.ORCHARD_IMPORT_MAX_ROWS = '5'
    expect(await run('customers', csv)).toMatchObject({ committed: true, inserted: 5 })
  })

  it('refuses a workbook that unpacks to more than the limit before inflating it, and one that lies about its size', async () => {
    // 60,000 identical rows: a few hundred kilobytes that unpack to about 6 MB.
    const bomb = join(dir, 'bomb.xlsx')
    await writeWorkbook(bomb, ['姓名', '手机'], 60_000, () => ['王芳', '13800138000'])
    process.env.ORCHARD_IMPORT_MAX_MB = '2'
    for (const call of [() => run('customers', bomb), () => core.invoke('imports', 'preview', { entity: 'customers', path: bomb })]) {
      await expect(call()).rejects.toMatchObject({
        code: 'import_too_large',
        message: expect.stringContaining('ORCHARD_IMPORT_MAX_MB'),
        details: { file: 'bomb.xlsx', limit: 2, setting: 'ORCHARD_IMPORT_MAX_MB' },
      })
    }
    // The same workbook claiming its sheet is 2,000 bytes: it is stopped there, not inflated to the end.
    understateSize(bomb, 'xl/worksheets/sheet1.xml', 2000)
    await expect(run('customers', bomb)).rejects.toMatchObject({ code: 'import_unreadable', details: { file: 'bomb.xlsx' } })
    expect(count('customers')).toBe(0)
  })

  it('refuses text with control characters, naming the row and column, and stores none of it', async () => {
    // The NUL in a product name that, once posted to the ledger, stopped the team's sync for good.
    const products = file('nul.csv', '商品编码,商品名称,原价,售价,控价,卖点\nMZ-1,面膜\u0000,129,99,89,\nMZ-2,口红,199,79,59,"保湿\n不油腻"\n')
    const refused = await run('products', products)
    expect(refused).toMatchObject({ committed: false, rejectedRows: 1 })
    expect(refused.errors).toEqual([
      { row: 2, column: '商品名称', value: '面膜\\u0000', code: 'control_character', reason: expect.stringContaining('U+0000') },
    ])
    expect(count('products')).toBe(0)
    expect(await run('products', products, { mode: 'valid-rows' })).toMatchObject({ committed: true, inserted: 1 })
    // Line breaks belong in a multi-line field (卖点), never in a name.
    expect(db().prepare('SELECT sku, facts FROM products').all()).toEqual([{ sku: 'MZ-2', facts: '保湿\n不油腻' }])

    const customers = file('ctl.csv', '姓名,微信号,备注\n王\u0007芳,wx1,\n"李\n娜",wx2,\n赵敏,wx3,"备注\u001b[31m"\n陈晓,wx\u007f4,\n周一,wx5,"一行\n两行"\n')
    const result = await run('customers', customers, { mode: 'valid-rows' })
    expect(result.errors.map((e) => [e.row, e.column, e.code, e.value])).toEqual([
      [2, '姓名', 'control_character', '王\\u0007芳'],
      [3, '姓名', 'control_character', '李\n娜'],
      [4, '备注', 'control_character', '备注\\u001b[31m'],
      [5, '微信号', 'control_character', 'wx\\u007f4'],
    ])
    expect(db().prepare('SELECT name, notes FROM customers').all()).toEqual([{ name: '周一', notes: '一行\n两行' }])

    const orders = file('orders.csv', '订单号,下单时间,商品名称,数量,单价,邀请码\nA1,2026-11-03,面膜,1,99,AB\u0000CD\n')
    expect((await run('orders', orders)).errors).toEqual([expect.objectContaining({ row: 2, column: '邀请码', code: 'control_character' })])
    expect(count('orders')).toBe(0)
  })

  it('refuses control characters in the text every method takes, not only in files', async () => {
    const before = count('customers')
    await expect(core.invoke('customers', 'create', { name: '王\u0000芳' })).rejects.toMatchObject({
      code: 'invalid_input',
      details: { issues: [{ path: 'name', message: expect.stringContaining('U+0000') }] },
    })
    await expect(core.invoke('customers', 'create', { name: '王芳', notes: '半个表情\uD83D' })).rejects.toMatchObject({
      code: 'invalid_input',
      details: { issues: [{ path: 'notes', message: expect.stringContaining('U+D83D') }] },
    })
    await expect(core.invoke('customers', 'create', { name: '王芳', tags: ['好\u001f'] })).rejects.toMatchObject({ code: 'invalid_input', details: { issues: [{ path: 'tags.0' }] } })
    await expect(core.invoke('products', 'create', { sku: 'MZ-1', name: '面膜\n第二行', listPriceFen: 100, salePriceFen: 100, priceFloorFen: 100 })).rejects.toMatchObject({
      code: 'invalid_input',
      details: { issues: [{ path: 'name' }] },
    })
    expect(count('customers')).toBe(before)
    expect(count('products')).toBe(0)
    // Emoji (a surrogate pair), tabs and line breaks in notes are text like any other.
    await core.invoke('customers', 'create', { name: '王芳😀', notes: '第一行\n\t第二行' })
    expect(customerByName('王芳😀')).toMatchObject({ notes: '第一行\n\t第二行' })
  })

  it('reports a file of countless bad rows by its first 50,000 errors and their number, on either thread', async () => {
    const lines = ['姓名,手机']
    for (let i = 0; i < 60_000; i++) lines.push(`客户${i},12${i}`)
    const path = file('bad-phones.csv', lines.join('\n'))
    for (const thread of ['0', '1']) {
      process.env.ORCHARD_IMPORT_THREAD = thread
      try {
        const result = await run('customers', path)
        expect(result).toMatchObject({ committed: false, totalRows: 60_000, rejectedRows: 60_000, errorCount: 60_000 })
        expect(result.errors).toHaveLength(500)
        const report = (await core.invoke('imports', 'reportCsv', { importId: result.importId })).csv.trim().split('\n')
        expect(report).toHaveLength(1 + 50_000 + 1)
        expect(report[50_000]).toMatch(/^50001,手机,1249999,/)
        expect(report.at(-1)).toContain('另有 10000 个错误未列出')
      } finally {
        delete process.env.ORCHARD_IMPORT_THREAD
      }
    }
    expect(count('customers')).toBe(0)
  })

  it('previews a large file from its first rows, estimating how many there are', async () => {
    const lines = ['姓名,手机']
    for (let i = 0; i < 120_000; i++) lines.push(`客户${i},1${String(3800000000 + i)}`)
    const preview = await core.invoke('imports', 'preview', { entity: 'customers', path: file('large.csv', lines.join('\n')) })
    expect(preview.sampleRows).toHaveLength(20)
    expect(preview.sampleRows[19]).toEqual(['客户19', '13800000019'])
    expect(preview.totalRowsEstimated).toBe(true)
    expect(Math.abs(preview.totalRows - 120_000)).toBeLessThan(6_000)
  })
})

describe('column mapping', () => {
  it('suggests by header synonyms, runs with an explicit mapping, and remembers it for the same source', async () => {
    const path = file('wps.csv', '客户名称,联系电话,收货地址,关系等级,所属群体,内部编号\n王芳,13800138000,杭州,亲友,羊毛党,K-9\n')
    const preview = await core.invoke('imports', 'preview', { entity: 'customers', path })
    expect(preview.mapping).toMatchObject({ name: '客户名称', phones: '联系电话', addresses: '收货地址', relClass: '关系等级', segment: null })

    const mapping = { ...preview.mapping, segment: '所属群体' }
    expect(await run('customers', path, { mapping })).toMatchObject({ committed: true, inserted: 1 })
    expect(customerByName('王芳')).toMatchObject({ segment: 'bargain', rel_class: 'A' })

    // Another file from the same source (same headers, other order) opens with the saved mapping.
    const next = file('wps-2.csv', '内部编号,客户名称,联系电话,收货地址,关系等级,所属群体\nK-10,李娜,13900139000,苏州,陌生人,追潮族\n')
    const again = await core.invoke('imports', 'preview', { entity: 'customers', path: next })
    expect(again).toMatchObject({ mappingSaved: true, sourceKey: preview.sourceKey })
    expect(again.mapping.segment).toBe('所属群体')
    expect(await run('customers', next)).toMatchObject({ committed: true, inserted: 1 })
    expect(customerByName('李娜')).toMatchObject({ segment: 'trend', rel_class: 'C' })
  })

  it('refuses a mapping that names a column the file lacks or leaves a required field out', async () => {
    const path = file('c.csv', '姓名,手机\n王芳,13800138000\n')
    await expect(run('customers', path, { mapping: { name: '名字' } })).rejects.toMatchObject({ code: 'import_mapping', details: { column: '名字' } })
    await expect(run('customers', path, { mapping: { name: null, phones: '手机' } })).rejects.toMatchObject({ code: 'import_mapping', details: { missing: ['name'] } })
  })
})

describe('customers', () => {
  it('re-importing the same file changes nothing, not even updated_at', async () => {
    const path = fixture('customers-utf8.csv')
    await member('王店主', 'WANG01')
    expect(await run('customers', path)).toMatchObject({ inserted: 4 })
    const snapshot = () => db().prepare('SELECT * FROM customers ORDER BY id').all()
    const before = snapshot()
    const phones = db().prepare('SELECT * FROM customer_phones ORDER BY phone').all()
    expect(await run('customers', path)).toMatchObject({ committed: true, inserted: 0, updated: 0, unchanged: 4 })
    expect(snapshot()).toEqual(before)
    expect(db().prepare('SELECT * FROM customer_phones ORDER BY phone').all()).toEqual(phones)
  })

  it('writes every row of a large file, each with its own values, phones and tags', async () => {
    // 10,250 rows: full multi-row statements, a partial one, and the bulk path that rebuilds indexes.
    const rows = Array.from({ length: 10_250 }, (_, i) => `客户${i},139${String(i).padStart(8, '0')},wx_big_${i},标签${i % 7},${'ABC'[i % 3]}`)
    const path = file('big.csv', ['姓名,手机,微信号,标签,客户分类', ...rows].join('\n'))
    expect(await run('customers', path)).toMatchObject({ committed: true, inserted: 10_250, rejectedRows: 0 })
    expect(count('customers')).toBe(10_250)
    expect(count('customer_phones')).toBe(10_250)
    expect(customerByName('客户10249')).toMatchObject({ wechat_id: 'wx_big_10249', phones: '["+8613900010249"]', tags: '["标签1"]', rel_class: 'B' })
    expect(customerByName('客户0')).toMatchObject({ wechat_id: 'wx_big_0', phones: '["+8613900000000"]', rel_class: 'A' })
    expect((await core.invoke('customers', 'list', { search: '13900010249' })).rows.map((c) => c.name)).toEqual(['客户10249'])
  })

  it('updates a known customer — found by any phone or the WeChat id — only where the file says something new', async () => {
    const wang = await core.invoke('customers', 'create', { name: '王芳', phones: ['13800138000', '13900139000'], tags: ['宝妈'], relClass: 'A', notes: '老客户' })
    const li = await core.invoke('customers', 'create', { name: '李娜', wechatId: 'lina88', relClass: 'B' })
    const later = createCore({ dataDir: join(dir, 'data'), host: 'test', firstStart: 'empty', clock: fixedClock('2026-11-21T04:00:00Z') })
    try {
      const path = file('c.csv', '姓名,手机,微信号,标签,客户分类,备注\n王芳,13900139000,,上班族,,\n李娜,13700137000,lina88,,B,\n')
      const result = await later.invoke('imports', 'run', { entity: 'customers', path })
      expect(result).toMatchObject({ committed: true, inserted: 0, updated: 2, unchanged: 0 })
      // Lists grow; empty cells keep what the studio has.
      expect(await later.invoke('customers', 'get', { id: wang.id })).toMatchObject({
        customer: { phones: ['+8613800138000', '+8613900139000'], tags: ['宝妈', '上班族'], relClass: 'A', notes: '老客户', updatedAt: '2026-11-21T04:00:00.000Z' },
      })
      expect(await later.invoke('customers', 'get', { id: li.id })).toMatchObject({ customer: { phones: ['+8613700137000'], wechatId: 'lina88' } })
      expect((await later.invoke('customers', 'list', { tags: ['上班族'] })).total).toBe(1)
      expect((await later.invoke('customers', 'list', { search: '13700137000' })).rows.map((c) => c.name)).toEqual(['李娜'])
    } finally {
      await later.close()
    }
  })

  it('reports every bad row with row, column, value and reason; all-or-nothing writes nothing', async () => {
    const path = fixture('customers-bad.csv')
    const result = await run('customers', path)
    expect(result).toMatchObject({ committed: false, totalRows: 5, rejectedRows: 4, errorCount: 6, inserted: 1 })
    expect(result.errors).toEqual([
      { row: 3, column: '手机', value: '12345', code: 'invalid_phone', reason: expect.stringContaining('/ not a valid phone number') },
      { row: 4, column: '姓名', value: '', code: 'required', reason: '必填项为空 / required value is empty' },
      { row: 5, column: '客户分类', value: 'D', code: 'invalid_class', reason: expect.stringContaining('A') },
      { row: 5, column: '手机', value: '13800000001', code: 'duplicate_in_file', reason: '与第 2 行的手机号重复 / same phone as row 2' },
      { row: 6, column: '消费群体', value: '不存在的群体', code: 'invalid_segment', reason: expect.stringContaining('未知的消费群体') },
      { row: 6, column: '微信号', value: 'zhouyi', code: 'duplicate_in_file', reason: '与第 2 行的微信号重复 / same WeChat id as row 2' },
    ])
    expect(count('customers')).toBe(0)
    expect(count('customer_phones')).toBe(0)

    const history = await core.invoke('imports', 'history', {})
    expect(history).toEqual([expect.objectContaining({ importId: result.importId, committed: false, rejectedRows: 4, errorCount: 6, fileName: 'customers-bad.csv' })])
    const report = await core.invoke('imports', 'reportCsv', { importId: result.importId })
    expect(report.fileName).toBe('customers-bad-错误报告.csv')
    const lines = report.csv.split('\r\n')
    expect(lines[0]).toBe('\uFEFF行号 Row,列 Column,值 Value,原因 Reason')
    expect(lines[1]).toMatch(/^3,手机,12345,/)
    expect(lines[2]).toBe('4,姓名,,必填项为空 / required value is empty')
    expect(lines).toHaveLength(8)
  })

  it('valid-rows writes the valid rows and reports the rest', async () => {
    const result = await run('customers', fixture('customers-bad.csv'), { mode: 'valid-rows' })
    expect(result).toMatchObject({ committed: true, inserted: 1, rejectedRows: 4, errorCount: 6 })
    expect(db().prepare('SELECT name, phones FROM customers').all()).toEqual([{ name: '周一', phones: '["+8613800000001"]' }])
    const history = await core.invoke('imports', 'history', {})
    expect(history[0]).toMatchObject({ committed: true, mode: 'valid-rows', inserted: 1 })
  })

  it('refuses an unknown owner code, a row that would merge two customers, and a customer twice in one file', async () => {
    await core.invoke('customers', 'create', { name: '王芳', phones: ['13800138000'] })
    await core.invoke('customers', 'create', { name: '李娜', wechatId: 'lina88' })
    const path = file('c.csv', '姓名,手机,微信号,归属会员\n王芳,13800138000,lina88,\n孙丽,13500135000,,NOBODY\n王芳,13800138000,,\n王芳,+86 138 0013 8000,,\n')
    const result = await run('customers', path)
    expect(result.errors).toEqual([
      expect.objectContaining({ row: 2, column: '手机', code: 'conflicting_customers' }),
      expect.objectContaining({ row: 3, column: '归属会员', value: 'NOBODY', code: 'unknown_member' }),
      expect.objectContaining({ row: 5, column: '手机', code: 'duplicate_in_file', reason: '与第 4 行的手机号重复 / same phone as row 4' }),
    ])
  })

  it('neutralises formula cells in the error report', async () => {
    const result = await run('customers', file('evil.csv', '姓名,手机\n=HYPERLINK("http://x"),+1 555\n'))
    const report = await core.invoke('imports', 'reportCsv', { importId: result.importId })
    expect(report.csv).toContain(`2,手机,'+1 555,`)
    expect(report.csv).not.toMatch(/(^|,)[=+\-@]/m)
  })

  it('reports progress of validation and writing for the console to follow', async () => {
    const lines = ['姓名,手机']
    for (let i = 0; i < 9000; i++) lines.push(`客户${i},13${String(100000000 + i)}`)
    const events: JobProgress[] = []
    const off = core.on('job.progress', (p) => p.jobId === 'job-1' && events.push(p))
    const changed: string[][] = []
    core.on('data.changed', (p) => changed.push(p.entities))
    const result = await run('customers', file('big.csv', lines.join('\n')), { jobId: 'job-1' })
    off()
    expect(result).toMatchObject({ committed: true, inserted: 9000 })
    const phases = events.map((e) => `${e.phase}:${e.done}/${e.total}`)
    expect(phases).toEqual(['read:0/0', 'validate:0/9000', 'validate:4000/9000', 'validate:8000/9000', 'validate:9000/9000', 'write:0/9000', 'write:9000/9000'])
    expect(changed).toContainEqual(['customers', 'imports'])
    expect((await core.invoke('customers', 'list', { search: '客户8999' })).total).toBe(1)
  })
})

describe('products', () => {
  it('reads money exactly and reports 3 decimals, a price under the floor, negative stock and a repeated SKU', async () => {
    const result = await run('products', fixture('products-bad.csv'), { mode: 'valid-rows' })
    expect(result.errors).toEqual([
      expect.objectContaining({ row: 3, column: '售价', value: '99.999', code: 'invalid_money' }),
      expect.objectContaining({ row: 4, column: '售价', value: '79', code: 'below_price_floor', reason: expect.stringContaining('89.00') }),
      expect.objectContaining({ row: 5, column: '库存', value: '-5', code: 'out_of_range' }),
      expect.objectContaining({ row: 6, column: '商品编码', value: 'MZ-001', code: 'duplicate_in_file', reason: '与第 2 行的商品编码重复 / same SKU as row 2' }),
    ])
    expect(result).toMatchObject({ inserted: 1, rejectedRows: 4 })
    expect(db().prepare('SELECT sku, brand, category, list_price_fen, sale_price_fen, price_floor_fen, stock, commission_bp, mentor_commission_bp FROM products').all()).toEqual([
      { sku: 'MZ-001', brand: '水之源', category: '美妆护肤', list_price_fen: 129900, sale_price_fen: 109990, price_floor_fen: 89900, stock: 120, commission_bp: 1250, mentor_commission_bp: 300 },
    ])
  })

  it('updates a product by SKU only when something differs', async () => {
    const path = file('p.csv', '商品编码,商品名称,原价,售价,控价,库存\nA1,洗衣液,59,39.9,35,10\nA2,纸巾,39,29.9,25,100\n')
    expect(await run('products', path)).toMatchObject({ inserted: 2 })
    expect(await run('products', path)).toMatchObject({ inserted: 0, updated: 0, unchanged: 2 })
    const changed = file('p2.csv', '商品编码,商品名称,原价,售价,控价,库存\nA1,洗衣液,59,39.9,35,8\nA2,纸巾,39,29.9,25,100\n')
    expect(await run('products', changed)).toMatchObject({ inserted: 0, updated: 1, unchanged: 1 })
    expect(db().prepare("SELECT stock FROM products WHERE sku = 'A1'").get()).toEqual({ stock: 8 })
  })

  it('takes a picture named by a file on this machine into the store under its hash, and that is what the team is sent', async () => {
    const picture = Buffer.from(`主图 ${'z'.repeat(2048)}`)
    const local = file('洗衣液主图.jpg', picture)
    const sha = createHash('sha256').update(picture).digest('hex')
    const path = file('p.csv', `商品编码,商品名称,原价,售价,控价,图片\nA1,洗衣液,59,39.9,35,"${local},https://img.example.com/a1.jpg"\n`)
    expect(await run('products', path)).toMatchObject({ inserted: 1 })
    const images = JSON.parse(db().prepare("SELECT images FROM products WHERE sku = 'A1'").pluck().get() as string) as string[]
    expect(images).toEqual([`sha256:${sha}`, 'https://img.example.com/a1.jpg'])
    expect(readFileSync(join(dir, 'data', 'files', sha))).toEqual(picture)
    // The product's create waits to be sent, with its pictures as the team's workstations can fetch them.
    const id = db().prepare("SELECT record_id FROM record_changes WHERE record = 'product' AND op = 'create'").pluck().get() as string
    expect(readRecords(db(), 'product', [id]).get(id)).toMatchObject({ images: [`sha256:${sha}`, 'https://img.example.com/a1.jpg'] })
    // The same file again is the same product: nothing to update.
    expect(await run('products', path)).toMatchObject({ inserted: 0, updated: 0, unchanged: 1 })
  })
})

describe('orders', () => {
  it('reads a Shopify export: lines per order, refunds, cancellations, and ref: attribution', async () => {
    const gold = await member('金牌店主', 'GOLD01')
    await core.invoke('products', 'create', { sku: 'MZ-001', name: '玻尿酸补水面膜', listPriceFen: 12900, salePriceFen: 5900, priceFloorFen: 5000 })
    const path = fixture('shopify-orders.csv')
    const preview = await core.invoke('imports', 'preview', { entity: 'orders', path })
    expect(preview.detectedFormat).toBe('shopify')
    expect(preview.mapping).toMatchObject({ orderNo: 'Name', placedAt: 'Created at', status: 'Financial Status', buyerPhone: 'Billing Phone', sku: 'Lineitem sku' })

    const result = await run('orders', path)
    expect(result).toMatchObject({ committed: true, totalRows: 6, inserted: 5, unattributedOrders: 3, errorCount: 0 })
    expect(db().prepare('SELECT order_no, source, status, placed_at, total_fen, refunded_fen, member_id, attribution_code, buyer_phone FROM orders ORDER BY order_no').all()).toEqual([
      { order_no: '#1001', source: 'shopify', status: 'paid', placed_at: '2026-11-18T02:00:05.000Z', total_fen: 2 * 3990 + 5900, refunded_fen: 0, member_id: gold.id, attribution_code: 'GOLD01', buyer_phone: '+8613800138000' },
      { order_no: '#1002', source: 'shopify', status: 'partially_refunded', placed_at: '2026-11-19T12:30:00.000Z', total_fen: 26800, refunded_fen: 2000, member_id: null, attribution_code: 'NOBODY', buyer_phone: '+8613900139000' },
      { order_no: '#1003', source: 'shopify', status: 'cancelled', placed_at: '2026-11-19T13:00:00.000Z', total_fen: 2990, refunded_fen: 0, member_id: null, attribution_code: null, buyer_phone: '+8613700137000' },
      { order_no: '#1004', source: 'shopify', status: 'refunded', placed_at: '2026-11-20T00:10:00.000Z', total_fen: 7900, refunded_fen: 7900, member_id: gold.id, attribution_code: 'gold01', buyer_phone: '+8613600136000' },
      { order_no: '#1005', source: 'shopify', status: 'paid', placed_at: '2026-11-20T01:00:00.000Z', total_fen: 4900, refunded_fen: 0, member_id: null, attribution_code: null, buyer_phone: '+8613500135000' },
    ])
    expect(db().prepare("SELECT l.line_no, l.sku, l.quantity, l.unit_price_fen, l.product_id IS NOT NULL AS linked FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.order_no = '#1001' ORDER BY l.line_no").all()).toEqual([
      { line_no: 1, sku: 'XY-001', quantity: 2, unit_price_fen: 3990, linked: 0 },
      { line_no: 2, sku: 'MZ-001', quantity: 1, unit_price_fen: 5900, linked: 1 },
    ])
    // Unattributed orders are kept and listed for manual assignment.
    const unattributed = await core.invoke('orders', 'list', { unattributed: true })
    expect(unattributed.rows.map((o) => o.orderNo).sort()).toEqual(['#1002', '#1003', '#1005'])

    // Buyers became customers (class C, owned by the attributed member) with their figures derived.
    expect(await core.invoke('customers', 'list', { search: '王芳' })).toMatchObject({
      rows: [{ relClass: 'C', ownerMemberId: gold.id, orderCount: 1, totalSpentFen: 13880, lastPurchaseAt: '2026-11-18T02:00:05.000Z', rfmSegment: expect.any(String) }],
    })
    expect((await core.invoke('customers', 'list', { search: '陈晓' })).rows[0]).toMatchObject({ orderCount: 0, totalSpentFen: 0 })

    // The same export again changes nothing.
    expect(await run('orders', path)).toMatchObject({ inserted: 0, updated: 0, unchanged: 5 })
    expect(count('orders')).toBe(5)
    expect(count('customers')).toBe(5)

    // A later export where #1001 was partly refunded updates that order and its buyer's total.
    const later = readFileSync(path, 'utf8').replace('#1001,wangfang@example.com,paid,', '#1001,wangfang@example.com,partially_refunded,').replace('138.80,138.80,0.00,', '138.80,138.80,10.00,')
    expect(await run('orders', file('later.csv', later))).toMatchObject({ inserted: 0, updated: 1, unchanged: 4 })
    expect((await core.invoke('customers', 'list', { search: '王芳' })).rows[0].totalSpentFen).toBe(13880 - 1000)
  })

  it('reads our own layout with the order columns on the first line only', async () => {
    const wang = await member('王店主', 'WANG01')
    await core.invoke('products', 'create', { sku: 'NF-004', name: '有机婴幼儿奶粉', listPriceFen: 36800, salePriceFen: 29800, priceFloorFen: 26800 })
    await core.invoke('customers', 'create', { name: '王芳', phones: ['138 0013 8000'] })
    const result = await run('orders', fixture('orders-orchard.csv'))
    expect(result).toMatchObject({ committed: true, totalRows: 4, inserted: 3, unattributedOrders: 2 })
    const orders = db().prepare('SELECT order_no, status, placed_at, total_fen, refunded_fen, member_id, attribution_code FROM orders ORDER BY order_no').all()
    expect(orders).toEqual([
      { order_no: 'DD20261118001', status: 'paid', placed_at: '2026-11-18T02:05:00.000Z', total_fen: 2 * 9900 + 29800, refunded_fen: 0, member_id: wang.id, attribution_code: 'WANG01' },
      { order_no: 'DD20261118002', status: 'partially_refunded', placed_at: '2026-11-18T13:30:00.000Z', total_fen: 3 * 7900, refunded_fen: 7900, member_id: null, attribution_code: 'NOBODY' },
      { order_no: 'DD20261119003', status: 'cancelled', placed_at: '2026-11-19T01:00:00.000Z', total_fen: 9900, refunded_fen: 0, member_id: null, attribution_code: null },
    ])
    expect(count('order_lines')).toBe(4)
    expect(db().prepare("SELECT COUNT(*) AS n FROM order_lines WHERE sku = 'NF-004' AND product_id IS NOT NULL").get()).toEqual({ n: 1 })
    // 王芳 was matched by phone, not created again.
    expect((await core.invoke('customers', 'list', { search: '王芳' })).rows).toEqual([expect.objectContaining({ orderCount: 1, totalSpentFen: 49600 })])
  })

  it('rejects the whole order when one of its lines is bad, naming that line', async () => {
    const path = file('o.csv', '订单号,下单时间,商品编码,商品名称,数量,单价\nA1,2026-11-18 10:00,S1,洗衣液,2,39.9\nA1,2026-11-18 10:00,S2,面膜,-1,59\nA2,2026/11/19 9:05,S1,洗衣液,1,39.9\nA3,2026-11-19,S3,纸巾,1,9.9\nA1,2026-11-18 10:00,S1,洗衣液,2,39.9\n')
    const strict = await run('orders', path)
    expect(strict).toMatchObject({ committed: false, inserted: 2, rejectedRows: 3 })
    expect(count('orders')).toBe(0)
    const result = await run('orders', path, { mode: 'valid-rows' })
    expect(result.errors).toEqual([
      { row: 3, column: '数量', value: '-1', code: 'out_of_range', reason: '不能小于 1 / must be at least 1' },
      { row: 6, column: '订单号', value: 'A1', code: 'duplicate_in_file', reason: '与第 2 行的订单号重复 / same order number as row 2' },
    ])
    expect(result).toMatchObject({ committed: true, inserted: 2, rejectedRows: 3 })
    expect(db().prepare('SELECT order_no, placed_at FROM orders ORDER BY order_no').all()).toEqual([
      { order_no: 'A2', placed_at: '2026-11-19T01:05:00.000Z' },
      { order_no: 'A3', placed_at: '2026-11-18T16:00:00.000Z' },
    ])
  })

  it('takes the unit price from the line amount when only the amount is given', async () => {
    const path = file('o.csv', '订单号,下单时间,商品编码,商品名称,数量,金额\nB1,2026-11-18 10:00,S1,洗衣液,3,119.70\nB2,2026-11-18 11:00,S1,洗衣液,3,100\n')
    const result = await run('orders', path, { mode: 'valid-rows' })
    expect(result.errors).toEqual([expect.objectContaining({ row: 3, column: '金额', value: '100', code: 'invalid_money' })])
    expect(db().prepare('SELECT quantity, unit_price_fen, amount_fen FROM order_lines').all()).toEqual([{ quantity: 3, unit_price_fen: 3990, amount_fen: 11970 }])
  })

  it('keeps a manual attribution when the same order is imported again', async () => {
    const a = await member('甲', 'AAAA01')
    const path = file('o.csv', '订单号,下单时间,商品编码,商品名称,数量,单价,邀请码\nC1,2026-11-18 10:00,S1,洗衣液,1,39.9,ZZZZ99\n')
    await run('orders', path)
    const order = (await core.invoke('orders', 'list', { unattributed: true })).rows[0]
    await core.invoke('orders', 'assign', { orderIds: [order.id], memberId: a.id })
    expect(await run('orders', path)).toMatchObject({ unchanged: 1, updated: 0 })
    expect(db().prepare('SELECT member_id, attribution_code FROM orders').get()).toEqual({ member_id: a.id, attribution_code: 'ZZZZ99' })
  })
})

describe('bulk', () => {
  it('imports thousands of customers into a studio that already has some, keeping every index consistent', async () => {
    await core.invoke('customers', 'create', { name: '老客户', phones: ['13000000000'], tags: ['宝妈'] })
    const lines = ['姓名,手机,微信号,标签']
    for (let i = 1; i <= 6000; i++) lines.push(`客户${i},13${String(i).padStart(9, '0')},wx${i},${i % 2 ? '宝妈' : '上班族'}`)
    const path = file('bulk.csv', lines.join('\n'))
    expect(await run('customers', path)).toMatchObject({ committed: true, inserted: 6000 })
    expect(count('customer_phones')).toBe(6001)
    expect(count('customer_tags')).toBe(6001)
    expect(db().pragma('integrity_check', { simple: true })).toBe('ok')
    expect((await core.invoke('customers', 'list', { tags: ['宝妈'] })).total).toBe(3001)
    expect(await run('customers', path)).toMatchObject({ inserted: 0, updated: 0, unchanged: 6000 })
  })
})

describe('the name a file is known by', () => {
  it('keeps an upload’s own name in the history, the error report and located errors', async () => {
    // Browser mode stages an upload under a unique prefix; the console passes the name the person chose.
    const staged = file('0192f1c2-5d3a-7b4e-9f00-1234567890ab-_GBK.csv', readFileSync(fixture('customers-bad.csv')))
    const result = await run('customers', staged, { fileName: '客户名单 12月 (GBK).csv' })
    expect(result).toMatchObject({ committed: false, fileName: '客户名单 12月 (GBK).csv' })
    const history = await core.invoke('imports', 'history', {})
    expect(history.map((r) => r.fileName)).toEqual(['客户名单 12月 (GBK).csv'])
    expect((await core.invoke('imports', 'reportCsv', { importId: result.importId })).fileName).toBe('客户名单 12月 (GBK)-错误报告.csv')
    expect((await core.invoke('imports', 'preview', { entity: 'customers', path: staged, fileName: '客户名单 12月 (GBK).csv' })).fileName).toBe('客户名单 12月 (GBK).csv')
    const empty = file('0192f1c2-5d3a-7b4e-9f00-1234567890ab-empty.csv', '')
    await expect(run('customers', empty, { fileName: '空表.csv' })).rejects.toMatchObject({ code: 'import_empty', details: { file: '空表.csv' } })
  })
})

describe('import templates', () => {
  it('gives each record type an empty file of the importer’s own columns that imports back once filled in', async () => {
    for (const entity of ['customers', 'products', 'orders'] as const) {
      const { fileName, csv } = await core.invoke('imports', 'template', { entity })
      expect(fileName).toMatch(/导入模板\.csv$/)
      expect(csv.startsWith('\uFEFF')).toBe(true)
      expect(csv.trim().split('\r\n')).toHaveLength(1)
    }
    const { csv } = await core.invoke('imports', 'template', { entity: 'products' })
    const filled = file('商品导入模板.csv', `${csv.trimEnd()}\r\nMZ-9,补水面膜,水之源,美妆护肤,,129,59,50,10,,,补水\r\n`)
    expect(await run('products', filled)).toMatchObject({ committed: true, inserted: 1, errorCount: 0 })
    expect(db().prepare('SELECT sku, sale_price_fen FROM products').all()).toEqual([{ sku: 'MZ-9', sale_price_fen: 5900 }])
  })
})
