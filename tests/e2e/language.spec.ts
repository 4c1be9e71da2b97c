import { expect, test } from './fixtures'
import { ConsolePage } from './page-models/console'

test('the console switches to English and back, and remembers the choice', async ({ page }) => {
  const shell = new ConsolePage(page)
  await expect(shell.nav('customers')).toContainText('客户')
  await expect(shell.nav('import')).toContainText('导入')

  await shell.switchLanguage()
  await expect(shell.nav('customers')).toContainText('Customers')
  await expect(shell.nav('settings')).toContainText('Settings')
  await expect(page.getByText('Sales, last 30 days')).toBeVisible()

  await page.reload()
  await expect(shell.nav('customers')).toContainText('Customers')

  await shell.switchLanguage()
  await expect(shell.nav('customers')).toContainText('客户')
  await expect(shell.nav('settings')).toContainText('设置')
})
