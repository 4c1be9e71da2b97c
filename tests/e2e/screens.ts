/**
 * Screenshots of every screen of the demo studio, in the light and the dark theme,
 * so the team can look at the console with real data:
 *
 *   npm run build:web && node --import tsx tests/e2e/screens.ts OUTDIR
 *
 * Builds nothing itself (it serves out/renderer as it is) and is not a test.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { chromium, type Page } from 'playwright-core'
import { CHROMIUM, CHROMIUM_ARGS } from './browser'
import { openStudio, RENDERER_DIR } from './studio'

/** Each screen with the element that says it has loaded its data. */
const SCREENS: [route: string, ready: string][] = [
  ['dashboard', 'dashboard-newest'],
  ['customers', 'customers-table'],
  ['groups', 'groups-table'],
  ['products', 'products-table'],
  ['members', 'members-tree'],
  ['orders', 'orders-table'],
  ['import', 'import-view'],
  ['packs', 'packs-generate'],
  ['templates', 'template-card'],
  ['copy', 'copy-words'],
  ['library', 'library-product-head'],
  ['ledger', 'ledger-members'],
  ['schemes', 'scheme-compliance'],
  ['settings', 'settings-data-folder'],
]
const THEMES = ['light', 'dark'] as const

const outDir = process.argv[2]
if (!outDir) {
  console.error('用法 / usage: node --import tsx tests/e2e/screens.ts OUTDIR')
  process.exit(2)
}
if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
  console.error('请先运行 npm run build:web / run npm run build:web first')
  process.exit(2)
}
const target = resolve(outDir)
mkdirSync(target, { recursive: true })

/** Lets charts finish their entrance animation and fonts settle before the picture is taken. */
async function settle(page: Page): Promise<void> {
  // a string: this file is type-checked for Node, where `document` does not exist
  await page.evaluate('document.fonts.ready.then(() => true)')
  await page.waitForTimeout(1200)
}

async function shoot(page: Page, name: string, saved: string[]): Promise<void> {
  await settle(page)
  const file = join(target, `${name}.png`)
  await page.screenshot({ path: file, fullPage: true })
  saved.push(file)
  console.log(file)
}

const studio = await openStudio('demo')
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true })
const saved: string[] = []
let failed = false
try {
  const context = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', viewport: { width: 1440, height: 900 } })
  const page = await context.newPage()
  page.on('pageerror', (err) => {
    failed = true
    console.error(`控制台未处理的错误 / uncaught error in the console: ${err.message}`)
  })
  await page.goto(studio.url)
  await page.getByTestId('nav-dashboard').waitFor()
  const origin = new URL(studio.url).origin

  for (const theme of THEMES) {
    const toggle = page.getByTestId('theme-switch')
    if ((await toggle.getAttribute('data-theme')) !== theme) await toggle.click()
    await page.locator(`[data-testid="theme-switch"][data-theme="${theme}"]`).waitFor()
    for (const [index, [route, ready]] of SCREENS.entries()) {
      // The token was kept for this tab when the console first opened, so plain hash routes work.
      await page.goto(`${origin}/#/${route}`)
      await page.getByTestId(ready).first().waitFor()
      const prefix = `${theme}-${String(index + 1).padStart(2, '0')}-${route}`
      await shoot(page, prefix, saved)
      if (route === 'ledger') {
        // The month's statement of a member with settlement activity, the payouts, a batch, the month close.
        await page.locator('.n-tabs-tab', { hasText: /会员对账单|Member statement/ }).click()
        await page.getByTestId('settlement-card').waitFor()
        await shoot(page, `${prefix}-statement`, saved)
        await page.locator('.n-tabs-tab', { hasText: /提现与打款|Withdrawals/ }).click()
        await page.getByTestId('batches-table').locator('tbody tr').first().waitFor()
        await shoot(page, `${prefix}-payouts`, saved)
        await page.getByTestId('batch-open').first().click()
        await page.getByTestId('batch-lines').waitFor()
        await shoot(page, `${prefix}-batch`, saved)
        await page.keyboard.press('Escape')
        await page.locator('.n-tabs-tab', { hasText: /月结|Month close/ }).click()
        await page.getByTestId('close-months').waitFor()
        await shoot(page, `${prefix}-close`, saved)
      }
      if (route === 'customers') {
        await page.getByTestId('customers-table').locator('tbody tr').first().click()
        await page.getByTestId('customer-drawer').waitFor()
        await shoot(page, `${prefix}-drawer`, saved)
        await page.keyboard.press('Escape')
      }
    }
  }
} catch (err) {
  failed = true
  console.error(err)
} finally {
  await browser.close()
  await studio.close()
}
console.log(`${saved.length} 张截图 / screenshots in ${target}`)
process.exit(failed ? 1 : 0)
