import { expect, test } from './fixtures'
import { ConsolePage } from './page-models/console'
import { DashboardPage } from './page-models/dashboard'

test('the console opens on the demo studio’s dashboard', async ({ page }) => {
  const console = new ConsolePage(page)
  const dashboard = new DashboardPage(page)
  await expect(page).toHaveURL(/#\/dashboard$/)
  // the token left the address bar once the console kept it
  expect(page.url()).not.toContain('token=')
  await expect(page.getByText('果园').first()).toBeVisible()
  await expect(page.getByTestId('host-kind')).toBeVisible()
  await expect(dashboard.customersCount()).not.toHaveAttribute('data-value', '0')
  expect(await dashboard.customers()).toBeGreaterThan(0)
  await expect(page.getByTestId('dashboard-newest')).toBeVisible()
  await expect(console.nav('customers')).toContainText('客户')
})

test.describe('an empty studio', () => {
  test.use({ firstStart: 'empty' })

  test('opens on a welcome instead of numbers', async ({ page }) => {
    await expect(page.getByTestId('dashboard-welcome')).toBeVisible()
    await expect(page.getByTestId('dashboard-customers-count')).toHaveAttribute('data-value', '0')
  })
})

test('emoji in copy draw with the shipped emoji font on a machine without one, and digits never do', async ({ page }) => {
  // document.fonts.load answers with the faces that cover the text, once they have loaded.
  const faces = (text: string) => page.evaluate(`document.fonts.load('16px "Orchard Emoji"', ${JSON.stringify(text)}).then((f) => f.map((x) => x.status))`)
  expect(await faces('📢💰✅🌷')).toContain('loaded')
  expect(await faces('0123456789#*')).toEqual([])
})
