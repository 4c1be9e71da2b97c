import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCore, type OrchardCore } from '../../src-main/core/api'
import { actAs } from '../../src-main/core/lifecycle/lifecycle.testkit'
import { startSyncLoop, syncLoopOf } from '../../src-main/core/sync'
import { spawnSyncServer, type ServerProcess } from '../../src-main/core/sync/serverProcess.testkit'
import { expect, test } from './fixtures'
import { ConsolePage } from './page-models/console'

/**
 * A new workstation joining a team that already has its book: while it takes the team's
 * snapshot, the team-sync tab shows how far it is (records done of all, the rate, the time
 * left); afterwards the records are there and the notice is gone. The round is held
 * half-way so the progress can be looked at — photographed in both languages and themes.
 */
test.use({ firstStart: 'empty' })

let root: string
let server: ServerProcess
let other: OrchardCore | null = null

test.beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'orchard-e2e-bootstrap-'))
  server = await spawnSyncServer(join(root, 'server'))
})
test.afterAll(async () => {
  await other?.close()
  await server?.stop()
  rmSync(root, { recursive: true, force: true })
})

test('a new workstation shows the snapshot’s progress on the team-sync tab, then holds the team’s records', async ({ page, studio }, testInfo) => {
  test.setTimeout(180_000)
  await page.setViewportSize({ width: 1440, height: 900 })
  other = createCore({ dataDir: join(root, 'other'), host: 'cli', firstStart: 'empty' })
  await other.invoke('sync', 'enrol', { server: server.url, code: await server.code('e2e-bootstrap'), deviceName: '仓库' })
  for (let i = 0; i < 30; i++) await other.invoke('customers', 'create', { name: `老客户${i}`, phones: [`1370013${String(7000 + i)}`] })
  await other.invoke('sync', 'syncNow', {})

  const core = studio.core
  actAs(core, 'manager', '陈姐')
  let release!: () => void
  const held = new Promise<void>((resolve) => (release = resolve))
  let pages = 0
  await core.invoke('sync', 'enrol', { server: server.url, code: await server.code('e2e-bootstrap'), deviceName: '新电脑' })
  await startSyncLoop(core.context, {
    idleMs: 60_000,
    snapshotPage: 5,
    // Each page takes a moment (so a rate can be measured); the third waits until the pictures are taken.
    onStep: async (s) => {
      if (s !== 'records.snapshot.request') return
      pages++
      await new Promise((r) => setTimeout(r, 400))
      if (pages === 3) await held
    },
  })
  const round = syncLoopOf(core.context)!.syncNow()

  const notice = page.getByTestId('records-bootstrap')
  try {
    await page.reload()
    await page.getByTestId('nav-ledger').click()
    await page.locator('.n-tabs-tab', { hasText: '团队同步' }).click()
    await expect(notice).toContainText('正在从团队服务器取得记录')
    await expect(notice).toContainText('已取得 10 / 30 条记录')
    await expect(notice).toContainText('每秒')

    const shell = new ConsolePage(page)
    for (const lang of ['zh-CN', 'en-US'] as const) {
      if (lang === 'en-US') {
        await shell.switchLanguage()
        await expect(notice).toContainText('10 of 30 records')
      }
      for (const theme of ['light', 'dark'] as const) {
        await shell.setTheme(theme)
        await page.waitForTimeout(300)
        await page.screenshot({ path: testInfo.outputPath(`records-bootstrap-${lang}-${theme}.png`), fullPage: true })
      }
    }
    await shell.setTheme('light')
    await shell.switchLanguage()
  } finally {
    // Never left holding the round: the studio closes after the test.
    release()
  }
  const done = await round
  expect(done.records.bootstrap).toMatchObject({ records: 30 })
  await expect(notice).toHaveCount(0)
  expect((core.context.db.prepare('SELECT count(*) AS n FROM customers').get() as { n: number }).n).toBe(30)
})
