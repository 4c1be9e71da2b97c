/**
 * Screenshots of the lifecycle screens on the demo studio — the care calendar, the member
 * timeline, group temperature, rules and approvals, the audit log and onboarding kits —
 * in the light and the dark theme, and the main ones once more in English:
 *
 *   npm run build:web && node --import tsx tests/e2e/screens-lifecycle.ts OUTDIR
 *
 * Builds nothing itself and is not a test.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { chromium, type Page } from 'playwright-core'
import { CHROMIUM, CHROMIUM_ARGS } from './browser'
import { openStudio, RENDERER_DIR } from './studio'

const outDir = process.argv[2]
if (!outDir) {
  console.error('用法 / usage: node --import tsx tests/e2e/screens-lifecycle.ts OUTDIR')
  process.exit(2)
}
if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
  console.error('请先运行 npm run build:web / run npm run build:web first')
  process.exit(2)
}
const target = resolve(outDir)
mkdirSync(target, { recursive: true })

async function settle(page: Page): Promise<void> {
  await page.evaluate('document.fonts.ready.then(() => true)')
  await page.waitForTimeout(700)
}

const saved: string[] = []
async function shoot(page: Page, name: string, fullPage = true): Promise<void> {
  await settle(page)
  const file = join(target, `${name}.png`)
  await page.screenshot({ path: file, fullPage })
  saved.push(file)
  console.log(file)
}

/** Switches profile through the header, as a person does: the switch, the profile, its PIN. */
async function switchTo(page: Page, name: string, pin: string): Promise<void> {
  await page.getByTestId('profile-switch').click()
  await page.locator(`[data-testid="profile-option"][data-name="${name}"]`).click()
  await page.getByTestId('pin-input').fill(pin)
  await page.getByTestId('pin-submit').click()
  await page.locator(`[data-testid="profile-switch"][data-profile="${name}"]`).waitFor()
  await page.getByTestId('pin-modal').waitFor({ state: 'detached' }).catch(() => undefined)
}

async function setTheme(page: Page, theme: 'light' | 'dark') {
  const toggle = page.getByTestId('theme-switch')
  if ((await toggle.getAttribute('data-theme')) !== theme) await toggle.click()
  await page.locator(`[data-testid="theme-switch"][data-theme="${theme}"]`).waitFor()
}

