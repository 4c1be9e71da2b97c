import { expect, test } from './fixtures'
import { ConsolePage } from './page-models/console'
import { ImportPage } from './page-models/import'

test.use({ firstStart: 'empty' })

/** A Shopify export in US dollars whose first buyer's phone has no area code (its first columns; the rest are optional). */
const SHOPIFY_USD = [
  'Name,Email,Financial Status,Currency,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Lineitem discount,Discount Amount,Shipping,Billing Name,Billing Phone,Id,Tags',
  '#6001,jane@example.com,paid,USD,2026-11-18 10:00:00 +0800,2,Serum,15.00,MZ-001,1.00,1.00,5.00,Jane Buyer,555-0100,700001,ref:GOLD01',
  '#6002,not-an-email,paid,USD,2026-11-18 11:00:00 +0800,1,Sample,0.15,MZ-003,0.00,0.00,0.00,Li Lei,+86 139 0013 9000,700002,',
].join('\n')

test('an export with messy contact details and another currency: the rate is given, the orders go in, the warnings read as clearly as errors in both languages', async ({ page, studio }, testInfo) => {
  const wizard = new ImportPage(page)
  await wizard.open()
  await wizard.chooseFile('orders', { name: 'orders_export_1.csv', content: SHOPIFY_USD })
  await expect(wizard.preview()).toContainText('Jane Buyer')
  await page.getByTestId('import-next').click()
  // The shop whose export this is, recognised from the headers.
  await expect(page.getByTestId('import-preset')).toContainText('Shopify')
  await page.getByTestId('import-next').click()

  // Without a rate the orders are refused, the currency named at its row and column.
  await wizard.run('all-or-nothing')
  await expect(wizard.result()).toHaveAttribute('data-committed', 'false')
  await expect(wizard.errors()).toContainText('USD')
  await expect(wizard.errors()).toContainText('Currency')
  expect((await studio.core.invoke('dashboard', 'summary', {})).counts.orders).toBe(0)

  // Back to the last step, with 1 USD = 7.10.
  await page.getByTestId('import-start-over').click()
  await wizard.chooseFile('orders', { name: 'orders_export_1.csv', content: SHOPIFY_USD })
  await wizard.continueToMode()
  const rates = page.getByTestId('import-rates')
  await rates.getByRole('button').first().click()
  await rates.getByPlaceholder('币种，如 USD').fill('USD')
  await rates.getByPlaceholder('汇率，如 7.10').fill('7.10')
  await wizard.run('all-or-nothing')

  await expect(wizard.result()).toHaveAttribute('data-committed', 'true')
  await expect(page.getByTestId('import-inserted')).toContainText('2')
  await expect(page.getByTestId('import-warning-count')).toContainText('2')
  await expect(page.getByTestId('import-rates-used')).toContainText('1 USD = 7.10')
  await expect(page.getByTestId('import-warnings-explain')).toContainText('照常导入')
  const warnings = wizard.warnings()
  await expect(warnings).toContainText('555-0100')
  await expect(warnings).toContainText('Billing Phone')
  await expect(warnings).toContainText('not-an-email')
  await expect(warnings).toContainText('不是有效的电话号码')
  await page.screenshot({ path: testInfo.outputPath('import-warnings-zh-CN.png'), fullPage: true })

  const report = await wizard.downloadReport('warnings')
  expect(report.fileName).toMatch(/orders_export_1-警告报告\.csv$/)
  expect(report.text).toMatch(/^2,Billing Phone,555-0100,/m)

  // (2 × 15.00 − 1.00) × 7.10 = 205.90 yuan: the line's discount off, the order's discount is that same 1.00.
  const orders = await studio.core.invoke('orders', 'list', {})
  expect(orders.rows.find((o) => o.orderNo === '#6001')).toMatchObject({ totalFen: 20590 })

  await new ConsolePage(page).switchLanguage()
  await expect(page.getByTestId('import-warnings-explain')).toContainText('kept as given')
  await expect(warnings).toContainText('not a valid phone number')
  await expect(page.getByTestId('import-rates-used')).toContainText('Rates used by this import')
  await page.screenshot({ path: testInfo.outputPath('import-warnings-en-US.png'), fullPage: true })
})
