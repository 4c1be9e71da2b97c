import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import Papa from 'papaparse'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createCore, type OrchardCore } from '../api'
import { fixedClock } from '../clock'

let dir: string
let core: OrchardCore
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-errorfile-'))
  core = createCore({ dataDir: join(dir, 'data'), host: 'test', firstStart: 'empty', clock: fixedClock('2026-11-20T04:00:00Z') })
})
afterEach(async () => {
  delete process.env.ORCHARD_IMPORT_THREAD
  await core.close()
  rmSync(dir, { recursive: true, force: true })
})

const db = () => core.context.db
const count = (table: string) => (db().prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n
const names = () => (db().prepare('SELECT name FROM customers ORDER BY name').pluck().all() as string[]).join(',')
const readCsv = (path: string) => {
  const text = readFileSync(path, 'utf8')
  return { bom: text.startsWith('\uFEFF'), rows: Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { skipEmptyLines: true }).data }
}
const writeCsv = (path: string, rows: string[][]) => writeFileSync(path, '\uFEFF' + Papa.unparse(rows))

// Headers a person's own sheet uses: 称呼 and 电话号 need the mapping the first import was given.
const HEADER = ['称呼', '电话号', '客户分类', '备注']
const CUSTOMERS = [HEADER, ['王芳', '13800138000', 'A', '老客户'], ['李娜', '1380013', 'B', '手机少了几位'], ['赵敏', '13900139000', 'A', ''], ['陈静', '13700137000', 'Z', '分类写错']]
const MAPPING = { name: '称呼', phones: '电话号', relClass: '客户分类', notes: '备注' }

describe('the error file of an import', () => {
  for (const thread of ['0', '1']) {
    it(`holds the refused rows as the file had them plus the reason, and imports again once fixed (${thread === '1' ? 'on its thread' : 'in process'})`, async () => {
      process.env.ORCHARD_IMPORT_THREAD = thread
      const source = join(dir, '客户名单.csv')
      writeCsv(source, CUSTOMERS)
      const refused = await core.invoke('imports', 'run', { entity: 'customers', path: source, mapping: MAPPING })
      expect(refused).toMatchObject({ committed: false, rejectedRows: 2 })
      expect(count('customers')).toBe(0)

      const made = await core.invoke('imports', 'errorFile', { importId: refused.importId, path: join(dir, 'errors.csv') })
      expect(made).toMatchObject({ fileName: 'errors.csv', rows: 2, omittedRows: 0 })
      const { bom, rows } = readCsv(made.path)
      expect(bom).toBe(true)
      // The source's own columns in its order, then the reason and the row it was in the source.
      expect(rows[0]).toEqual([...HEADER, '错误原因 Reason', '原行号 Source row'])
      expect(rows.map((r) => r.slice(0, 4))).toEqual([HEADER, CUSTOMERS[2], CUSTOMERS[4]])
      expect(rows.map((r) => r[5])).toEqual(['原行号 Source row', '3', '5'])
      expect(rows[1][4]).toMatch(/^电话号：.+ \/ /)
      expect(rows[2][4]).toMatch(/^客户分类：/)

      // All-or-nothing wrote nothing; the good rows go in on their own, then the fixed ones.
      await core.invoke('imports', 'run', { entity: 'customers', path: source, mode: 'valid-rows' })
      expect(names()).toBe(['王芳', '赵敏'].sort().join(','))
      rows[1][1] = '13800138111'
      rows[2][2] = 'B'
      writeCsv(made.path, rows)
      // No mapping given: the one saved for the source applies to its error file.
      const again = await core.invoke('imports', 'run', { entity: 'customers', path: made.path })
      expect(again).toMatchObject({ committed: true, inserted: 2, rejectedRows: 0, errorCount: 0 })
      expect(names()).toBe(['王芳', '李娜', '赵敏', '陈静'].sort().join(','))
      expect(db().prepare("SELECT rel_class FROM customers WHERE name = '陈静'").pluck().get()).toBe('B')
      expect(db().prepare("SELECT phone FROM customer_phones JOIN customers c ON c.id = customer_id WHERE c.name = '李娜'").pluck().get()).toBe('+8613800138111')
      // The reason column is nobody's field: nothing of it landed in the records.
      expect(db().prepare("SELECT COUNT(*) FROM customers WHERE notes LIKE '%Reason%' OR notes LIKE '%原因%'").pluck().get()).toBe(0)
    })
  }

  it('is a workbook for a workbook, with every line of an order refused whole, and gives the reasons in one language when asked', async () => {
    const book = new ExcelJS.Workbook()
    const sheet = book.addWorksheet('十一月订单')
    const header = ['订单号', '下单时间', '商品名称', '数量', '单价']
    sheet.addRow(header)
    sheet.addRow(['D1001', '2026-11-18 10:00', '双抗精华液', '1', '129'])
    sheet.addRow(['D1002', '2026-11-18 11:00', '纸尿裤 L', '2', '89'])
    sheet.addRow(['D1002', '2026-11-18 11:00', '湿巾', '两包', '19.9'])
    sheet.addRow(['D1003', '2026-11-18 12:00', '奶瓶', '1', '59'])
    const source = join(dir, '订单.xlsx')
    await book.xlsx.writeFile(source)

    const refused = await core.invoke('imports', 'run', { entity: 'orders', path: source, mode: 'valid-rows' })
    expect(refused).toMatchObject({ committed: true, inserted: 2, rejectedRows: 2, errorCount: 1 })
    expect(count('orders')).toBe(2)

    const made = await core.invoke('imports', 'errorFile', { importId: refused.importId, lang: 'en' })
    expect(made.fileName).toBe('订单-错误行.xlsx')
    const back = new ExcelJS.Workbook()
    await back.xlsx.readFile(made.path)
    const ws = back.worksheets[0]
    expect(ws.name).toBe('十一月订单')
    const rows: string[][] = []
    ws.eachRow((row) => rows.push((row.values as unknown[]).slice(1).map((v) => String(v ?? ''))))
    expect(rows[0]).toEqual([...header, '错误原因 Reason', '原行号 Source row'])
    // Both lines of D1002: the one without an error of its own is there so the order comes back whole.
    expect(rows.slice(1).map((r) => r.slice(0, 5))).toEqual([
      ['D1002', '2026-11-18 11:00', '纸尿裤 L', '2', '89'],
      ['D1002', '2026-11-18 11:00', '湿巾', '两包', '19.9'],
    ])
    expect(rows[1][5]).toMatch(/^another line of order D1002 has an error/)
    // The column is named as the file names it; the reason is in English only.
    expect(rows[2][5]).toBe('数量: not a whole number')
    expect(rows.slice(1).map((r) => r[6])).toEqual(['3', '4'])

    ws.getRow(3).getCell(4).value = '2'
    await back.xlsx.writeFile(made.path)
    const again = await core.invoke('imports', 'run', { entity: 'orders', path: made.path })
    expect(again.errors).toEqual([])
    expect(again).toMatchObject({ committed: true, inserted: 1, rejectedRows: 0 })
    expect(count('orders')).toBe(3)
    expect(db().prepare("SELECT COUNT(*) FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.order_no = 'D1002'").pluck().get()).toBe(2)
  })

  it('refuses a run that refused nothing, and changes nothing', async () => {
    const source = join(dir, 'ok.csv')
    writeCsv(source, [HEADER, CUSTOMERS[1]])
    const done = await core.invoke('imports', 'run', { entity: 'customers', path: source, mapping: MAPPING })
    await expect(core.invoke('imports', 'errorFile', { importId: done.importId })).rejects.toMatchObject({ code: 'no_error_file' })
  })
})