const studio = await openStudio('demo')
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true })
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
  const go = async (route: string, ready: string) => {
    await page.goto(`${origin}/#/${route}`)
    await page.getByTestId(ready).first().waitFor()
  }

  for (const theme of ['light', 'dark'] as const) {
    await setTheme(page, theme)
    const p = (n: string) => `${theme}-${n}`

    // The operator's morning: the day list, the week, the month, one member's story.
    await go('care', 'care-table')
    await page.locator('[data-testid="care-table"][data-loading="false"]').waitFor()
    await shoot(page, p('01-care-tasks'), false)
    await page.getByTestId('care-table').locator('.n-data-table-expand-trigger').first().click()
    await shoot(page, p('02-care-task-script'), false)
    const boxes = page.getByTestId('care-table').locator('tbody .n-checkbox')
    await boxes.nth(1).click()
    await boxes.nth(2).click()
    await page.getByTestId('care-bulk-skip').click()
    await page.getByTestId('care-complete-modal').waitFor()
    await shoot(page, p('02b-care-bulk-skip'), false)
    await page.keyboard.press('Escape')
    await page.getByText(theme === 'light' ? '周 / 月视图' : '周 / 月视图').click()
    await page.locator('[data-testid="care-calendar"][data-loading="false"]').waitFor()
    await shoot(page, p('03-care-week'))
    await page.getByTestId('calendar-mode').getByText('月').click()
    await page.locator('[data-testid="care-calendar"][data-mode="month"][data-loading="false"]').waitFor()
    await shoot(page, p('04-care-month'))
    await page.getByText('会员时间线').click()
    await page.getByTestId('timeline-member-search').click()
    await page.keyboard.type('王')
    await page.keyboard.press('Enter')
    await page.getByTestId('timeline-entry').first().waitFor()
    await shoot(page, p('05-member-timeline'))
    await page.getByText('关怀计划', { exact: true }).click()
    await page.getByTestId('care-plans').waitFor()
    await shoot(page, p('06-care-plans'))

    // Group temperature: the ranking and one group's chart, then entering a day by hand.
    await go('temperature', 'temperature-chart')
    await shoot(page, p('07-temperature'))
    await page.getByTestId('temperature-log').click()
    await page.getByTestId('ritual-modal').waitFor()
    await shoot(page, p('08-temperature-log'), false)
    await page.keyboard.press('Escape')

    // The profile switch and its PIN, wrong once.
    await page.getByTestId('profile-switch').click()
    await page.getByTestId('profile-panel').waitFor()
    await shoot(page, p('09-profile-switch'), false)
    await page.locator('[data-testid="profile-option"][data-name="陈姐"]').click()
    await page.getByTestId('pin-input').fill('1234')
    await page.getByTestId('pin-submit').click()
    await page.getByTestId('pin-error').waitFor()
    await shoot(page, p('10-pin-wrong'), false)
    await page.getByTestId('pin-input').fill('8888')
    await page.getByTestId('pin-submit').click()
    await page.locator('[data-testid="profile-switch"][data-role="manager"]').waitFor()

    // The manager: rules, the rule form, approvals, an action, appeals, the audit.
    await go('rules', 'rules-table')
    await shoot(page, p('11-rules'))
    await page.getByTestId('rule-new').click()
    await page.getByTestId('rule-form').waitFor()
    await page.getByTestId('rule-name').fill('两次乱价扣佣金')
    await shoot(page, p('12-rule-form'), false)
    await page.keyboard.press('Escape')
    await page.getByTestId('tab-approvals').click()
    await page.locator('[data-testid="approvals-table"][data-loading="false"]').waitFor()
    await shoot(page, p('13-approvals'))
    await page.getByTestId('approvals-status').getByText('已批准').click()
    await page.locator('[data-testid="approvals-table"][data-loading="false"]').waitFor()
    await page.getByTestId('approvals-table').locator('tbody tr').first().click()
    await page.getByTestId('action-drawer').waitFor()
    await page.getByTestId('action-status').waitFor()
    await shoot(page, p('14-action-drawer'), false)
    await page.keyboard.press('Escape')
    await page.getByTestId('tab-appeals').click()
    await page.getByTestId('appeals-table').waitFor()
    await shoot(page, p('15-appeals'))

    await go('audit', 'audit-chain')
    await page.locator('[data-testid="audit-table"][data-loading="false"]').waitFor()
    await page.getByTestId('audit-table').locator('.n-data-table-expand-trigger').first().click()
    await shoot(page, p('16-audit'), false)

    await go('kits', 'kit-toolbar')
    await shoot(page, p('17-kits'), false)
    await page.getByTestId('kit-generate-open').click()
    await page.getByTestId('kit-generate').waitFor()
    await page.getByTestId('kit-generate').getByRole('button', { name: /加入近 14 天/ }).click()
    await shoot(page, p('18-kit-generate'), false)
    await page.keyboard.press('Escape')
    if (theme === 'light') {
      await page.getByTestId('kit-preview-open').click()
      await page.locator('[data-testid="kit-preview-pages"]:not([data-drawn="0"])').waitFor({ timeout: 60_000 })
      await page.waitForTimeout(1500)
      await shoot(page, p('18b-kit-preview'), false)
      await page.keyboard.press('Escape')
    }

    // Back to the operator: what a manager's screen looks like to them.
    await page.getByTestId('profile-switch').click()
    await page.getByTestId('profile-sign-out').click()
    await page.locator('[data-testid="profile-switch"][data-role="operator"]').waitFor()
    await go('audit', 'role-gate')
    await shoot(page, p('19-audit-operator'), false)
  }

  // English, light: the main screens once more.
  await setTheme(page, 'light')
  await page.getByTestId('lang-switch').click()
  await page.locator('html[lang="en-US"]').waitFor()
  await go('care', 'care-table')
  await page.locator('[data-testid="care-table"][data-loading="false"]').waitFor()
  await shoot(page, 'en-01-care-tasks', false)
  await go('temperature', 'temperature-chart')
  await shoot(page, 'en-02-temperature')
  await switchTo(page, '陈姐', '8888')
  await go('rules', 'rules-table')
  await shoot(page, 'en-03-rules')
  await go('audit', 'audit-chain')
  await page.locator('[data-testid="audit-table"][data-loading="false"]').waitFor()
  await shoot(page, 'en-04-audit', false)
  await go('kits', 'kit-toolbar')
  await shoot(page, 'en-05-kits', false)
  await page.getByTestId('lang-switch').click()
  await page.locator('html[lang="zh-CN"]').waitFor()

  // A tampered record: the banner says where the chain breaks.
  const db = studio.core.context.db
  const target = db.prepare("SELECT seq FROM audit_log WHERE kind = 'action.approved' ORDER BY seq LIMIT 1").get() as { seq: number }
  db.exec('DROP TRIGGER audit_log_no_update')
  db.prepare("UPDATE audit_log SET summary = replace(summary, '——', '——（已改）') WHERE seq = ?").run(target.seq)
  await go('audit', 'audit-chain')
  await page.locator('[data-testid="audit-chain"][data-intact="false"]').waitFor()
  await page.getByTestId('audit-locate').click()
  await page.locator('[data-broken="true"]').waitFor()
  await shoot(page, 'light-20-audit-broken', false)
} catch (err) {
  failed = true
  console.error(err)
} finally {
  await browser.close()
  await studio.close()
}
console.log(`${saved.length} 张截图 / screenshots in ${target}`)
process.exit(failed ? 1 : 0)
