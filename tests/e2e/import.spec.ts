import { readFileSync } from 'node:fs'
import { expect, test } from './fixtures'

const CSV = [
  '姓名,手机,微信号,标签,客户分类,备注',
  '周晓梅,13800138001,zxm_01,宝妈|上班族,A,老客户',
  '吴海燕,12345,why_02,学生党,B,',
  ',13900139002,,,C,没有名字',
  '郑丽君,13700137003,zlj_03,爱美妆,B,',
].join('\n')

test('importing a CSV with bad rows: nothing is written, every bad row is located, then the valid rows go in', async ({ page, emptyStudio }) => {
  void emptyStudio
  await page.getByTestId('nav-import').click()
  await page.getByTestId('import-entity-customers').click()
  const chooser = page.waitForEvent('filechooser')
  await page.getByTestId('import-pick-file').first().click()
  await (await chooser).setFiles({ name: '客户名单.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV, 'utf8') })
  await expect(page.getByTestId('import-preview')).toContainText('周晓梅')
  await page.getByTestId('import-next').click()
  await page.getByTestId('import-next').click()
  await page.getByTestId('import-run').click()

  const result = page.getByTestId('import-result')
  await expect(result).toHaveAttribute('data-committed', 'false')
  const errors = page.getByTestId('import-errors')
  await expect(errors).toContainText('12345')
  await expect(errors).toContainText('不是有效的电话号码')
  await expect(errors).toContainText('姓名')

  const download = page.waitForEvent('download')
  await page.getByTestId('import-download-report').click()
  const report = readFileSync(await (await download).path(), 'utf8')
  expect(report).toContain('行号 Row,列 Column,值 Value,原因 Reason')
  expect(report).toMatch(/3,手机,12345,/)
  expect(report).toMatch(/4,姓名,,/)

  await page.getByTestId('nav-customers').click()
  await expect(page.getByTestId('customers-table')).toHaveAttribute('data-total', '0')

  await page.getByTestId('nav-import').click()
  await page.getByTestId('import-entity-customers').click()
  const again = page.waitForEvent('filechooser')
  await page.getByTestId('import-pick-file').first().click()
  await (await again).setFiles({ name: '客户名单.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV, 'utf8') })
  await expect(page.getByTestId('import-preview')).toContainText('周晓梅')
  await page.getByTestId('import-next').click()
  await page.getByTestId('import-next').click()
  await page.getByTestId('import-mode-valid-rows').click()
  await page.getByTestId('import-run').click()
  await expect(page.getByTestId('import-result')).toHaveAttribute('data-committed', 'true')
  await expect(page.getByTestId('import-inserted')).toContainText('2')

  await page.getByTestId('nav-customers').click()
  await expect(page.getByTestId('customers-table')).toHaveAttribute('data-total', '2')
})
