import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCore, type OrchardCore } from '../../src-main/core/api'
import { actAs } from '../../src-main/core/lifecycle/lifecycle.testkit'
import { readRecords } from '../../src-main/core/records/sync'
import { spawnSyncServer, type ServerProcess } from '../../src-main/core/sync/serverProcess.testkit'
import { expect, test } from './fixtures'
import { ConsolePage } from './page-models/console'

/**
 * The shared records' sync state on the team-sync tab: two workstations (the console's and
 * one beside it) change the same customer's note while apart; after their rounds the
 * console lists the conflict with both values, and a manager puts the earlier one back
 * with one click and a confirmation — it reaches the other workstation with the next rounds. A
 * manager's change the server refuses (the workstation is enrolled for operators) is listed with why.
 * Photographed in both languages and themes.
 */
test.use({ firstStart: 'empty' })

let root: string
let server: ServerProcess
let other: OrchardCore | null = null

test.beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'orchard-e2e-records-'))
  server = await spawnSyncServer(join(root, 'server'))
})
test.afterAll(async () => {
  await other?.close()
  await server?.stop()
  rmSync(root, { recursive: true, force: true })
})

test('a conflict of a shared record is listed with both values and restored with one click; refused changes show their reason', async ({ page, studio }, testInfo) => {
  test.setTimeout(180_000)
  await page.setViewportSize({ width: 1440, height: 900 })
  const core = studio.core
  // The front desk's workstation is enrolled for operators: a manager's change made there is one the server refuses.
  actAs(core, 'manager', '陈姐')
  await core.invoke('sync', 'enrol', { server: server.url, code: await server.code('e2e-records', 'operator'), deviceName: '前台' })
  actAs(core, 'operator', '小陈')
  other = createCore({ dataDir: join(root, 'other'), host: 'cli', firstStart: 'empty' })
  actAs(other, 'manager', '王店长')
  await other.invoke('sync', 'enrol', { server: server.url, code: await server.code('e2e-records'), deviceName: '仓库' })
  actAs(other, 'operator', '小周')

  const c = await core.invoke('customers', 'create', { name: '冯十一', phones: ['13200132000'], notes: '' })
  const gone = await core.invoke('customers', 'create', { name: '蒋强东', phones: ['13500135000'], addresses: ['浙江省杭州市西湖区文三路 90 号'], tags: ['宝妈'], notes: '' })
  await core.invoke('sync', 'syncNow', {})
  await other.invoke('sync', 'syncNow', {})
  // Apart: the operator at the warehouse first, then the one at the front desk, who syncs last and wins.
  await other.invoke('customers', 'update', { id: c.id, patch: { notes: '放门卫处' } })
  await core.invoke('customers', 'update', { id: c.id, patch: { notes: '本人签收' } })
  // The warehouse writes a note on a customer the front desk deletes: the delete wins, the record is kept in the list.
  await other.invoke('customers', 'update', { id: gone.id, patch: { notes: '周末送货' } })
  await core.invoke('customers', 'remove', { id: gone.id })
  // A manager signs in at the front desk and enters a product with its commission rate: the server refuses it
  // (the device acts for operators), the workstation takes it back, and the console says why.
  actAs(core, 'manager', '陈姐')
  await core.invoke('products', 'create', { sku: 'SP-9001', name: '柔顺剂', listPriceFen: 3900, salePriceFen: 2900, priceFloorFen: 2500, commissionBp: 1800, images: [] })
  actAs(core, 'operator', '小陈')
  await other.invoke('sync', 'syncNow', {})
  await core.invoke('sync', 'syncNow', {})
  await other.invoke('sync', 'syncNow', {})
  await core.invoke('customers', 'update', { id: c.id, patch: { relClass: 'A' } })

  await page.reload()
  await page.getByTestId('nav-ledger').click()
  await page.locator('.n-tabs-tab', { hasText: '团队同步' }).click()
  const panel = page.getByTestId('records-sync')
  // The console's background loop sends the last edit on its own: what is pending is a count either way.
  await expect(panel.getByTestId('records-pending')).toHaveText(/^\d+$/)
  await expect(panel.getByTestId('records-conflict-count')).toHaveText('2')
  // The deleted customer as the team held it, field by field with labels — not its raw record.
  const deleted = panel.locator('[data-testid="records-conflict"][data-kind="delete"]')
  await expect(deleted).toContainText('蒋强东')
  await expect(deleted.getByTestId('conflict-later')).toHaveText('已删除')
  const kept = deleted.getByTestId('conflict-kept-record')
  await expect(kept).toContainText('手机号')
  await expect(kept.locator('[data-field="phones"]')).toHaveText('+8613500135000')
  await expect(kept.locator('[data-field="addresses"]')).toHaveText('浙江省杭州市西湖区文三路 90 号')
  await expect(kept.locator('[data-field="notes"]')).toHaveText('周末送货')
  await expect(deleted).not.toContainText('[object Object]')
  await expect(deleted).not.toContainText('{')
  const conflict = panel.getByTestId('records-conflict').filter({ hasText: '冯十一' })
  await expect(conflict).toContainText('备注')
  await expect(conflict.getByTestId('conflict-later')).toHaveText('本人签收')
  await expect(conflict.getByTestId('conflict-earlier')).toHaveText('放门卫处')
  await expect(conflict).toContainText('小周，仓库')
  await expect(panel.getByTestId('records-issues')).toContainText('服务器拒收')
  await expect(panel.getByTestId('records-issues')).toContainText('不能以「manager」的身份修改记录')
  expect(core.context.db.prepare("SELECT count(*) FROM products WHERE sku = 'SP-9001'").pluck().get()).toBe(0)

  const shell = new ConsolePage(page)
  for (const lang of ['zh-CN', 'en-US'] as const) {
    if (lang === 'en-US') {
      await shell.switchLanguage()
      await expect(panel).toContainText('Shared records')
      await expect(panel.getByTestId('records-conflict').first()).toContainText('notes')
    }
    for (const theme of ['light', 'dark'] as const) {
      await shell.setTheme(theme)
      await page.waitForTimeout(300)
      await page.screenshot({ path: testInfo.outputPath(`records-sync-${lang}-${theme}.png`), fullPage: true })
    }
  }
  await shell.setTheme('light')
  await shell.switchLanguage()
  await expect(panel).toContainText('共享记录')

  // Asked first; cancelling changes nothing.
  await conflict.getByTestId('conflict-restore').click()
  await expect(page.locator('.n-dialog')).toContainText('“本人签收”将改回“放门卫处”')
  await page.getByRole('button', { name: '取消' }).click()
  expect(readRecords(core.context.db, 'customer', [c.id]).get(c.id)).toMatchObject({ notes: '本人签收' })

  await conflict.getByTestId('conflict-restore').click()
  await page.locator('.n-dialog').getByRole('button', { name: '恢复被替换的值' }).click()
  await expect(panel.getByTestId('records-conflict-count')).toHaveText('1')
  await expect(panel.getByTestId('records-restored-item')).toContainText('由小陈在前台于')
  await expect(panel.getByTestId('records-restored-item')).toContainText('尚未发送')
  expect(readRecords(core.context.db, 'customer', [c.id]).get(c.id)).toMatchObject({ notes: '放门卫处' })

  await page.getByRole('button', { name: '立即同步' }).click()
  await expect(panel.getByTestId('records-pending')).toHaveText('0')
  await expect(panel.getByTestId('records-restored-item')).not.toContainText('尚未发送')
  await other.invoke('sync', 'syncNow', {})
  expect(readRecords(other.context.db, 'customer', [c.id]).get(c.id)).toMatchObject({ notes: '放门卫处', relClass: 'A' })
  expect((await other.invoke('records', 'conflicts', { status: 'restored' })).map((k) => k.restored?.actor)).toEqual(['小陈'])
})
