import { readFileSync } from 'node:fs'
import { expect, test } from './fixtures'
import { ConsolePage } from './page-models/console'
import { CustomersPage } from './page-models/customers'
import { ImportPage } from './page-models/import'

test.use({ firstStart: 'empty' })

const CSV = [
  '姓名,手机,微信号,标签,客户分类,备注',
  '周晓梅,13800138001,zxm_01,宝妈|上班族,A,老客户',
  '吴海燕,12345,why_02,学生党,B,',
  ',13900139002,,,C,没有名字',
  '郑丽君,13700137003,zlj_03,爱美妆,B,',
].join('\n')
const FILE = { name: '客户名单.csv', content: CSV }

test('importing a CSV with bad rows: nothing is written, every bad row is located, then the valid rows go in', async ({ page, studio }) => {
  const wizard = new ImportPage(page)
  const customers = new CustomersPage(page)

  await wizard.open()
  await wizard.chooseFile('customers', FILE)
  await expect(wizard.preview()).toContainText('周晓梅')
  await wizard.continueToMode()
  await wizard.run('all-or-nothing')

  await expect(wizard.result()).toHaveAttribute('data-committed', 'false')
  const errors = wizard.errors()
  // row 3: the phone; row 4: the missing name — each with its column, value and reason
  await expect(errors).toContainText('12345')
  await expect(errors).toContainText('不是有效的电话号码')
  await expect(errors).toContainText('手机')
  await expect(errors).toContainText('姓名')
  await expect(errors).toContainText('3')
  await expect(errors).toContainText('4')

  // The error file: the refused rows as the file had them, the reason (in the console's language) and the source row after them.
  await expect(page.getByTestId('import-error-file-help')).toBeVisible()
  await page.screenshot({ path: test.info().outputPath('result-refused.png'), fullPage: true })
  const report = await wizard.downloadReport()
  expect(report.fileName).toBe('客户名单-错误行.csv')
  expect(report.text.startsWith('\uFEFF')).toBe(true)
  const lines = report.text.slice(1).trim().split(/\r?\n/)
  expect(lines[0]).toBe('姓名,手机,微信号,标签,客户分类,备注,错误原因 Reason,原行号 Source row')
  expect(lines).toHaveLength(3)
  expect(lines[1]).toMatch(/^吴海燕,12345,why_02,学生党,B,,手机：[^/]*不是有效的电话号码[^/]*,3$/)
  expect(lines[2]).toMatch(/^,13900139002,,,C,没有名字,姓名：必填项为空,4$/)

  await customers.open()
  await customers.expectTotal(0)
  expect((await studio.core.invoke('dashboard', 'summary', {})).counts.customers).toBe(0)

  await wizard.open()
  await wizard.chooseFile('customers', FILE)
  await expect(wizard.preview()).toContainText('周晓梅')
  await wizard.continueToMode()
  await wizard.run('valid-rows')
  await expect(wizard.result()).toHaveAttribute('data-committed', 'true')
  await expect(page.getByTestId('import-inserted')).toContainText('2')

  await customers.open()
  await customers.expectTotal(2)
  await expect(customers.row('周晓梅')).toHaveCount(1)
  await expect(customers.row('郑丽君')).toHaveCount(1)
  await expect(customers.row('吴海燕')).toHaveCount(0)

  // Fixed in the file itself and imported again as it is: the two rows land.
  const fixed = report.text.replace('吴海燕,12345,', '吴海燕,13600136004,').replace(',13900139002,,,C,', '王小丫,13900139002,,,C,')
  await wizard.open()
  await wizard.chooseFile('customers', { name: '客户名单-错误行.csv', content: fixed })
  await expect(wizard.preview()).toContainText('王小丫')
  await wizard.continueToMode()
  await wizard.run('all-or-nothing')
  await expect(wizard.result()).toHaveAttribute('data-committed', 'true')
  await expect(page.getByTestId('import-inserted')).toContainText('2')
  await customers.open()
  await customers.expectTotal(4)
  await expect(customers.row('吴海燕')).toHaveCount(1)
  await expect(customers.row('王小丫')).toHaveCount(1)
})

