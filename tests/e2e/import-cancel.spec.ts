import type { Route } from '@playwright/test'
import { expect, test } from './fixtures'
import { ImportPage } from './page-models/import'

test.use({ firstStart: 'empty' })

const ROWS = 60_000

/**
 * The run is held on its way to the studio until the person has pressed cancel, as it is
 * when it waits behind another long job: whatever the machine's speed, the cancel reaches
 * the import before it has written a row. (Cancels between the batches of a run under way
 * are the core's tests: src-main/core/imports/resume.test.ts.)
 */
test('a cancelled import writes nothing; 继续导入 in the history then imports every row once', async ({ page, studio }) => {
  const lines = ['姓名,手机,备注']
  for (let i = 0; i < ROWS; i++) lines.push(`客户${i},1${3800000000 + i},第${i}行`)
  const wizard = new ImportPage(page)
  const customers = () => studio.core.context.db.prepare('SELECT COUNT(*) AS n, COUNT(DISTINCT phones) AS phones FROM customers').get()

  await wizard.open()
  await wizard.chooseFile('customers', { name: '大客户名单.csv', content: lines.join('\n') + '\n' })
  await expect(wizard.preview()).toContainText('客户0')
  await wizard.continueToMode()

  let release!: () => void
  const cancelPressed = new Promise<void>((resolve) => (release = resolve))
  await page.route('**/api/call/imports.run', async (route: Route) => {
    await cancelPressed
    await route.continue()
  })
  await page.getByTestId('import-run').click()
  await expect(page.getByTestId('import-progress')).toBeVisible()
  await page.getByTestId('import-cancel').click()
  await expect(page.getByTestId('import-cancel')).toBeDisabled()
  release()

  await expect(page.getByTestId('import-cancelled')).toBeVisible()
  await expect(page.getByTestId('import-cancel')).toHaveCount(0)
  await page.unroute('**/api/call/imports.run')
  expect(customers()).toEqual({ n: 0, phones: 0 })
  const unfinished = page.getByTestId('import-unfinished')
  await expect(unfinished).toContainText('大客户名单.csv')
  await expect(unfinished).toContainText('已取消')

  await unfinished.getByTestId('import-resume').click()
  await expect(wizard.result()).toHaveAttribute('data-committed', 'true', { timeout: 60_000 })
  await expect(page.getByTestId('import-inserted')).toContainText(/60,?000/)
  await expect(unfinished).toHaveCount(0)
  expect(customers()).toEqual({ n: ROWS, phones: ROWS })
})
