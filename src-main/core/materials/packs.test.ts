import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import QRCode from 'qrcode'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PackJob } from '../../../src-shared/contracts/materials'
import type { JobCancelResult } from '../../../src-shared/schemas'
import { createCore, type OrchardCore } from '../api'
import { writeFileSync } from 'node:fs'
import { fixedClock } from '../clock'
import { addDays, instantOf } from '../../../src-shared/time'
import { checkText, DEFAULT_COPY, DEFAULT_FORBIDDEN_WORDS, renderCopy, variantFor } from './copy'
import { bestSellers, SHARED_FOLDER } from './packs'
import { calendar, planDay } from './schedule'
import { readMp4Layout } from './video'

const product = { sku: 'MZ-1001', priceFloorFen: 18_900, stock: 500, endsAt: null }
/** A member's pack folder is named for the person, with the code that tells two of the same name apart. */
const folderOf = (m: { name: string; inviteCode: string }) => `${m.name}-${m.inviteCode}`

describe('the checker', () => {
  it('flags absolute claims from the editable list, not everyday words that merely contain them', () => {
    expect(checkText('全网最低价，国家级品质', 'copy:moments:1', product, DEFAULT_FORBIDDEN_WORDS).map((f) => f.text)).toEqual(['最', '国家级', '全网最低'])
    expect(checkText('这阵子最近在用，最后一批到货', 'copy:moments:1', { ...product, stock: 5 }, DEFAULT_FORBIDDEN_WORDS).filter((f) => f.code === 'forbidden_claim')).toEqual([])
    // A stated composition is a fact; a bare 100% is a claim.
    expect(checkText('面料：100% 棉，可干湿两用｜原料：100% 原生木浆｜100%桑蚕丝', 'c', product, DEFAULT_FORBIDDEN_WORDS)).toEqual([])
    expect(checkText('100% 有效，百分百满意', 'c', product, DEFAULT_FORBIDDEN_WORDS).map((f) => f.text)).toEqual(['100%', '百分百'])
    expect(checkText('史上顶级', 'x', product, ['顶级'])[0]).toMatchObject({ code: 'forbidden_claim', where: 'x', productSku: 'MZ-1001' })
  })
  it('flags a price below the floor, but not the everyday price quoted for comparison', () => {
    expect(checkText('团购价 ¥159', 'copy:group:2', product, [])).toMatchObject([{ code: 'below_price_floor', text: '¥159', where: 'copy:group:2' }])
    expect(checkText('团购价 ¥209（日常价 ¥299）', 'copy:group:2', product, [])).toEqual([])
  })
  it('allows urgency only when it is true', () => {
    expect(checkText('仅剩 3 件', 'c', product, [])).toMatchObject([{ code: 'false_urgency' }])
    expect(checkText('仅剩 3 件', 'c', { ...product, stock: 3 }, [])).toEqual([])
    expect(checkText('限时特惠', 'c', product, [])).toMatchObject([{ code: 'false_urgency' }])
    expect(checkText('限时特惠', 'c', { ...product, endsAt: '2026-11-24 21:00' }, [])).toEqual([])
  })
  it('passes the shipped copy', () => {
    for (const variants of Object.values(DEFAULT_COPY)) {
      for (const v of variants) {
        const text = renderCopy(v, { name: '双抗精华', title: '双抗精华', brand: '', priceFen: 20_900, listPriceFen: 29_900, facts: '烟酰胺', member: '小王', customer: '亲', stock: 500, endsAt: null })
        expect(checkText(text, 'c', product, DEFAULT_FORBIDDEN_WORDS)).toEqual([])
      }
    }
  })
})

