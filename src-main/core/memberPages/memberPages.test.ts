import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import QRCode from 'qrcode'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addDays, dayIn } from '../../../src-shared/time'
import { createCore, type OrchardCore } from '../api'
import { balances, readSettlementSettings } from '../ledger/settlement'
import { actAs } from '../lifecycle/lifecycle.testkit'
import { spawnSyncServer, type ServerProcess } from '../sync/serverProcess.testkit'
import { decodeQr } from '../materials/sources'
import { pagesExchangeSettled } from './index'

/**
 * The workstation and the team's server together: a studio publishes a day's packs, its
 * members open their pages, tick what they posted and ask for their money, and the studio
 * sees it after the next exchange. The server is `orchard server` on its embedded PGlite;
 * days come from the real clock in the studio's zone, as the server's pages use them.
 */

const ZONE = 'Asia/Shanghai'
let root: string
let server: ServerProcess
let core: OrchardCore
let today: string

interface Member {
  id: string
  name: string
  invite_code: string
}

const db = () => core.context.db
const members = (): Member[] => db().prepare(`SELECT id, name, invite_code FROM members WHERE status = 'active' ORDER BY join_date, id`).all() as Member[]
const page = async (path: string, init: RequestInit = {}) => {
  const res = await fetch(server.url + path, { redirect: 'manual', ...init })
  return { status: res.status, text: await res.text(), location: res.headers.get('location') }
}
const tokenOf = (url: string) => new URL(url).pathname.split('/')[2]
const post = (path: string, form: Record<string, string>) =>
  page(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() })
/** One exchange with the server, as a sync round ends with (the test's "after a sync"). */
const exchange = () => core.invoke('memberPages', 'publish', {})
const generate = (date: string, who: string[], out: string, extra: Record<string, unknown> = {}) =>
  core.invoke('packs', 'generate', { date, members: who, templates: ['clean-white'], products: ['MZ-1001', 'SP-1001'], out, zip: false, video: false, ...extra })

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'orchard-pages-'))
  server = await spawnSyncServer(join(root, 'server'))
  core = createCore({ dataDir: join(root, 'ws'), host: 'test', firstStart: 'demo' })
  today = dayIn(ZONE, new Date())
  const code = await server.code('studio')
  actAs(core, 'manager')
  await core.invoke('sync', 'enrol', { server: server.url, code, deviceName: '前台' })
  // The rest is an operator's day.
  actAs(core, 'operator')
}, 120_000)

afterAll(async () => {
  await core?.close()
  await server?.stop()
  rmSync(root, { recursive: true, force: true })
})

