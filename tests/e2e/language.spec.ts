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

test('every section of the sidebar is in view at 1440×900 and no entry is cut short, in both languages', async ({ page }) => {
  const shell = new ConsolePage(page)
  for (const lang of ['zh-CN', 'en-US']) {
    if (lang === 'en-US') await shell.switchLanguage()
    for (const name of ['dashboard', 'temperature', 'ledger', 'schemes', 'settings'] as const) {
      const entry = shell.nav(name)
      const box = (await entry.boundingBox())!
      expect(box.y + box.height, `${lang} ${name}`).toBeLessThanOrEqual(900)
      // Its whole label shows: nothing is ellipsised.
      expect(await entry.evaluate((el) => { const item = el.closest('.n-menu-item-content-header') as HTMLElement; return item.scrollWidth <= item.clientWidth })).toBe(true)
    }
  }
})