describe('copy and schedule', () => {
  it('rotates variants day by day so a group does not read the same text twice running', () => {
    const days = ['2026-11-24', '2026-11-25', '2026-11-26'].map((d) => variantFor(3, d, 'WANG01'))
    expect(new Set(days).size).toBe(3)
    expect(variantFor(3, '2026-11-24', 'WANG01')).toBe(variantFor(3, '2026-11-24', 'WANG01'))
  })
  it('plans the evening-before preview and the three peaks, as a calendar that parses', () => {
    const items = planDay('2026-11-24', [{ name: 'A' }, { name: 'B' }, { name: 'C' }, { name: 'D' }])
    expect(items.map((i) => `${i.day} ${i.from}`)).toEqual(['2026-11-23 21:00', '2026-11-24 07:00', '2026-11-24 12:00', '2026-11-24 19:00'])
    expect(items[1].what).toContain('A、D')
    const ics = calendar('WANG01', items, 'Asia/Shanghai')
    expect(ics.match(/BEGIN:VEVENT/g)).toHaveLength(4)
    // 07:00 in Beijing is 23:00 the evening before in UTC; the file says so whatever zone it was made in.
    expect(ics).toContain('DTSTART:20261123T230000Z')
    expect(ics).toContain('DTSTART:20261123T130000Z')
    expect(calendar('WANG01', items, 'America/Los_Angeles')).toContain('DTSTART:20261124T150000Z')
  })
})

