import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { memberPageCsp } from '../../src-shared/csp'
import type { PublishedPack, PublishPacksResponse } from '../../src-shared/pagesProtocol'
import { addDays, dayIn } from '../../src-shared/time'
import { startSyncServer, type SyncServer } from '../index'
import { testBackends } from '../testDatabases'
import { jpeg, mp4, newCode, newToken, pack, png, sha } from './pages.testkit'

const ADMIN = 'ora_pages-admin-token'
const ZONE = 'Asia/Shanghai'
const HOUR = 3_600_000

for (const backend of testBackends()) {
  describe(`members' pages and live codes on ${backend.name}`, () => {
    let dir: string
    let server: SyncServer
    let drop: () => Promise<void>
    /** The server's clock: the real one moved by `shift` (tests move it forward, never to a literal date). */
    let shift = 0
    const now = () => new Date(Date.now() + shift)
    const today = () => dayIn(ZONE, now())

    const call = async <T = unknown>(method: string, path: string, token: string | null, body?: unknown, headers: Record<string, string> = {}) => {
      const raw = Buffer.isBuffer(body)
      const res = await fetch(server.url + path, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined && !raw ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : raw ? new Uint8Array(body) : JSON.stringify(body),
        redirect: 'manual',
      })
      const text = await res.text()
      let json: T | undefined
      try {
        json = JSON.parse(text) as T
      } catch {
        json = undefined
      }
      return { status: res.status, body: json as T, text, headers: res.headers }
    }
    let teams = 0
    /** A team with one enrolled workstation; its device token. */
    async function workstation(): Promise<{ team: string; token: string }> {
      const team = `pages-${++teams}`
      const code = await call<{ code: string }>('POST', '/v1/admin/enrolment-codes', ADMIN, { team })
      const token = `ord_${randomBytes(32).toString('base64url')}`
      const tokenHash = createHash('sha256').update(token).digest('hex')
      const enrolled = await call('POST', '/v1/enrol', null, { code: code.body.code, deviceName: '前台', tokenHash })
      expect(enrolled.status).toBe(200)
      expect((await call('PUT', '/v1/pages/team', token, { studioName: '果园工作室', timeZone: ZONE })).status).toBe(200)
      return { team, token }
    }
    async function upload(device: string, files: Buffer[], type: string): Promise<void> {
      for (const f of files) {
        const r = await call('PUT', `/v1/pages/blobs/${sha(f)}`, device, f, { 'content-type': type })
        expect(r.status).toBe(200)
      }
    }
    async function posters(n: number, from: number) {
      const list: { full: Buffer; phone: Buffer }[] = []
      for (let i = 0; i < n; i++) list.push({ full: await jpeg(from + i, 96), phone: await jpeg(from + i, 48) })
      return list
    }
    async function publish(device: string, runId: string, packs: PublishedPack[], options: { createdAt?: string; replaces?: string[] } = {}) {
      return call<PublishPacksResponse>('POST', '/v1/pages/packs', device, {
        runs: [{ runId, runCreatedAt: options.createdAt ?? now().toISOString(), replaces: options.replaces ?? [], packs }],
      })
    }
    async function link(device: string, memberCode: string): Promise<string> {
      const token = newToken()
      const r = await call('POST', '/v1/pages/links', device, { changes: [{ memberCode, memberName: `会员${memberCode}`, tokenHash: sha(Buffer.from(token)) }] })
      expect(r.status).toBe(200)
      return token
    }
    const page = (token: string, query = '') => call('GET', `/m/${token}${query}`, null)
    /** The files a page shows, as the paths it names. */
    const filesOn = (html: string) => [...html.matchAll(/(?:src|href)="(\/m\/[^"?]+\/f\/[0-9a-f]{64}\.\w+)/g)].map((m) => m[1])

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'orchard-pages-'))
      const db = await backend.create()
      drop = db.drop
      server = await startSyncServer({ dataDir: dir, databaseUrl: db.databaseUrl, host: '127.0.0.1', adminToken: ADMIN, clock: now, pages: { failedLookups: 12 } })
    })
    afterAll(async () => {
      await server.close()
      await drop()
      rmSync(dir, { recursive: true, force: true })
    })

    it('shows a member today’s pack from their link only: the 9-grid, copy, video and checklist, stored once however many packs share a file', async () => {
      const ws = await workstation()
      const video = mp4(1)
      const alice = await posters(10, 1)
      const bob = await posters(2, 40)
      await upload(ws.token, [...alice.flatMap((p) => [p.full, p.phone]), ...bob.flatMap((p) => [p.full, p.phone])], 'image/jpeg')
      await upload(ws.token, [video], 'video/mp4')
      // The same video again (another workstation, a retry): nothing new is stored.
      const again = await call<{ stored: boolean }>('PUT', `/v1/pages/blobs/${sha(video)}`, ws.token, video, { 'content-type': 'video/mp4' })
      expect(again.body.stored).toBe(false)
      const day = today()
      const published = await publish(ws.token, 'run-1', [
        pack({ memberCode: 'ALICE1', day, previousDay: addDays(day, -1), files: { posters: alice, video } }),
        pack({ memberCode: 'BOB002', day, previousDay: addDays(day, -1), files: { posters: bob, video } }),
      ])
      expect(published.body).toEqual({ stored: 2, superseded: 0, withdrawn: 0 })
      const [{ n }] = await server.database.storage.query<{ n: number | string }>('SELECT count(*) AS n FROM blobs WHERE team = $1 AND sha256 = $2', [ws.team, sha(video)])
      expect(Number(n)).toBe(1)

      const aliceToken = await link(ws.token, 'ALICE1')
      const bobToken = await link(ws.token, 'BOB002')
      const shown = await page(aliceToken)
      expect(shown.status).toBe(200)
      expect(shown.headers.get('content-security-policy')).toBe(memberPageCsp())
      expect(shown.headers.get('referrer-policy')).toBe('no-referrer')
      expect(shown.headers.get('cache-control')).toBe('no-store')
      expect(shown.text).toContain('会员ALICE1 的会员小站')
      expect(shown.text).toContain('九宫格海报')
      // Copy is text, escaped where it lands: markup a workstation sent never becomes markup.
      expect(shown.text).toContain('&lt;b&gt;限时&lt;/b&gt; &amp; 包邮')
      expect(shown.text).not.toContain('<b>限时</b>')
      expect(shown.text).toContain('早高峰')
      // Nothing from elsewhere: every address the page names is the server's own.
      expect([...shown.text.matchAll(/(?:src|href|action)="([^"]+)"/g)].map((m) => m[1]).filter((u) => !u.startsWith('/'))).toEqual([])
      const grid = shown.text.slice(shown.text.indexOf('class="grid"'), shown.text.indexOf('</div>', shown.text.indexOf('class="grid"')))
      expect((grid.match(/<figure>/g) ?? []).length).toBe(9)
      // Phone-sized pictures on the page, the full files one tap away.
      expect(shown.text).toContain(`/f/${sha(alice[0].phone)}.jpg`)
      expect(shown.text).toContain(`/f/${sha(alice[0].full)}.jpg`)
      const full = await fetch(`${server.url}/m/${aliceToken}/f/${sha(alice[0].full)}.jpg`)
      expect(full.headers.get('content-type')).toBe('image/jpeg')
      expect(sha(Buffer.from(await full.arrayBuffer()))).toBe(sha(alice[0].full))
      const saved = await fetch(`${server.url}/m/${aliceToken}/f/${sha(alice[0].full)}.jpg?dl=1`)
      expect(saved.headers.get('content-disposition')).toMatch(/^attachment; filename="orchard-[0-9a-f]{12}\.jpg"$/)
      // Videos play in WeChat's browser only with ranges.
      const part = await fetch(`${server.url}/m/${aliceToken}/f/${sha(video)}.mp4`, { headers: { range: 'bytes=0-7' } })
      expect(part.status).toBe(206)
      expect(part.headers.get('content-range')).toBe(`bytes 0-7/${video.length}`)

      // Another member's link opens their own page, never Alice's files.
      const bobs = await page(bobToken)
      expect(bobs.text).toContain('会员BOB002')
      expect(bobs.text).not.toContain(sha(alice[0].phone))
      expect((await call('GET', `/m/${bobToken}/f/${sha(alice[0].full)}.jpg`, null)).status).toBe(404)
      expect((await call('GET', `/m/${bobToken}/f/${sha(video)}.mp4`, null)).status).toBe(200)
      for (const path of filesOn(shown.text)) expect((await call('GET', path, null)).status).toBe(200)
    })

    it('a revoked link and a made-up one answer 404 at once; a reissued link replaces the old one', async () => {
      const ws = await workstation()
      const day = today()
      const files = await posters(1, 60)
      await upload(ws.token, files.flatMap((p) => [p.full, p.phone]), 'image/jpeg')
      await publish(ws.token, 'run-r', [pack({ memberCode: 'CAROL3', day, previousDay: addDays(day, -1), files: { posters: files } })])
      const first = await link(ws.token, 'CAROL3')
      expect((await page(first)).status).toBe(200)
      const second = await link(ws.token, 'CAROL3')
      expect((await page(first)).status).toBe(404)
      expect((await page(second)).status).toBe(200)
      const revoked = await call<{ applied: number }>('POST', '/v1/pages/links', ws.token, { changes: [{ memberCode: 'CAROL3', memberName: '会员CAROL3', tokenHash: null }] })
      expect(revoked.body.applied).toBe(1)
      const gone = await page(second)
      expect(gone.status).toBe(404)
      expect(gone.text).toContain('链接无效')
      expect((await call('GET', `/m/${second}/f/${sha(files[0].full)}.jpg`, null)).status).toBe(404)
      // A token handed out once is never valid again, for this member or anybody.
      const reuse = await call('POST', '/v1/pages/links', ws.token, { changes: [{ memberCode: 'DAVE04', memberName: 'x', tokenHash: sha(Buffer.from(second)) }] })
      expect(reuse.status).toBe(409)
      expect((await page(newToken())).status).toBe(404)
      expect((await page('short')).status).toBe(404)
    })

    it('a newer run for the same day replaces a pack whole; an older run arriving late changes nothing; a run’s replaced runs leave', async () => {
      const ws = await workstation()
      const day = today()
      const previousDay = addDays(day, -1)
      const [a, b, c] = [await posters(3, 80), await posters(2, 90), await posters(1, 95)]
      await upload(ws.token, [a, b, c].flat().flatMap((p) => [p.full, p.phone]), 'image/jpeg')
      const token = await link(ws.token, 'ERIN05')
      const t0 = now().getTime()
      await publish(ws.token, 'old', [pack({ memberCode: 'ERIN05', day, previousDay, files: { posters: a } }), pack({ memberCode: 'FRANK6', day, previousDay, files: { posters: a } })], {
        createdAt: new Date(t0 - 2 * HOUR).toISOString(),
      })
      const replaced = await publish(ws.token, 'new', [pack({ memberCode: 'ERIN05', day, previousDay, files: { posters: b } })], { createdAt: new Date(t0 - HOUR).toISOString(), replaces: ['old'] })
      // The replaced run leaves whole (Erin's pack and Frank's); Erin's is the new run's.
      expect(replaced.body).toEqual({ stored: 1, superseded: 0, withdrawn: 2 })
      const [{ n }] = await server.database.storage.query<{ n: number | string }>(`SELECT count(*) AS n FROM packs WHERE team = $1 AND owner_key = 'member:FRANK6'`, [ws.team])
      expect(Number(n)).toBe(0)
      let shown = (await page(token)).text
      expect(shown).toContain(sha(b[0].phone))
      expect(shown).not.toContain(sha(a[0].phone))
      expect((await call('GET', `/m/${token}/f/${sha(a[0].full)}.jpg`, null)).status).toBe(404)
      const late = await publish(ws.token, 'older', [pack({ memberCode: 'ERIN05', day, previousDay, files: { posters: c } })], { createdAt: new Date(t0 - 3 * HOUR).toISOString() })
      expect(late.body).toEqual({ stored: 0, superseded: 1, withdrawn: 0 })
      shown = (await page(token)).text
      expect(shown).toContain(sha(b[0].phone))
      expect(shown).not.toContain(sha(c[0].phone))
    })

    it('refuses files that are not what they claim and packs naming files it lacks, writing nothing', async () => {
      const ws = await workstation()
      const picture = await jpeg(120)
      expect((await call('PUT', `/v1/pages/blobs/${sha(picture)}`, ws.token, Buffer.concat([picture, Buffer.from('x')]), { 'content-type': 'image/jpeg' })).status).toBe(400)
      expect((await call('PUT', `/v1/pages/blobs/${sha(picture)}`, ws.token, picture, { 'content-type': 'video/mp4' })).status).toBe(415)
      const html = Buffer.from('<script>alert(1)</script>')
      expect((await call('PUT', `/v1/pages/blobs/${sha(html)}`, ws.token, html, { 'content-type': 'image/png' })).status).toBe(415)
      expect((await call('PUT', `/v1/pages/blobs/${sha(picture)}`, null, picture, { 'content-type': 'image/jpeg' })).status).toBe(401)
      const day = today()
      const refused = await publish(ws.token, 'r', [pack({ memberCode: 'GINA07', day, previousDay: addDays(day, -1), files: { posters: [{ full: picture, phone: picture }] } })])
      expect(refused.status).toBe(409)
      expect(refused.body).toMatchObject({ error: { code: 'blobs_missing', details: { missing: [sha(picture)] } } })
      const hostile = pack({ memberCode: 'GINA07', day, previousDay: addDays(day, -1), files: { posters: [] } })
      hostile.title = '名字\u0000'
      expect((await publish(ws.token, 'r', [hostile])).status).toBe(400)
      const foreign = pack({ memberCode: 'GINA07', day, previousDay: addDays(day, -1), files: { posters: [] }, ownerKey: 'member:OTHER1' })
      expect((await publish(ws.token, 'r', [foreign])).status).toBe(400)
      const [{ n }] = await server.database.storage.query<{ n: number | string }>('SELECT count(*) AS n FROM packs WHERE team = $1', [ws.team])
      expect(Number(n)).toBe(0)
    })

    it('ticks flow back to the workstation in order; a tick before its time, of another member’s pack, or from another site is refused', async () => {
      const ws = await workstation()
      const day = today()
      const tomorrow = addDays(day, 1)
      await publish(ws.token, 'run-t', [
        pack({ memberCode: 'HANK08', day, previousDay: addDays(day, -1), files: { posters: [] } }),
        pack({ memberCode: 'HANK08', day: tomorrow, previousDay: day, files: { posters: [] } }),
        pack({ memberCode: 'IVY009', day, previousDay: addDays(day, -1), files: { posters: [] } }),
      ])
      const token = await link(ws.token, 'HANK08')
      const tick = (form: Record<string, string>, headers: Record<string, string> = { accept: 'application/json' }) =>
        fetch(`${server.url}/m/${token}/tick`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form).toString(), redirect: 'manual' })
      expect((await tick({ owner: 'member:HANK08', day, item: 'peak-1' })).status).toBe(200)
      // Without the script the form posts and comes back to the page.
      const plain = await tick({ owner: 'member:HANK08', day, item: 'preview' }, {})
      expect(plain.status).toBe(303)
      expect(plain.headers.get('location')).toBe(`/m/${token}?d=${day}`)
      // Twice is once.
      expect((await tick({ owner: 'member:HANK08', day, item: 'peak-1' })).status).toBe(200)
      // Tomorrow's evening-before preview is today's; its posts are not.
      expect((await tick({ owner: 'member:HANK08', day: tomorrow, item: 'preview' })).status).toBe(200)
      expect((await tick({ owner: 'member:HANK08', day: tomorrow, item: 'peak-1' })).status).toBe(409)
      expect((await tick({ owner: 'member:IVY009', day, item: 'peak-1' })).status).toBe(404)
      expect((await tick({ owner: 'member:HANK08', day, item: 'peak-9' })).status).toBe(404)
      expect((await tick({ owner: '../../etc', day, item: 'peak-1' })).status).toBe(400)
      expect((await tick({ owner: 'member:HANK08', day, item: 'peak-2' }, { accept: 'application/json', origin: 'https://evil.example' })).status).toBe(403)

      const shown = await page(token)
      expect(shown.text).toMatch(/✓ 已打卡 \d{2}:\d{2}/)
      const pulled = await call<{ ticks: { seq: number; memberCode: string; day: string; itemKey: string; label: string }[]; more: boolean }>('GET', '/v1/pages/ticks?after=0', ws.token)
      expect(pulled.body.ticks.map((t) => [t.memberCode, t.day, t.itemKey])).toEqual([
        ['HANK08', day, 'peak-1'],
        ['HANK08', day, 'preview'],
        ['HANK08', tomorrow, 'preview'],
      ])
      expect(pulled.body.ticks[0].label).toContain('早高峰')
      const after = await call<{ ticks: unknown[] }>('GET', `/v1/pages/ticks?after=${pulled.body.ticks[1].seq}`, ws.token)
      expect(after.body.ticks).toHaveLength(1)
      // Another team's workstation sees none of them.
      const other = await workstation()
      expect((await call<{ ticks: unknown[] }>('GET', '/v1/pages/ticks?after=0', other.token)).body.ticks).toEqual([])
    })

    it('shows the member’s earnings as published, and the settlement figures when they come', async () => {
      const ws = await workstation()
      const token = await link(ws.token, 'JACK10')
      expect((await page(token)).text).toContain('收益数据还没有同步过来')
      const earnings = {
        asOf: now().toISOString(),
        totals: { earnedFen: 123456, pendingFen: 2000, approvedFen: 1456, paidFen: 120000 },
        statements: [{ period: '2026-10', entries: 12, earnedFen: 60000, pendingFen: 0, approvedFen: 0, paidFen: 60000 }],
        settlement: null,
      }
      expect((await call('POST', '/v1/pages/earnings', ws.token, { members: [{ memberCode: 'JACK10', earnings }] })).status).toBe(200)
      let shown = (await page(token)).text
      expect(shown).toContain('¥1234.56')
      expect(shown).toContain('已支付')
      await call('POST', '/v1/pages/earnings', ws.token, {
        members: [{ memberCode: 'JACK10', earnings: { ...earnings, settlement: { frozenFen: 3000, withdrawableFen: 456, requestedFen: 0, paidFen: 120000 } } }],
      })
      shown = (await page(token)).text
      expect(shown).toContain('冻结中')
      expect(shown).toContain('¥4.56')
    })

    it('a live code shows the newest QR that has not lapsed, follows a new upload at once, and falls back to the owner’s contact', async () => {
      const ws = await workstation()
      const code = newCode()
      const [older, newer, contact] = [await png(1), await png(2), await png(3)]
      await upload(ws.token, [older, newer, contact], 'image/png')
      const t = now().getTime()
      const group = (images: { sha256: string; uploadedAt: string; expiresAt: string }[], memberCount = 40) => ({
        groups: [{ groupKey: 'g1', codeHash: sha(Buffer.from(code)), name: '宝妈好物分享 1 群', ownerCode: 'KATE11', ownerName: '王芳', memberCount, images, contactSha256: sha(contact) }],
      })
      const first = { sha256: sha(older), uploadedAt: new Date(t - 5 * 24 * HOUR).toISOString(), expiresAt: new Date(t + 2 * 24 * HOUR).toISOString() }
      expect((await call('POST', '/v1/pages/groups', ws.token, group([first]))).status).toBe(200)
      let shown = await call('GET', `/g/${code}?ref=KATE11`, null)
      expect(shown.status).toBe(200)
      expect(shown.text).toContain(`/g/${code}/i/${sha(older)}.png`)
      expect((await call('GET', `/g/${code}/i/${sha(older)}.png`, null)).status).toBe(200)
      // A new code uploaded: the very next scan shows it.
      const second = { sha256: sha(newer), uploadedAt: new Date(t - HOUR).toISOString(), expiresAt: new Date(t + 7 * 24 * HOUR - HOUR).toISOString() }
      await call('POST', '/v1/pages/groups', ws.token, group([first, second]))
      shown = await call('GET', `/g/${code}`, null)
      expect(shown.text).toContain(`/g/${code}/i/${sha(newer)}.png`)
      expect(shown.text).not.toContain(sha(older))
      // Every image lapsed (the clock moves eight days on): the owner's contact, with why.
      shift = 8 * 24 * HOUR
      try {
        shown = await call('GET', `/g/${code}?ref=NOBODY`, null)
        expect(shown.text).toContain('二维码已过期')
        expect(shown.text).toContain(`/g/${code}/i/${sha(contact)}.png`)
        expect(shown.text).not.toContain(sha(newer))
        expect((await call('GET', `/g/${code}/i/${sha(newer)}.png`, null)).status).toBe(404)
      } finally {
        shift = 0
      }
      // A group too big to join by scanning sends people to its owner too.
      await call('POST', '/v1/pages/groups', ws.token, group([first, second], 180))
      shown = await call('GET', `/g/${code}`, null)
      expect(shown.text).toContain('人数已满')
      // Scans per day and referring member; a ref naming nobody of the team counts unattributed.
      await link(ws.token, 'KATE11')
      await call('GET', `/g/${code}?ref=KATE11`, null)
      const scans = await call<{ scans: { groupKey: string; day: string; ref: string; scans: number }[] }>('GET', `/v1/pages/scans?since=${addDays(today(), -1)}`, ws.token)
      const byRef = Object.fromEntries(scans.body.scans.filter((s) => s.day === today()).map((s) => [s.ref, s.scans]))
      expect(byRef).toEqual({ '': 2, KATE11: 2 })
      expect(scans.body.scans.filter((s) => s.day === addDays(today(), 8))).toEqual([{ groupKey: 'g1', day: addDays(today(), 8), ref: '', scans: 1 }])
    })

    it('answers hostile input on the public pages with a page, never a server error', async () => {
      for (const path of ['/m/%00', `/m/${'a'.repeat(5000)}`, '/m/x/f/../../etc/passwd', '/g/%ff', `/g/${newCode()}/i/x.png`, '/m/x/tick', `/m/${newToken()}?d=2026-02-30`]) {
        const r = await call('GET', path, null)
        expect(r.status, path).toBeGreaterThanOrEqual(400)
        expect(r.status, path).toBeLessThan(500)
      }
      const ws = await workstation()
      const token = await link(ws.token, 'LEO012')
      expect((await page(token, '?d=not-a-day')).status).toBe(400)
      expect((await page(token, `?d=${addDays(today(), -30)}`)).status).toBe(404)
      const json = await fetch(`${server.url}/m/${token}/tick`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"owner":1}' })
      expect(json.status).toBeLessThan(500)
    })
  })
}

describe('rate limits on the public pages', () => {
  it('an address guessing links must wait, and so must one asking too often', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchard-pages-limit-'))
    const server = await startSyncServer({ dataDir: dir, host: '127.0.0.1', adminToken: ADMIN, pages: { failedLookups: 5, requestsPerMinute: 40 } })
    try {
      const statuses: number[] = []
      for (let i = 0; i < 8; i++) statuses.push((await fetch(`${server.url}/m/${newToken()}`)).status)
      expect(statuses.slice(0, 5)).toEqual([404, 404, 404, 404, 404])
      expect(statuses.slice(5)).toEqual([429, 429, 429])
      const limited = await fetch(`${server.url}/m/${newToken()}`)
      expect(await limited.text()).toContain('请稍后再试')
      for (let i = 0; i < 40; i++) await fetch(`${server.url}/robots.txt`)
      expect((await fetch(`${server.url}/robots.txt`)).status).toBe(429)
    } finally {
      await server.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
