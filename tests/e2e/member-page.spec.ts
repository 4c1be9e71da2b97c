import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { devices } from '@playwright/test'
import { actAs } from '../../src-main/core/lifecycle/lifecycle.testkit'
import { pagesExchangeSettled } from '../../src-main/core/memberPages'
import { spawnSyncServer, type ServerProcess } from '../../src-main/core/sync/serverProcess.testkit'
import { expect, test } from './fixtures'
import { studioClock } from './studio'

/** WeChat's in-app browser on an iPhone, as it names itself. */
const WECHAT_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323b) NetType/4G Language/zh_CN'

let serverDir: string
let server: ServerProcess

test.beforeAll(async () => {
  serverDir = mkdtempSync(join(tmpdir(), 'orchard-e2e-pages-'))
  server = await spawnSyncServer(serverDir)
})
test.afterAll(async () => {
  await server?.stop()
  rmSync(serverDir, { recursive: true, force: true })
})

test('a member opens their page on a phone in WeChat, saves a poster, copies a text and ticks two posts; the operator sees the shares after a sync', async ({
  page,
  studio,
  browser,
}, testInfo) => {
  test.setTimeout(240_000)
  const core = studio.core
  const { today } = await studioClock(studio)
  actAs(core, 'manager')
  await core.invoke('sync', 'enrol', { server: server.url, code: await server.code('e2e'), deviceName: '前台' })
  actAs(core, 'operator')
  const [a, b] = core.context.db.prepare(`SELECT id, name, invite_code FROM members WHERE status = 'active' ORDER BY join_date, id LIMIT 2`).all() as {
    id: string
    name: string
    invite_code: string
  }[]
  const linkA = await core.invoke('memberPages', 'issueLink', { memberId: a.id })
  const linkB = await core.invoke('memberPages', 'issueLink', { memberId: b.id })
  await pagesExchangeSettled(core.context)
  const job = await core.invoke('packs', 'generate', {
    date: today,
    members: [a.invite_code, b.invite_code],
    templates: ['clean-white'],
    products: ['MZ-1001', 'SP-1001'],
    zip: false,
    video: false,
  })
  expect(job.published).not.toBeNull()

  const phone = await browser.newContext({
    ...devices['iPhone 13'],
    viewport: { width: 390, height: 844 },
    userAgent: WECHAT_UA,
    locale: 'zh-CN',
    acceptDownloads: true,
    permissions: ['clipboard-read', 'clipboard-write'],
  })
  try {
    const m = await phone.newPage()
    const errors: string[] = []
    m.on('pageerror', (e) => errors.push(e.message))
    m.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()))
    m.on('response', (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`))
    const opened = await m.goto(linkA.url!)
    expect(opened!.status()).toBe(200)
    await expect(m.getByRole('heading', { level: 1 })).toHaveText(`${a.name} 的会员小站`)
    await expect(m.locator('.grid figure').first()).toBeVisible()
    await m.screenshot({ path: testInfo.outputPath('member-page-top.png') })
    await m.screenshot({ path: testInfo.outputPath('member-page-full.png'), fullPage: true })
    await testInfo.attach('member page', { path: testInfo.outputPath('member-page-full.png'), contentType: 'image/png' })

    // Saves a poster: the full-size file, as a download.
    const [download] = await Promise.all([m.waitForEvent('download'), m.locator('.grid figure figcaption a').first().click()])
    const saved = readFileSync(await download.path())
    expect([saved[0], saved[1]]).toEqual([0xff, 0xd8])
    // Tapping a poster opens the file as made.
    const full = m.locator('.grid figure > a').first()
    expect(await full.getAttribute('href')).toMatch(/\/f\/[0-9a-f]{64}\.jpg$/)

    // Copies a text with its button.
    const firstCopy = m.locator('.copy').first()
    const text = (await firstCopy.locator('p').textContent())!.trim()
    await firstCopy.getByRole('button', { name: '复制' }).click()
    await expect.poll(() => m.evaluate(() => navigator.clipboard.readText())).toBe(text)

    // Ticks two items of the checklist (last night's preview and the morning peak).
    for (let n = 0; n < 2; n++) {
      await m.locator('.checklist li:not(.done)').getByRole('button', { name: '发完打卡' }).first().click()
      await expect(m.locator('.checklist li.done')).toHaveCount(n + 1)
    }
    await m.locator('.checklist').scrollIntoViewIfNeeded()
    await m.screenshot({ path: testInfo.outputPath('member-page-ticked.png') })
    await testInfo.attach('ticked', { path: testInfo.outputPath('member-page-ticked.png'), contentType: 'image/png' })
    expect(errors).toEqual([])

    // Another member's token does not open this member's files, and shows only that member.
    const poster = await full.getAttribute('href')
    const tokenB = new URL(linkB.url!).pathname.split('/')[2]
    const stolen = await m.request.get(`${server.url}/m/${tokenB}/f/${poster!.split('/').pop()}`)
    const bShows = await (await m.request.get(linkB.url!)).text()
    // B's pack has its own posters (B's invite QR): A's file is not in any of B's packs.
    expect(stolen.status()).toBe(404)
    expect(bShows).not.toContain(a.name)

    // A revoked link fails at once.
    await core.invoke('memberPages', 'revokeLink', { memberId: b.id })
    await pagesExchangeSettled(core.context)
    const revoked = await m.goto(linkB.url!)
    expect(revoked!.status()).toBe(404)
    await expect(m.getByText('这个链接不存在或已经失效。')).toBeVisible()
  } finally {
    await phone.close()
  }

  // The operator's workstation, after a sync, shows the two shares on the member's timeline.
  await core.invoke('memberPages', 'publish', {})
  await page.goto(`${studio.url}#/care?member=${a.id}`)
  const timeline = page.getByTestId('member-timeline')
  await expect(timeline).toHaveAttribute('data-member', a.id)
  await expect(timeline.getByTestId('timeline-entry').filter({ hasText: '会员小站打卡' })).toHaveCount(2)
  await page.screenshot({ path: testInfo.outputPath('operator-timeline.png') })
})