describe('members’ pages from the workstation', () => {
  it('publishes a finished run: each member sees their own pack, ticks come back as their share events on the timeline', async () => {
    const [a, b] = members()
    const linkA = await core.invoke('memberPages', 'issueLink', { memberId: a.id })
    const linkB = await core.invoke('memberPages', 'issueLink', { memberId: b.id })
    expect(linkA.url).toMatch(new RegExp(`^${server.url}/m/[A-Za-z0-9_-]{43}$`))
    expect(linkA.qr).toMatch(/^data:image\/png;base64,/)
    await pagesExchangeSettled(core.context)

    const job = await generate(today, [a.invite_code, b.invite_code], join(root, 'packs-today'))
    expect(job.status).toBe('done')
    // Published as the run finished: the packs list says when, and how much.
    const listed = (await core.invoke('packs', 'jobs', {})).find((j) => j.id === job.id)!
    expect(listed.published).toMatchObject({ packs: 2 })

    const mine = await page(`/m/${tokenOf(linkA.url!)}`)
    expect(mine.status).toBe(200)
    expect(mine.text).toContain(`${a.name} 的会员小站`)
    expect(mine.text).not.toContain(b.name)
    const images = db().prepare(`SELECT COUNT(*) FROM job_items WHERE job_id = ? AND owner_id = ? AND kind IN ('poster', 'comparison')`).pluck().get(job.id, a.id) as number
    expect(images).toBeGreaterThanOrEqual(2)
    expect((mine.text.match(/<figure>/g) ?? []).length).toBe(images)
    expect(mine.text).toContain('发完打卡')
    const theirs = await page(`/m/${tokenOf(linkB.url!)}`)
    expect(theirs.text).toContain(`${b.name} 的会员小站`)
    expect(theirs.text).not.toContain(a.name)

    // Nothing of a customer on the page: no customer's name, WeChat id or phone number.
    const customers = db().prepare('SELECT name, wechat_id, phones FROM customers').all() as { name: string; wechat_id: string | null; phones: string }[]
    const memberNames = new Set(members().map((m) => m.name))
    for (const c of customers) {
      if ([...c.name].length >= 2 && !memberNames.has(c.name)) expect(mine.text).not.toContain(c.name)
      if (c.wechat_id) expect(mine.text).not.toContain(c.wechat_id)
      for (const p of JSON.parse(c.phones) as string[]) expect(mine.text).not.toContain(p)
    }

    const before = db().prepare(`SELECT COUNT(*) FROM member_events WHERE member_id = ? AND type = 'share'`).pluck().get(a.id) as number
    const owner = `member:${a.invite_code}`
    for (const item of ['peak-1', 'preview']) expect((await post(`/m/${tokenOf(linkA.url!)}/tick`, { owner, day: today, item })).status).toBe(303)
    await exchange()
    await exchange()
    const timeline = await core.invoke('care', 'timeline', { memberId: a.id })
    const shares = timeline.entries.filter((e) => e.kind === 'event' && e.subtype === 'share' && e.detail.includes('会员小站打卡'))
    expect(shares).toHaveLength(2)
    expect(db().prepare(`SELECT COUNT(*) FROM member_events WHERE member_id = ? AND type = 'share'`).pluck().get(a.id)).toBe(before + 2)
    expect(timeline.member.lastShareAt).not.toBeNull()
  }, 120_000)

  it('a revoked link answers 404 at once; a reissued one replaces it', async () => {
    const [, , c] = members()
    const first = await core.invoke('memberPages', 'issueLink', { memberId: c.id })
    await pagesExchangeSettled(core.context)
    expect((await page(`/m/${tokenOf(first.url!)}`)).status).toBe(200)
    const again = await core.invoke('memberPages', 'issueLink', { memberId: c.id, reissue: true })
    await pagesExchangeSettled(core.context)
    expect(again.url).not.toBe(first.url)
    expect((await page(`/m/${tokenOf(first.url!)}`)).status).toBe(404)
    expect((await page(`/m/${tokenOf(again.url!)}`)).status).toBe(200)
    const revoked = await core.invoke('memberPages', 'revokeLink', { memberId: c.id })
    expect(revoked).toMatchObject({ url: null, qr: null })
    await pagesExchangeSettled(core.context)
    expect((await page(`/m/${tokenOf(again.url!)}`)).status).toBe(404)
  }, 60_000)

  it('refuses to publish a run whose text names a customer, and the server keeps what it had', async () => {
    const [a] = members()
    const customer = db().prepare(`SELECT name FROM customers WHERE length(name) >= 2 ORDER BY name LIMIT 1`).pluck().get() as string
    const product = db().prepare(`SELECT id, name FROM products WHERE sku = 'SP-1001'`).get() as { id: string; name: string }
    const link = await core.invoke('memberPages', 'issueLink', { memberId: a.id })
    const tomorrow = addDays(today, 1)
    const before = await page(`/m/${tokenOf(link.url!)}?d=${tomorrow}`)
    expect(before.text).toContain('这天还没有素材包')
    await core.invoke('products', 'update', { id: product.id, patch: { name: `${customer}推荐 ${product.name}` } })
    try {
      const job = await generate(tomorrow, [a.invite_code], join(root, 'packs-tomorrow'))
      expect(job.status).toBe('done')
      expect((await core.invoke('packs', 'jobs', {})).find((j) => j.id === job.id)!.published).toBeNull()
      await expect(core.invoke('memberPages', 'publish', { jobId: job.id })).rejects.toMatchObject({ code: 'personal_data' })
      expect((await core.invoke('memberPages', 'status', {})).lastError).toMatchObject({ code: 'personal_data' })
      const after = await page(`/m/${tokenOf(link.url!)}?d=${tomorrow}`)
      expect(after.text).toContain('这天还没有素材包')
      expect(after.text).not.toContain(customer)
    } finally {
      await core.invoke('products', 'update', { id: product.id, patch: { name: product.name } })
    }
  }, 120_000)

  it('a newer run for the same day replaces the pack whole', async () => {
    const [a] = members()
    const link = await core.invoke('memberPages', 'issueLink', { memberId: a.id })
    const day = addDays(today, 2)
    const out = join(root, 'packs-day-after')
    const figures = async () => ((await page(`/m/${tokenOf(link.url!)}?d=${day}`)).text.match(/<figure>/g) ?? []).length
    const imagesOf = (jobId: string) => db().prepare(`SELECT COUNT(*) FROM job_items WHERE job_id = ? AND kind IN ('poster', 'comparison')`).pluck().get(jobId) as number
    const first = await generate(day, [a.invite_code], out)
    expect(await figures()).toBe(imagesOf(first.id))
    const again = await generate(day, [a.invite_code], out, { products: ['MZ-1001'], replace: true })
    expect(again.status).toBe('done')
    expect(imagesOf(again.id)).toBeLessThan(imagesOf(first.id))
    expect(await figures()).toBe(imagesOf(again.id))
  }, 120_000)

  it('a withdrawal asked for on the page is checked by the server, then taken into the ledger as the member’s own request', async () => {
    const { minWithdrawalFen } = readSettlementSettings(db())
    const rich = balances(core.context).find((x) => x.memberId && x.withdrawableFen >= minWithdrawalFen + 100 && db().prepare('SELECT 1 FROM payout_accounts WHERE member_id = ?').get(x.memberId))
    expect(rich).toBeDefined()
    const link = await core.invoke('memberPages', 'issueLink', { memberId: rich!.memberId! })
    await exchange()
    const token = tokenOf(link.url!)
    const shown = await page(`/m/${token}`)
    expect(shown.text).toContain('申请提现')
    const countBefore = db().prepare('SELECT COUNT(*) FROM withdrawals').pluck().get() as number

    // More than is withdrawable: refused on the server, nothing reaches the ledger.
    const tooMuch = await post(`/m/${token}/withdraw`, { yuan: ((rich!.withdrawableFen + 100) / 100).toFixed(2) })
    expect(tooMuch.status).toBe(400)
    await exchange()
    expect(db().prepare('SELECT COUNT(*) FROM withdrawals').pluck().get()).toBe(countBefore)

    const asked = await post(`/m/${token}/withdraw`, { yuan: (minWithdrawalFen / 100).toFixed(2) })
    expect(asked.status).toBe(303)
    await exchange()
    const rows = db().prepare(`SELECT amount_fen, requested_by, status FROM withdrawals WHERE member_code = ? AND note = '会员小站申请'`).all(rich!.memberCode) as {
      amount_fen: number
      requested_by: string
      status: string
    }[]
    expect(rows).toEqual([{ amount_fen: minWithdrawalFen, requested_by: `${rich!.memberName}（会员小站）`, status: 'requested' }])
    const after = balances(core.context).find((x) => x.memberCode === rich!.memberCode)!
    expect(after.withdrawableFen).toBe(rich!.withdrawableFen - minWithdrawalFen)
    expect(after.requestedFen).toBe(rich!.requestedFen + minWithdrawalFen)
    // Taken once however often the workstation asks.
    await exchange()
    expect(db().prepare('SELECT COUNT(*) FROM withdrawals').pluck().get()).toBe(countBefore + 1)
    const later = await page(`/m/${token}`)
    expect(later.text).toContain('运营已收到')
  }, 120_000)

  it('a group’s posters and pack carry its live code, which follows a new QR upload at once and counts scans per member', async () => {
    const g = db().prepare(`SELECT g.id, g.name, m.invite_code FROM groups g JOIN members m ON m.id = g.owner_member_id ORDER BY g.name LIMIT 1`).get() as { id: string; name: string; invite_code: string }
    const info = await core.invoke('memberPages', 'makeLiveCode', { groupId: g.id })
    await pagesExchangeSettled(core.context)
    expect(info.url).toMatch(new RegExp(`^${server.url}/g/[A-Za-z0-9_-]{22}$`))
    const scanned = `${info.url}?ref=${g.invite_code}`

    const job = await core.invoke('packs', 'generate', { date: today, members: [], groups: [g.id], templates: ['clean-white'], products: ['MZ-1001'], out: join(root, 'packs-group'), zip: false, video: false })
    expect(job.status).toBe('done')
    const fileOf = (kind: string) => join(job.out, db().prepare(`SELECT file FROM job_items WHERE job_id = ? AND kind = ? ORDER BY seq LIMIT 1`).pluck().get(job.id, kind) as string)
    expect(await decodeQr(readFileSync(fileOf('poster')))).toBe(scanned)
    expect(await decodeQr(readFileSync(fileOf('groupQr')))).toBe(scanned)

    // A new group QR uploaded on the workstation: the live code shows it as soon as the server has it.
    const picture = await QRCode.toBuffer('https://weixin.qq.com/g/AbCdEfGhIjKlMnOp', { width: 400, margin: 4 })
    await core.invoke('groupQr', 'upload', { groupId: g.id, dataBase64: picture.toString('base64'), fileName: 'qr.png' })
    await pagesExchangeSettled(core.context)
    const stored = db().prepare('SELECT file FROM group_qr_codes WHERE group_id = ? ORDER BY uploaded_at DESC, rowid DESC LIMIT 1').pluck().get(g.id) as string
    const sha = createHash('sha256').update(readFileSync(stored)).digest('hex')
    const live = await page(new URL(scanned).pathname + new URL(scanned).search)
    expect(live.status).toBe(200)
    expect(live.text).toContain(`/i/${sha}.png`)

    await exchange()
    const counted = await core.invoke('memberPages', 'liveCode', { groupId: g.id })
    expect(counted.scans.total).toBeGreaterThanOrEqual(1)
    expect(counted.scans.refs).toContainEqual(expect.objectContaining({ code: g.invite_code, scans: 1 }))
    expect(counted.scans.days).toEqual([{ day: today, scans: counted.scans.total }])
  }, 120_000)

  it('downloads a run, or one pack of it, as a zip into exports/; a folder the run did not make is refused', async () => {
    const job = (await core.invoke('packs', 'jobs', {})).find((j) => j.status === 'done')!
    const folders = (db().prepare(`SELECT file FROM job_items WHERE job_id = ? AND kind = 'manifest' ORDER BY seq`).pluck().all(job.id) as string[]).map((f) => f.split('/')[0])
    const whole = await core.invoke('packs', 'download', { jobId: job.id })
    expect(whole.path.startsWith(core.paths.exports)).toBe(true)
    expect(readFileSync(whole.path).subarray(0, 2).toString('latin1')).toBe('PK')
    const one = await core.invoke('packs', 'download', { jobId: job.id, folder: folders[0] })
    expect(one.fileName).toBe(`${folders[0]}.zip`)
    expect(one.bytes).toBeLessThan(whole.bytes)
    const before = readdirSync(core.paths.exports).length
    await expect(core.invoke('packs', 'download', { jobId: job.id, folder: '../../etc' })).rejects.toMatchObject({ code: 'not_found', details: { field: 'folder' } })
    expect(readdirSync(core.paths.exports)).toHaveLength(before)
  }, 60_000)
})