describe('the day’s best sellers', () => {
  it('are what sold over the 30 studio days before the pack day: from the studio’s midnight, and nothing sold on or after the day', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchard-bestsellers-'))
    const day = '2026-11-24'
    const core = createCore({ dataDir: join(dir, 'data'), host: 'test', firstStart: 'empty', clock: fixedClock(new Date(instantOf('Asia/Shanghai', addDays(day, 10), '12:00')).toISOString()) })
    try {
      const photo = join(dir, 'photo.jpg')
      await sharp({ create: { width: 600, height: 600, channels: 3, background: '#e8d5c4' } }).jpeg().toFile(photo)
      for (const sku of ['IN-EDGE', 'IN-MID', 'OUT-OLD', 'OUT-DAY', 'OUT-LATER', 'NO-PHOTO']) {
        await core.invoke('products', 'create', { sku, name: `商品 ${sku}`, listPriceFen: 9900, salePriceFen: 5900, priceFloorFen: 5000, stock: 100, images: sku === 'NO-PHOTO' ? [] : [photo] })
      }
      // Wall times in Beijing; the import reads them in the studio's zone (Asia/Shanghai by default).
      const at = (offsetDays: number, hhmm: string) => `${addDays(day, offsetDays)} ${hhmm}`
      const rows = [
        ['A1', at(-30, '00:30'), 'IN-EDGE', 2], // the first minutes of the window: still the previous day in UTC
        ['A2', at(-12, '10:00'), 'IN-MID', 1],
        ['A3', at(-31, '23:50'), 'OUT-OLD', 9], // just before the window opens
        ['A4', at(0, '00:10'), 'OUT-DAY', 9], // on the pack day itself (16:10 the day before in UTC)
        ['A5', at(3, '09:00'), 'OUT-LATER', 9], // after the pack day
        ['A6', at(-5, '10:00'), 'NO-PHOTO', 20], // the best seller, but there is no photo to put on a poster
      ]
      const csv = ['订单号,下单时间,状态,客户,手机,商品编码,商品名称,数量,单价,退款金额,邀请码', ...rows.map(([no, when, sku, n]) => `${no},${when},已付款,王芳,13800138000,${sku},商品 ${sku},${n},59.00,,`)].join('\n')
      writeFileSync(join(dir, 'orders.csv'), csv)
      expect(await core.invoke('imports', 'run', { entity: 'orders', path: join(dir, 'orders.csv') })).toMatchObject({ committed: true, inserted: 6 })
      expect(bestSellers(core.context.db, day).map((p) => p.sku)).toEqual(['IN-EDGE', 'IN-MID'])
    } finally {
      await core.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('generating packs', () => {
  let dir: string
  let core: OrchardCore
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'orchard-packs-'))
    core = createCore({ dataDir: join(dir, 'data'), host: 'test', firstStart: 'demo', clock: fixedClock('2026-11-20T04:00:00Z') })
  })
  afterAll(async () => {
    await core.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('writes each member’s posters, copy, checklist, calendar and a manifest whose hashes match the files', async () => {
    const members = (await core.invoke('members', 'all', {})).filter((m) => m.status === 'active').slice(0, 2)
    const out = join(dir, 'out')
    const job = await core.invoke('packs', 'generate', { date: '2026-11-21', members: members.map((m) => m.inviteCode), templates: ['clean-white'], products: ['MZ-1001', 'SP-1001'], out, zip: true })
    expect(job).toMatchObject({ status: 'done', members: 2, done: job.total, resumed: false })
    const folder = join(out, folderOf(members[0]))
    const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as {
      poster: { inviteUrl: string }
      files: { file: string; kind: string; sha256: string }[]
      copy: { productSku: string; channel: string; tone: string | null; text: string }[]
    }
    // The demo studio holds competitor prices for both products and buyer photos of SP-1001: a comparison each, one collage.
    expect(manifest.files.map((f) => f.file).sort()).toEqual(
      ['01-MZ-1001-clean-white.jpg', '01-MZ-1001-比价.jpg', '02-SP-1001-clean-white.jpg', '02-SP-1001-比价.jpg', '02-SP-1001-买家秀.jpg', '发布清单.md', '文案.txt', '日程.ics'].sort(),
    )
    for (const f of manifest.files) expect(createHash('sha256').update(readFileSync(join(folder, f.file))).digest('hex')).toBe(f.sha256)
    expect(manifest.poster.inviteUrl).toContain(`ref=${members[0].inviteCode}`)
    // Private chats come in the tones of the member's own customers' segments.
    const tones = (core.context.db.prepare(`SELECT DISTINCT segment FROM customers WHERE owner_member_id = ? AND segment IS NOT NULL`).pluck().all(members[0].id) as string[]).sort()
    const mz = manifest.copy.filter((c) => c.productSku === 'MZ-1001')
    expect(mz.filter((c) => c.channel !== 'private').map((c) => c.channel)).toEqual(['moments', 'group'])
    const privateTones = mz.filter((c) => c.channel === 'private').map((c) => c.tone)
    expect(privateTones.length).toBeGreaterThan(0)
    for (const tone of privateTones) expect(tone === null || tones.includes(tone)).toBe(true)
    expect(readFileSync(join(folder, '文案.txt'), 'utf8')).toContain('▍私聊')
    expect(existsSync(join(out, `${folderOf(members[0])}.zip`))).toBe(true)
    expect(readdirSync(folder).some((f) => f.includes('.tmp-'))).toBe(false)
    // Making the day again is refused unless asked to replace (nothing changes), then replaces the files in place: no second copies.
    const before = readdirSync(folder).sort()
    const request = { date: '2026-11-21', members: members.map((m) => m.inviteCode), templates: ['clean-white'], products: ['MZ-1001', 'SP-1001'], out, zip: true }
    await expect(core.invoke('packs', 'generate', request)).rejects.toMatchObject({ code: 'packs_exist', details: { field: 'out', value: out, jobs: [{ id: job.id, date: '2026-11-21' }] } })
    expect(readdirSync(folder).sort()).toEqual(before)
    const again = await core.invoke('packs', 'generate', { ...request, replace: true })
    expect(again.id).not.toBe(job.id)
    expect(readdirSync(folder).sort()).toEqual(before)
    expect((await core.invoke('packs', 'jobs', {})).find((j) => j.id === job.id)).toMatchObject({ status: 'replaced', replacedBy: again.id })
  })

  it('shows a pack as its member will see it: the images in posting order, the copy per channel, the schedule', async () => {
    const member = (await core.invoke('members', 'all', {})).find((m) => m.status === 'active')!
    const job = await core.invoke('packs', 'generate', { date: '2026-11-22', members: [member.id], templates: ['clean-white'], products: ['MZ-1001', 'SP-1001'], out: join(dir, 'preview') })
    expect(await core.invoke('packs', 'owners', { jobId: job.id })).toEqual([expect.objectContaining({ kind: 'member', folder: folderOf(member), done: job.total, total: job.total })])
    const preview = await core.invoke('packs', 'preview', { jobId: job.id, folder: folderOf(member) })
    expect(preview.images.map((i) => `${i.kind}:${i.productSku}`)).toEqual(['poster:MZ-1001', 'comparison:MZ-1001', 'poster:SP-1001', 'comparison:SP-1001', 'collage:SP-1001'])
    expect(preview.images.every((i) => i.thumb.startsWith('data:image/jpeg;base64,'))).toBe(true)
    expect(new Set(preview.copy.filter((c) => c.productSku === 'MZ-1001').map((c) => c.channel))).toEqual(new Set(['moments', 'group', 'private']))
    expect(preview.schedule.map((s) => s.from)).toEqual(['21:00', '07:00', '12:00', '19:00'])
    expect(preview.allowance).toBeNull()
  })

  it('encodes the studio’s own shop link with the member’s tracking code, and refuses a link that is not https', async () => {
    await expect(core.invoke('settings', 'update', { inviteBaseUrl: 'http://shop.example.cn/i/' })).rejects.toMatchObject({ code: 'invalid_input' })
    await core.invoke('settings', 'update', { inviteBaseUrl: 'https://m.guoyuan-shop.cn/invite' })
    const member = (await core.invoke('members', 'all', {})).find((m) => m.status === 'active')!
    const out = join(dir, 'link')
    await core.invoke('packs', 'generate', { date: '2026-11-22', members: [member.id], templates: ['clean-white'], products: ['MZ-1001'], out })
    const manifest = JSON.parse(readFileSync(join(out, folderOf(member), 'manifest.json'), 'utf8')) as { poster: { inviteUrl: string } }
    expect(manifest.poster.inviteUrl).toBe(`https://m.guoyuan-shop.cn/invite/${member.inviteCode}?ref=${member.inviteCode}&s=20261122`)
    await core.invoke('settings', 'update', { inviteBaseUrl: 'https://shop.example.cn/i/' })
  })

  it('makes a group’s pack with its QR code, warns before the code lapses and when the day would exceed the mass-send allowance', async () => {
    const owner = (await core.invoke('members', 'all', {})).find((m) => m.status === 'active')!
    const group = await core.invoke('groups', 'create', { name: '宝妈好物 9 群', ownerMemberId: owner.id, massSendAllowance: 6 })
    // WeChat made the code 6 days before the clock's now: it lapses within the warning window.
    const png = await QRCode.toBuffer('https://weixin.qq.com/g/AbCdEf123456', { width: 480, margin: 2 })
    const qr = await core.invoke('groupQr', 'upload', { groupId: group.id, dataBase64: png.toString('base64'), fileName: 'qr.png', madeAt: '2026-11-14T08:00:00Z' })
    expect(qr).toMatchObject({ payload: 'https://weixin.qq.com/g/AbCdEf123456', expiresAt: '2026-11-21T08:00:00.000Z', lapsed: false })
    expect(await core.invoke('packs', 'alerts', {})).toEqual([expect.objectContaining({ code: 'group_qr_lapsing', groupId: group.id })])
    await expect(core.invoke('groupQr', 'upload', { groupId: group.id, dataBase64: png.toString('base64'), madeAt: '2026-11-10T08:00:00Z' })).rejects.toMatchObject({ code: 'qr_lapsed' })
    await expect(core.invoke('groupQr', 'upload', { groupId: group.id, dataBase64: readFileSync(join(dir, 'preview', folderOf(owner), '文案.txt')).toString('base64') })).rejects.toMatchObject({
      code: 'not_an_image',
    })

    const request = { date: '2026-11-21', groups: [group.name], templates: ['clean-white'], products: ['MZ-1001', 'SP-1001', 'MY-1001'], out: join(dir, 'groups') }
    const findings = await core.invoke('packs', 'check', request)
    expect(findings.filter((f) => f.where === `group:${group.name}`).map((f) => f.code)).toEqual(['group_qr_lapsing'])
    // Staff read the lapse in the studio's time (Beijing), not in UTC.
    expect(findings.find((f) => f.code === 'group_qr_lapsing')?.why).toContain('2026-11-21 16:00')
    const first = await core.invoke('packs', 'generate', request)
    const folder = join(dir, 'groups', '群-宝妈好物_9_群')
    expect(existsSync(join(folder, '群二维码.png'))).toBe(true)
    const preview = await core.invoke('packs', 'preview', { jobId: first.id, folder: '群-宝妈好物_9_群' })
    expect(preview.copy.every((c) => c.channel === 'group')).toBe(true)
    expect(preview.groupQr).toEqual({ expiresAt: '2026-11-21T08:00:00.000Z', lapsed: false })
    // The evening preview and three peaks with products: 4 mass sends of the 6 a month.
    expect(preview.allowance).toEqual({ monthly: 6, used: 0, planned: 4, exceeds: false })
    expect(readFileSync(join(folder, '发布清单.md'), 'utf8')).toContain('本月群发额度 6 次，已安排 0 次，今天计划 4 次，剩余 2 次')
    expect(readFileSync(join(folder, '发布清单.md'), 'utf8')).toContain('群二维码有效期至 2026-11-21 16:00')

    // The next day's plan would bring the month to 8 of 6: said before anything is made, and in the checklist.
    const next = { ...request, date: '2026-11-22' }
    expect((await core.invoke('packs', 'check', next)).find((f) => f.code === 'mass_send_allowance')).toMatchObject({ severity: 'warning', text: '8/6' })
    // Into the same folder: the 22nd's packs replace the 21st's whole once asked to.
    await expect(core.invoke('packs', 'generate', next)).rejects.toMatchObject({ code: 'packs_exist' })
    expect(readFileSync(join(folder, '发布清单.md'), 'utf8')).toContain('剩余 2 次')
    await core.invoke('packs', 'generate', { ...next, replace: true })
    expect(readFileSync(join(folder, '发布清单.md'), 'utf8')).toContain('超出 2 次')
    // On the 22nd the code has lapsed: that pack goes without it and says so; the 21st's code went with its run.
    expect((await core.invoke('packs', 'check', next)).map((f) => f.code)).toContain('group_qr_lapsing')
    expect((JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as { groupQr: unknown }).groupQr).toBeNull()
    expect(existsSync(join(folder, '群二维码.png'))).toBe(false)
    // The folder holds exactly what its manifest lists.
    const listed = (JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as { files: { file: string }[] }).files.map((f) => f.file)
    expect(readdirSync(folder).sort()).toEqual([...listed, 'manifest.json'].sort())
  })

  it('leaves out a group code that stops working before the day’s first post in the studio’s time, and keeps one that lasts into the morning', async () => {
    const owner = (await core.invoke('members', 'all', {})).find((m) => m.status === 'active')!
    const group = await core.invoke('groups', 'create', { name: '早安测试群', ownerMemberId: owner.id })
    const png = await QRCode.toBuffer('https://weixin.qq.com/g/Morning0001', { width: 480, margin: 2 })
    const request = { date: '2026-11-24', groups: [group.name], templates: ['clean-white'], products: ['MZ-1001'], out: join(dir, 'morning') }
    const folder = join(dir, 'morning', '群-早安测试群')
    const manifestQr = () => (JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as { groupQr: unknown }).groupQr

    // Seven days after it was made: 00:30 on the 24th in Beijing, before the 07:00 morning peak (it is still the 23rd in UTC).
    await core.invoke('groupQr', 'upload', { groupId: group.id, dataBase64: png.toString('base64'), madeAt: '2026-11-16T16:30:00Z' })
    const early = (await core.invoke('packs', 'check', request)).find((f) => f.where === `group:${group.name}`)
    expect(early?.why).toContain('2026-11-24 00:30')
    expect(early?.why).toContain('早于这天第一次发布（2026-11-24 07:00）')
    await core.invoke('packs', 'generate', request)
    expect(manifestQr()).toBeNull()

    // 07:30 in Beijing (23:30 on the 23rd in UTC): the first morning post can still carry it, with the warning.
    await core.invoke('groupQr', 'upload', { groupId: group.id, dataBase64: png.toString('base64'), madeAt: '2026-11-16T23:30:00Z' })
    const late = (await core.invoke('packs', 'check', request)).find((f) => f.where === `group:${group.name}`)
    expect(late?.why).toContain('将于 2026-11-24 07:30 过期')
    await core.invoke('packs', 'generate', { ...request, replace: true })
    expect(manifestQr()).toEqual({ file: '群二维码.png', expiresAt: '2026-11-23T23:30:00.000Z' })
  })

  it('cancels a running batch from the console and resumes it where it stopped', async () => {
    const members = (await core.invoke('members', 'all', {})).filter((m) => m.status === 'active').slice(0, 12)
    const request = { date: '2026-11-23', members: members.map((m) => m.id), templates: ['clean-white'], products: ['MZ-1001', 'SP-1001'], out: join(dir, 'cancel') }
    const run: { job: PackJob | null; cancelled: Promise<JobCancelResult> | null } = { job: null, cancelled: null }
    const off = core.on('job.progress', (p) => {
      if (p.kind === 'packs' && p.done >= 10 && !run.cancelled && run.job) run.cancelled = core.invoke('jobs', 'cancel', { jobId: run.job.id })
    })
    const job = (run.job = await core.invoke('packs', 'start', request))
    expect(job).toMatchObject({ status: 'running', resumed: false })
    await expect.poll(() => run.cancelled, { timeout: 30_000 }).not.toBeNull()
    // Answered at once, while the batch is still stopping after the items in flight.
    expect(await run.cancelled!).toEqual({ jobId: job.id, state: 'stopping' })
    await expect.poll(async () => (await core.invoke('packs', 'jobs', {})).find((j) => j.id === job.id)?.status, { timeout: 30_000 }).toBe('cancelled')
    const stopped = (await core.invoke('packs', 'jobs', {})).find((j) => j.id === job.id)!
    off()
    expect(stopped.status).toBe('cancelled')
    expect(stopped.done).toBeGreaterThan(0)
    expect(stopped.done).toBeLessThan(stopped.total)
    expect(stopped.error).toMatch(/已取消/)
    expect(stopped.durationMs).toBeGreaterThan(0)
    const resumed = await core.invoke('packs', 'generate', request)
    expect(resumed).toMatchObject({ id: job.id, status: 'done', resumed: true, done: stopped.total, error: null })
    // The time of both runs, not of the last one alone; the list reports the same as the answer.
    expect(resumed.durationMs).toBeGreaterThan(stopped.durationMs)
    const listed = (await core.invoke('packs', 'jobs', {})).find((j) => j.id === job.id)
    expect(listed).toMatchObject({ status: 'done', resumed: true, durationMs: resumed.durationMs })
  })

  it('resumes an interrupted run by its id alone, with what it was asked for kept by the core', async () => {
    const members = (await core.invoke('members', 'all', {})).filter((m) => m.status === 'active').slice(0, 3)
    const out = join(dir, 'by-id')
    const done = await core.invoke('packs', 'generate', { date: '2026-11-25', members: members.map((m) => m.id), templates: ['clean-white'], products: ['MZ-1001'], out })
    // As a crash leaves it: the job still says running, half its items not done, their files gone.
    const db = core.context.db
    db.prepare(`UPDATE jobs SET status = 'running' WHERE id = ?`).run(done.id)
    const undone = db.prepare(`SELECT file FROM job_items WHERE job_id = ? AND seq >= ?`).pluck().all(done.id, Math.floor(done.total / 2)) as string[]
    db.prepare(`UPDATE job_items SET done_at = NULL, sha256 = NULL WHERE job_id = ? AND seq >= ?`).run(done.id, Math.floor(done.total / 2))
    for (const f of undone) rmSync(join(out, f), { force: true })
    expect((await core.invoke('packs', 'jobs', {})).find((j) => j.id === done.id)).toMatchObject({ status: 'interrupted', done: Math.floor(done.total / 2) })

    const resumed = await core.invoke('packs', 'resume', { jobId: done.id })
    expect(resumed).toMatchObject({ id: done.id, status: 'running', resumed: true })
    await expect.poll(async () => (await core.invoke('packs', 'jobs', {})).find((j) => j.id === done.id)?.status, { timeout: 60_000 }).toBe('done')
    for (const f of undone) expect(existsSync(join(out, f)), f).toBe(true)
    // A finished job has nothing to resume.
    await expect(core.invoke('packs', 'resume', { jobId: done.id })).rejects.toMatchObject({ code: 'job_finished' })
    await expect(core.invoke('packs', 'resume', { jobId: '01900000-0000-7000-8000-000000000000' })).rejects.toMatchObject({ code: 'not_found' })
  })

  it('makes one slideshow video per product, shared by every pack and carried in each member’s zip', async () => {
    const members = (await core.invoke('members', 'all', {})).filter((m) => m.status === 'active').slice(0, 2)
    const out = join(dir, 'video')
    const job = await core.invoke('packs', 'generate', { date: '2026-11-21', members: members.map((m) => m.id), templates: ['clean-white'], products: ['MZ-1001'], out, zip: true, video: true })
    expect(job.status).toBe('done')
    const video = join(out, SHARED_FOLDER, 'MZ-1001.mp4')
    const layout = readMp4Layout(video)
    expect(layout.faststart).toBe(true)
    const manifest = JSON.parse(readFileSync(join(out, folderOf(members[0]), 'manifest.json'), 'utf8')) as { files: { file: string; kind: string; sha256: string }[] }
    const listed = manifest.files.find((f) => f.kind === 'video')!
    expect(listed.file).toBe(`../${SHARED_FOLDER}/MZ-1001.mp4`)
    expect(createHash('sha256').update(readFileSync(video)).digest('hex')).toBe(listed.sha256)
    const zip = readFileSync(join(out, `${folderOf(members[1])}.zip`))
    expect(zip.includes(Buffer.from(`${SHARED_FOLDER}/MZ-1001.mp4`))).toBe(true)
    expect(readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([])
  }, 120_000)

  it('refuses unknown members and templates with the value and where it was given', async () => {
    await expect(core.invoke('packs', 'generate', { date: '2026-11-21', members: ['NOBODY'] })).rejects.toMatchObject({ code: 'not_found', details: { field: 'members.0', value: 'NOBODY' } })
    await expect(core.invoke('packs', 'generate', { date: '2026-11-21', templates: ['nope'], members: [] })).rejects.toMatchObject({ details: { field: 'templates.0' } })
  })
})

describe('the studio’s day', () => {
  it('takes a price seen “today” in Beijing at 01:00 (17:00 UTC the day before)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchard-day-'))
    const core = createCore({ dataDir: join(dir, 'data'), host: 'test', firstStart: 'demo', clock: fixedClock('2026-11-23T17:00:00Z') })
    try {
      const product = (await core.invoke('products', 'list', { search: 'MZ-1001' })).rows[0]
      const added = await core.invoke('comparisons', 'add', { productId: product.id, source: '京东自营', priceFen: 29_900, observedOn: '2026-11-24' })
      expect(added.observedOn).toBe('2026-11-24')
      await expect(core.invoke('comparisons', 'add', { productId: product.id, source: '京东自营', priceFen: 29_900, observedOn: '2026-11-25' })).rejects.toMatchObject({ details: { field: 'observedOn' } })
    } finally {
      await core.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