test('an uploaded file keeps its own name in the import history and in its error report', async ({ page, studio }) => {
  const wizard = new ImportPage(page)
  await wizard.open()
  await wizard.chooseFile('customers', { name: '客户名单 12月 (GBK).csv', content: CSV })
  await expect(wizard.preview()).toContainText('周晓梅')
  await wizard.continueToMode()
  await wizard.run('all-or-nothing')
  await expect(wizard.result()).toHaveAttribute('data-committed', 'false')
  // The reasons in the console's language only.
  await expect(wizard.errors()).toContainText('不是有效的电话号码')
  await expect(wizard.errors()).not.toContainText('not a valid phone number')

  const report = await wizard.downloadReport()
  expect(report.fileName).toBe('客户名单 12月 (GBK)-错误行.csv')
  const history = await studio.core.invoke('imports', 'history', {})
  expect(history.map((r) => r.fileName)).toEqual(['客户名单 12月 (GBK).csv'])
  await expect(page.getByTestId('import-history')).toContainText('客户名单 12月 (GBK).csv')
  await expect(page.getByTestId('import-history')).not.toContainText(/[0-9a-f]{8}-[0-9a-f]{4}-/)
})

test('an operator downloads the customers template, fills it in and imports it back', async ({ page, studio }) => {
  const wizard = new ImportPage(page)
  await wizard.open()
  await page.getByTestId('import-entity-customers').click()
  const download = page.waitForEvent('download')
  await page.getByTestId('import-template').click()
  const file = await download
  expect(file.suggestedFilename()).toBe('客户导入模板.csv')
  const template = readFileSync(await file.path(), 'utf8')
  expect(template.startsWith('\uFEFF姓名,微信号,手机,地址,标签,客户分类,消费群体,归属会员邀请码,备注')).toBe(true)
  // Nothing but the header: no example row to import by mistake.
  expect(template.trim().split('\n')).toHaveLength(1)

  await wizard.chooseFile('customers', { name: '客户导入模板.csv', content: `${template.trim()}\n郑晓燕,zxy_88,13800138088,,宝妈,A,,,从模板导入\n` })
  await expect(wizard.preview()).toContainText('郑晓燕')
  await wizard.continueToMode()
  await wizard.run('all-or-nothing')
  await expect(wizard.result()).toHaveAttribute('data-committed', 'true')
  expect((await studio.core.invoke('customers', 'list', { search: '郑晓燕' })).rows.map((c) => [c.name, c.relClass, c.notes])).toEqual([['郑晓燕', 'A', '从模板导入']])
})

test('the 所属群 column is offered in the mapping in both languages and takes the customers into the group', async ({ page, studio }) => {
  const group = await studio.core.invoke('groups', 'create', { name: '宝妈交流群' })
  const wizard = new ImportPage(page)
  const shell = new ConsolePage(page)
  const file = { name: '带群的客户.csv', content: ['姓名,手机,所属群', '孙丽,13800138071,宝妈交流群', '钱芳,13800138072,宝妈交流群'].join('\n') }

  await wizard.open()
  await wizard.chooseFile('customers', file)
  await expect(wizard.preview()).toContainText('孙丽')
  await page.getByTestId('import-next').click()
  const row = page.getByTestId('import-map-groups')
  await expect(row).toContainText('所属群')
  await expect(row).toContainText('Group')
  await expect(row.locator('.n-base-selection')).toContainText('所属群')
  await page.screenshot({ path: test.info().outputPath('mapping-zh.png'), fullPage: true })

  await shell.switchLanguage()
  await expect(row.locator('.field-label')).toHaveText('Group')
  await page.screenshot({ path: test.info().outputPath('mapping-en.png'), fullPage: true })
  await shell.switchLanguage()

  await page.getByTestId('import-next').click()
  await wizard.run('all-or-nothing')
  await expect(wizard.result()).toHaveAttribute('data-committed', 'true')
  const detail = await studio.core.invoke('groups', 'get', { id: group.id })
  expect(detail.customers.map((c) => c.name).sort()).toEqual(['孙丽', '钱芳'].sort())
})
