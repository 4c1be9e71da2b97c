import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { addDays, dayIn } from '../../src-shared/time'
import { startSyncServer, type SyncServer } from '../index'
import { createDatabase } from '../testDatabases'
import { testPostgres, type TestPostgres } from '../testPostgres'
import { jpeg, newCode, newToken, pack, png, sha } from './pages.testkit'

/**
 * A team that outgrows one machine runs several server processes against one PostgreSQL
 * behind a load balancer: whichever instance a request reaches answers the same. Here two
 * instances started at the same moment (one migrates, the other waits), and every request
 * of a member's day alternates between them.
 */
const ADMIN = 'ora_instances-admin-token'
const ZONE = 'Asia/Shanghai'
let pg: TestPostgres
let dropDb: () => Promise<void>
let dir: string
let a: SyncServer
let b: SyncServer

beforeAll(async () => {
  pg = await testPostgres()
  const db = await createDatabase(pg.adminUrl)
  dropDb = db.drop
  dir = mkdtempSync(join(tmpdir(), 'orchard-instances-'))
  ;[a, b] = await Promise.all(
    ['a', 'b'].map((name) => startSyncServer({ dataDir: join(dir, name), databaseUrl: db.databaseUrl, host: '127.0.0.1', adminToken: ADMIN, poolSize: 4 })),
  )
}, 120_000)
afterAll(async () => {
  await a?.close()
  await b?.close()
  await dropDb?.()
  await pg?.stop()
  rmSync(dir, { recursive: true, force: true })
})

async function call<T = unknown>(server: SyncServer, method: string, path: string, token: string | null, body?: unknown, type?: string): Promise<{ status: number; body: T; text: string }> {
  const raw = Buffer.isBuffer(body)
  const res = await fetch(server.url + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': type ?? 'application/json' } : {}) },
    body: body === undefined ? undefined : raw ? new Uint8Array(body) : JSON.stringify(body),
  })
  const text = await res.text()
  let json: T | undefined
  try {
    json = JSON.parse(text) as T
  } catch {
    json = undefined
  }
  return { status: res.status, body: json as T, text }
}

it('two server instances on one PostgreSQL serve the same pages, links, ticks and live codes', async () => {
  expect(a.serverId).toBe(b.serverId)
  const code = await call<{ code: string }>(a, 'POST', '/v1/admin/enrolment-codes', ADMIN, { team: '杭州一队' })
  const device = `ord_${randomBytes(32).toString('base64url')}`
  const enrolled = await call(b, 'POST', '/v1/enrol', null, { code: code.body.code, deviceName: '前台', tokenHash: createHash('sha256').update(device).digest('hex') })
  expect(enrolled.status).toBe(200)
  await call(a, 'PUT', '/v1/pages/team', device, { studioName: '果园', timeZone: ZONE })

  // Files go to one instance, the pack naming them to the other.
  const poster = { full: await jpeg(7, 96), phone: await jpeg(7, 48) }
  for (const f of [poster.full, poster.phone]) expect((await call(a, 'PUT', `/v1/pages/blobs/${sha(f)}`, device, f, 'image/jpeg')).status).toBe(200)
  const day = dayIn(ZONE, new Date())
  const published = await call(b, 'POST', '/v1/pages/packs', device, {
    runs: [{ runId: 'run-1', runCreatedAt: new Date().toISOString(), replaces: [], packs: [pack({ memberCode: 'ALICE1', day, previousDay: addDays(day, -1), files: { posters: [poster] } })] }],
  })
  expect(published.status).toBe(200)
  const token = newToken()
  await call(a, 'POST', '/v1/pages/links', device, { changes: [{ memberCode: 'ALICE1', memberName: '王芳', tokenHash: sha(Buffer.from(token)) }] })

  for (const server of [a, b]) {
    const page = await call(server, 'GET', `/m/${token}`, null)
    expect(page.status).toBe(200)
    expect(page.text).toContain(sha(poster.phone))
    expect((await call(server, 'GET', `/m/${token}/f/${sha(poster.full)}.jpg`, null)).status).toBe(200)
  }
  // A tick on one instance is pulled from the other.
  const tick = await fetch(`${b.url}/m/${token}/tick`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ owner: 'member:ALICE1', day, item: 'peak-1' }).toString(),
  })
  expect(tick.status).toBe(200)
  const ticks = await call<{ ticks: { memberCode: string; itemKey: string }[] }>(a, 'GET', '/v1/pages/ticks?after=0', device)
  expect(ticks.body.ticks.map((t) => [t.memberCode, t.itemKey])).toEqual([['ALICE1', 'peak-1']])

  // Revoked through one instance: both answer 404 at once (the other one had the link cached, and checks it again).
  await call(b, 'POST', '/v1/pages/links', device, { changes: [{ memberCode: 'ALICE1', memberName: '王芳', tokenHash: null }] })
  expect((await call(a, 'GET', `/m/${token}`, null)).status).toBe(404)
  expect((await call(b, 'GET', `/m/${token}`, null)).status).toBe(404)
  expect((await call(a, 'GET', `/m/${token}/f/${sha(poster.full)}.jpg`, null)).status).toBe(404)

  // A live code: a new QR uploaded through one instance shows on the other at the next scan,
  // and scans arriving at both at once are all counted.
  const live = newCode()
  const [q1, q2] = [await png(11), await png(12)]
  for (const f of [q1, q2]) await call(b, 'PUT', `/v1/pages/blobs/${sha(f)}`, device, f, 'image/png')
  const now = Date.now()
  const image = (f: Buffer, age: number) => ({ sha256: sha(f), uploadedAt: new Date(now - age).toISOString(), expiresAt: new Date(now + 86_400_000).toISOString() })
  const group = (images: ReturnType<typeof image>[]) => ({
    groups: [{ groupKey: 'g1', codeHash: sha(Buffer.from(live)), name: '宝妈群', ownerCode: 'ALICE1', ownerName: '王芳', memberCount: 20, images, contactSha256: null }],
  })
  await call(a, 'POST', '/v1/pages/groups', device, group([image(q1, 3_600_000)]))
  expect((await call(b, 'GET', `/g/${live}`, null)).text).toContain(sha(q1))
  await call(b, 'POST', '/v1/pages/groups', device, group([image(q1, 3_600_000), image(q2, 60_000)]))
  expect((await call(a, 'GET', `/g/${live}`, null)).text).toContain(sha(q2))
  await Promise.all(Array.from({ length: 40 }, (_, i) => call(i % 2 ? a : b, 'GET', `/g/${live}?ref=ALICE1`, null)))
  const scans = await call<{ scans: { ref: string; scans: number }[] }>(b, 'GET', `/v1/pages/scans?since=${addDays(day, -1)}`, device)
  expect(scans.body.scans.reduce((n, s) => n + s.scans, 0)).toBe(42)
})
