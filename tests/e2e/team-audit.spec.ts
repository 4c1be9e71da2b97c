import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { createCore, type OrchardCore } from '../../src-main/core/api'
import { actAs } from '../../src-main/core/lifecycle/lifecycle.testkit'
import { spawnSyncServer, type ServerProcess } from '../../src-main/core/sync/serverProcess.testkit'
import { workstationId } from '../../src-main/core/workstation'
import { expect, test } from './fixtures'
import { ConsolePage } from './page-models/console'
import { AuditPage } from './page-models/lifecycle'

/**
 * The audit screen of an enrolled manager's workstation shows the team's audit under its own
 * chain: every workstation's chain and the server's, verified by the server; one record
 * edited in the server's database is shown broken where it is. Photographed in both
 * languages and themes.
 */
test.use({ firstStart: 'empty' })

let root: string
let serverDir: string
let server: ServerProcess
let other: OrchardCore | null = null

test.beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'orchard-e2e-team-audit-'))
  serverDir = join(root, 'server')
  server = await spawnSyncServer(serverDir)
})
test.afterAll(async () => {
  await other?.close()
  await server?.stop()
  rmSync(root, { recursive: true, force: true })
})

test('the audit screen shows the team’s audit verified together, and where a pushed record was altered', async ({ page, studio }, testInfo) => {
  test.setTimeout(240_000)
  await page.setViewportSize({ width: 1440, height: 900 })
  const core = studio.core
  actAs(core, 'manager', '陈姐')
  await core.invoke('sync', 'enrol', { server: server.url, code: await server.code('e2e-audit'), deviceName: '前台' })
  other = createCore({ dataDir: join(root, 'other'), host: 'cli', firstStart: 'empty' })
  await other.invoke('sync', 'enrol', { server: server.url, code: await server.code('e2e-audit', 'operator'), deviceName: '仓库' })
  actAs(other, 'operator', '小周')
  const c = await other.invoke('customers', 'create', { name: '冯十一', phones: ['13200132000'], notes: '' })
  await other.invoke('customers', 'update', { id: c.id, patch: { phones: ['13200132001'] } })
  const p = await core.invoke('products', 'create', { sku: 'SP-9001', name: '柔顺剂', listPriceFen: 3900, salePriceFen: 2900, priceFloorFen: 2500, images: [] })
  await core.invoke('products', 'update', { id: p.id, patch: { salePriceFen: 2700 } })
  await other.invoke('sync', 'syncNow', {})
  await core.invoke('sync', 'syncNow', {})

  await page.reload()
  const audit = new AuditPage(page)
  await audit.open()
  const team = page.getByTestId('team-audit')
  await expect(team).toHaveAttribute('data-intact', 'true')
  await expect(team.getByTestId(`team-chain-${workstationId(other.context.db)}`)).toContainText('仓库')
  await expect(team.getByTestId(`team-chain-${workstationId(core.context.db)}`)).toContainText('本机')
  await expect(team.getByTestId('team-chain-server')).toContainText('团队服务器')

  const shell = new ConsolePage(page)
  const photograph = async (name: string) => {
    for (const lang of ['zh-CN', 'en-US'] as const) {
      if (lang === 'en-US') {
        await shell.switchLanguage()
        await expect(team).toContainText('Team server')
      }
      for (const theme of ['light', 'dark'] as const) {
        await shell.setTheme(theme)
        await page.waitForTimeout(300)
        await page.screenshot({ path: testInfo.outputPath(`${name}-${lang}-${theme}.png`), fullPage: true })
      }
    }
    await shell.setTheme('light')
    await shell.switchLanguage()
    await expect(team).toContainText('团队服务器')
  }
  await photograph('team-audit')

  // Someone with the server's files edits one of the warehouse's pushed records.
  await server.stop()
  const db = await PGlite.create(join(serverDir, 'pgdata'))
  await db.query(`UPDATE audit_records SET summary = summary || ' ' WHERE chain = $1 AND seq = 2`, [workstationId(other.context.db)])
  await db.close()
  server = await spawnSyncServer(serverDir, server.port)

  await team.getByTestId('team-audit-verify').click()
  await expect(team).toHaveAttribute('data-intact', 'false')
  const broken = team.getByTestId(`team-chain-${workstationId(other.context.db)}`)
  await expect(broken).toHaveAttribute('data-ok', 'false')
  await expect(broken).toContainText('#2 · 内容被改动')
  await expect(team.getByTestId(`team-chain-${workstationId(core.context.db)}`)).toHaveAttribute('data-ok', 'true')
  await photograph('team-audit-broken')
})
