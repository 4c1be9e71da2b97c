import ExcelJS from 'exceljs'
import { expect, test } from './fixtures'
import { CustomersPage } from './page-models/customers'

test('an operator exports the filtered customers to Excel with the columns they chose: phones as text, money that sums', async ({ page, studio }) => {
  const customers = new CustomersPage(page)
  await customers.open()
  await customers.search('王')
  const found = await studio.core.invoke('customers', 'list', { search: '王', limit: 500 })
  for (let offset = 500; offset < found.total; offset += 500) found.rows.push(...(await studio.core.invoke('customers', 'list', { search: '王', limit: 500, offset })).rows)
  expect(found.total).toBeGreaterThan(0)
  await customers.expectTotal(found.total)

  await page.getByTestId('customers-export').click()
  await page.getByTestId('customers-export-columns').click()
  const dialog = page.getByTestId('export-dialog')
  await expect(dialog).toBeVisible()
  await dialog.getByTestId('export-columns-none').click()
  await expect(dialog.getByTestId('export-run')).toBeDisabled()
  for (const key of ['name', 'phones', 'orderCount', 'totalSpent']) await dialog.getByTestId(`export-column-${key}`).click()
  await dialog.getByTestId('export-format-xlsx').click()
  const download = page.waitForEvent('download')
  await dialog.getByTestId('export-run').click()
  const file = await download
  expect(file.suggestedFilename()).toMatch(/^customers-filtered-.*\.xlsx$/)
  await expect(dialog).toBeHidden()

  const book = new ExcelJS.Workbook()
  await book.xlsx.readFile(await file.path())
  const ws = book.getWorksheet('客户')!
  expect((ws.getRow(1).values as unknown[]).slice(1)).toEqual(['姓名', '手机', '订单数', '消费总额'])
  expect(ws.rowCount - 1).toBe(found.total)
  // The very customers the list found (names may repeat), each with its own figures.
  const exported: string[] = []
  ws.eachRow((row, n) => {
    if (n === 1) return
    // A phone as the spreadsheet should show it: plain text, no apostrophe (an empty cell when there is none).
    const phone = row.getCell(2).value ?? ''
    expect(typeof phone).toBe('string')
    expect(phone as string).toMatch(/^(\+\d+(,\+\d+)*)?$/)
    expect(typeof row.getCell(3).value).toBe('number')
    expect(typeof row.getCell(4).value).toBe('number')
    expect(row.getCell(4).numFmt).toBe('#,##0.00')
    exported.push(JSON.stringify([row.getCell(1).value, row.getCell(3).value, Math.round((row.getCell(4).value as number) * 100)]))
  })
  expect(exported.sort()).toEqual(found.rows.map((c) => JSON.stringify([c.name, c.orderCount, c.totalSpentFen])).sort())
})
