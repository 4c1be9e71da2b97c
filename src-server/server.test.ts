import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { LedgerEntryWire } from '../src-shared/ledgerWire'
import type { PullResponse, PushResponse } from '../src-shared/syncProtocol'
import { buildSyncApp } from './http'
import { openServerDatabase, startSyncServer, type SyncServer } from './index'
import { hashSecret } from './secrets'
import type { Storage } from './storage'
import { testBackends } from './testDatabases'

const ADMIN = 'ora_test-admin-token'

/** A workstation makes its own device token and enrols with its hash. */
function deviceToken(): { token: string; tokenHash: string } {
  const token = `ord_${randomBytes(32).toString('base64url')}`
  return { token, tokenHash: createHash('sha256').update(token).digest('hex') }
}

function entry(over: Partial<LedgerEntryWire> = {}): LedgerEntryWire {
  return {
    id: randomUUID(),
    memberCode: 'M001',
    kind: 'sale_commission',
    amountFen: 1234,
    sourceType: 'order_line',
    sourceKey: `SO-${Math.floor(Math.random() * 1e9)}#1`,
    reversesId: null,
    schemeId: 'default',
    schemeVersion: 1,
    period: '2026-11',
    occurredAt: '2026-11-20T10:00:00+08:00',
    memo: '销售佣金 / sale commission',
    deviceId: 'ws-1',
    ...over,
  }
}

for (const backend of testBackends()) {
  describe(`sync server on ${backend.name}`, () => {
    let dir: string
    let server: SyncServer
    let drop: () => Promise<void>
    let databaseUrl: string | undefined

    const call = async <T>(method: string, path: string, token: string | null, body?: unknown): Promise<{ status: number; body: T }> => {
      const res = await fetch(server.url + path, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      return { status: res.status, body: (await res.json()) as T }
    }
    const code = async (team: string): Promise<string> => {
      const r = await call<{ code: string }>('POST', '/v1/admin/enrolment-codes', ADMIN, { team })
      expect(r.status).toBe(200)
      return r.body.code
    }
    const enrol = async (team: string, deviceName = 'front-desk'): Promise<{ token: string; deviceId: string }> => {
      const { token, tokenHash } = deviceToken()
      const r = await call<{ deviceId: string }>('POST', '/v1/enrol', null, { code: await code(team), deviceName, tokenHash })
      expect(r.status).toBe(200)
      return { token, deviceId: r.body.deviceId }
    }
    const push = (token: string, entries: LedgerEntryWire[]) => call<PushResponse>('POST', '/v1/push', token, { entries })
    const pull = (token: string, entriesAfter = 0, statusesAfter = 0, limit = 500) =>
      call<PullResponse>('GET', `/v1/pull?entriesAfter=${entriesAfter}&statusesAfter=${statusesAfter}&limit=${limit}`, token)
    async function pullAll(token: string, from = { entries: 0, statuses: 0 }, limit = 500) {
      const entries: PullResponse['entries'] = []
      const statusChanges: PullResponse['statusChanges'] = []
      let cursor = from
      let pages = 0
      for (;;) {
        const r = await pull(token, cursor.entries, cursor.statuses, limit)
        expect(r.status).toBe(200)
        entries.push(...r.body.entries)
        statusChanges.push(...r.body.statusChanges)
        cursor = r.body.cursor
        pages++
        if (!r.body.more) return { entries, statusChanges, cursor, pages }
      }
    }

    // One server for the whole file (a new PGlite database costs seconds); every test works in teams of its own.
    let teams = 0
    const team = (label = 'team') => `${label}-${++teams}`

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'orchard-server-'))
      const db = await backend.create()
      drop = db.drop
      databaseUrl = db.databaseUrl
      server = await startSyncServer({ dataDir: dir, databaseUrl, host: '127.0.0.1', adminToken: ADMIN, serverIdRefreshMs: 100 })
    })
    afterAll(async () => {
      await server.close()
      await drop()
      rmSync(dir, { recursive: true, force: true })
    })

    it('enrols a device with a one-time code, and refuses the code a second time', async () => {
      const hz = team('杭州一队')
      const c = await code(hz)
      expect(c).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/)
      // Typed in lower case with spaces instead of dashes: still the same code.
      const typed = c.toLowerCase().replace(/-/g, ' ')
      const mine = deviceToken()
      const first = await call<{ team: string; deviceId: string; serverId: string }>('POST', '/v1/enrol', null, { code: typed, deviceName: '前台电脑', tokenHash: mine.tokenHash })
      expect(first.status).toBe(200)
      expect(first.body.team).toBe(hz)
      expect(first.body.serverId).toBe(server.serverId)
      const hello = await call<{ team: string; deviceName: string }>('GET', '/v1/hello', mine.token)
      expect(hello.body).toMatchObject({ team: hz, deviceName: '前台电脑', deviceId: first.body.deviceId })

      const again = await call<{ error: { code: string } }>('POST', '/v1/enrol', null, { code: c, deviceName: 'another', tokenHash: deviceToken().tokenHash })
      expect(again.status).toBe(403)
      expect(again.body.error.code).toBe('enrol_code_used')
      const wrong = await call<{ error: { code: string } }>('POST', '/v1/enrol', null, { code: 'AAAA-BBBB-CCCC-DDDD', deviceName: 'x', tokenHash: deviceToken().tokenHash })
      expect(wrong.body.error.code).toBe('enrol_code_unknown')
    })

    it('answers a repeated enrolment (lost reply, duplicated request) with the same device', async () => {
      const t = team()
      const c = await code(t)
      const mine = deviceToken()
      const first = await call<{ deviceId: string }>('POST', '/v1/enrol', null, { code: c, deviceName: 'x', tokenHash: mine.tokenHash })
      const repeat = await call<{ deviceId: string }>('POST', '/v1/enrol', null, { code: c, deviceName: 'x', tokenHash: mine.tokenHash })
      expect(repeat.status).toBe(200)
      expect(repeat.body.deviceId).toBe(first.body.deviceId)
      expect((await call('GET', '/v1/hello', mine.token)).status).toBe(200)
      // Someone else with the same code (another token) is refused.
      const other = await call<{ error: { code: string } }>('POST', '/v1/enrol', null, { code: c, deviceName: 'y', tokenHash: deviceToken().tokenHash })
      expect(other.body.error.code).toBe('enrol_code_used')
      const devices = await call<{ devices: unknown[] }>('GET', `/v1/admin/devices?team=${t}`, ADMIN)
      expect(devices.body.devices).toHaveLength(1)
    })

    it('refuses an expired code, a missing or unknown token and a wrong admin token', async () => {
      const t = team()
      const c = await code(t)
      await server.database.storage.query(`UPDATE enrolment_codes SET expires_at = now() - interval '1 second' WHERE team = $1`, [t])
      const expired = await call<{ error: { code: string } }>('POST', '/v1/enrol', null, { code: c, deviceName: 'x', tokenHash: deviceToken().tokenHash })
      expect(expired.status).toBe(403)
      expect(expired.body.error.code).toBe('enrol_code_expired')
      expect((await call('GET', '/v1/hello', null)).status).toBe(401)
      expect((await call('GET', '/v1/hello', 'ord_nonsense')).status).toBe(401)
      expect((await call('POST', '/v1/admin/enrolment-codes', 'ora_wrong', { team: t })).status).toBe(401)
      // The database keeps hashes only: neither the code nor a token appears in it.
      const { token } = await enrol(t)
      const dump = JSON.stringify([
        await server.database.storage.query('SELECT * FROM devices'),
        await server.database.storage.query('SELECT * FROM enrolment_codes'),
        await server.database.storage.query('SELECT * FROM server_meta'),
      ])
      expect(dump).not.toContain(token)
      expect(dump).not.toContain(ADMIN)
    })

    it('a revoked device gets 401 device_revoked on every call', async () => {
      const t = team()
      const { token, deviceId } = await enrol(t)
      expect((await push(token, [entry()])).status).toBe(200)
      const revoked = await call<{ revokedAt: string }>('POST', `/v1/admin/devices/${deviceId}/revoke`, ADMIN, {})
      expect(revoked.status).toBe(200)
      expect(revoked.body.revokedAt).toBeTruthy()
      for (const r of [await call<{ error: { code: string } }>('GET', '/v1/hello', token), await push(token, [entry()]), await pull(token)]) {
        expect(r.status).toBe(401)
        expect((r.body as unknown as { error: { code: string } }).error.code).toBe('device_revoked')
      }
      const devices = await call<{ devices: { id: string; revokedAt: string | null }[] }>('GET', `/v1/admin/devices?team=${t}`, ADMIN)
      expect(devices.body.devices.find((d) => d.id === deviceId)?.revokedAt).toBeTruthy()
    })

    it('stores each entry once: a repeated push is accepted again and stores nothing', async () => {
      const t = team()
      const { token } = await enrol(t)
      const batch = Array.from({ length: 300 }, () => entry())
      const first = await push(token, batch)
      expect(first.body.stored).toBe(300)
      expect(new Set(first.body.accepted)).toEqual(new Set(batch.map((e) => e.id)))
      // The reply was lost; the workstation sends the same batch plus new entries.
      const more = [...batch.slice(100), ...Array.from({ length: 50 }, () => entry())]
      const second = await push(token, more)
      expect(second.body.stored).toBe(50)
      expect(second.body.accepted).toHaveLength(250)
      expect(second.body.conflicts).toEqual([])
      const summary = await call<{ entries: number; totalFen: number }>('GET', `/v1/admin/summary?team=${t}`, ADMIN)
      expect(summary.body).toMatchObject({ entries: 350, totalFen: 350 * 1234 })
    })

    it('the same sale posted on two workstations is one entry', async () => {
      const t = team()
      const a = await enrol(t, 'A')
      const b = await enrol(t, 'B')
      const shared = entry({ deviceId: 'ws-a' })
      expect((await push(a.token, [shared])).body.stored).toBe(1)
      // B recorded it in its own words and time notation: still the same sale.
      const fromB = await push(b.token, [{ ...shared, deviceId: 'ws-b', memo: '另一台电脑导入', occurredAt: '2026-11-20T02:00:00Z' }])
      expect(fromB.body).toMatchObject({ stored: 0, accepted: [shared.id], conflicts: [] })
      expect((await call<{ entries: number }>('GET', `/v1/admin/summary?team=${t}`, ADMIN)).body.entries).toBe(1)
    })

    it('reports a differing payload for a known id as a conflict and never overwrites it', async () => {
      const t = team()
      const { token } = await enrol(t)
      const original = entry({ amountFen: 5000 })
      await push(token, [original])
      const tampered = { ...original, amountFen: 9000, memberCode: 'M999', memo: 'changed' }
      const r = await push(token, [tampered, entry()])
      expect(r.body.accepted).toHaveLength(1)
      expect(r.body.conflicts).toHaveLength(1)
      expect(r.body.conflicts[0]).toMatchObject({ id: original.id, fields: ['memberCode', 'amountFen'], server: { amountFen: 5000 } })
      const listed = await call<{ entries: LedgerEntryWire[] }>('GET', `/v1/admin/entries?team=${t}`, ADMIN)
      expect(listed.body.entries.find((e) => e.id === original.id)?.amountFen).toBe(5000)
    })

    it('answers an error in the language of Accept-Language, with the same code and details in any', async () => {
      const t = team()
      const { token } = await enrol(t)
      const ask = async (path: string, language: string | null, auth: string, body?: unknown) => {
        const res = await fetch(server.url + path, {
          method: body === undefined ? 'GET' : 'POST',
          headers: { authorization: `Bearer ${auth}`, ...(language ? { 'accept-language': language } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          body: body === undefined ? undefined : JSON.stringify(body),
        })
        return { status: res.status, error: ((await res.json()) as { error: { code: string; message: string; details?: unknown } }).error }
      }
      const wrongAdmin = (language: string | null) => ask('/v1/admin/enrolment-codes', language, 'ora_wrong', { team: t })
      expect(await wrongAdmin('zh-CN,zh;q=0.9,en;q=0.8')).toEqual({ status: 401, error: { code: 'unauthorized', message: '管理令牌无效' } })
      expect(await wrongAdmin('en-GB,en;q=0.9')).toEqual({ status: 401, error: { code: 'unauthorized', message: 'wrong admin token' } })
      // A reader of neither language gets English; no preference keeps both halves, as before.
      expect((await wrongAdmin('de-DE')).error.message).toBe('wrong admin token')
      expect((await wrongAdmin(null)).error.message).toBe('管理令牌无效 / wrong admin token')

      const zh = await ask('/v1/push', 'zh-TW', token, { entries: [] })
      const en = await ask('/v1/push', 'en', token, { entries: [] })
      expect([zh.status, en.status]).toEqual([400, 400])
      expect(zh.error.code).toBe('invalid_request')
      expect(en.error.code).toBe('invalid_request')
      expect(zh.error.details).toEqual(en.error.details)
      expect(zh.error.message).toMatch(/^请求不合法/)
      expect(zh.error.message).not.toContain('invalid request')
      expect(en.error.message).toMatch(/^invalid request \(push\): entries /)
      expect(en.error.message).not.toMatch(/[\u4e00-\u9fff]/)
      expect((await ask('/v1/nowhere', 'en-US', token)).error).toEqual({ code: 'not_found', message: 'no such endpoint: GET /v1/nowhere' })
    })

    it('rejects a malformed batch as a whole (not a list, empty, too long), with the place of the problem', async () => {
      const t = team()
      const { token } = await enrol(t)
      for (const body of [{ entries: 'x' }, { entries: [] }, { entries: Array.from({ length: 2001 }, () => entry()) }, {}]) {
        const r = await call<{ error: { code: string; details: { issues: { path: string }[] } } }>('POST', '/v1/push', token, body)
        expect(r.status).toBe(400)
        expect(r.body.error.code).toBe('invalid_request')
        expect(r.body.error.details.issues[0].path).toBe('entries')
      }
      expect((await call<{ entries: number }>('GET', `/v1/admin/summary?team=${t}`, ADMIN)).body.entries).toBe(0)
    })

    it('checks every pushed entry on its own: a bad one is refused with its reason, the rest of the batch is stored', async () => {
      const t = team()
      const { token } = await enrol(t)
      const good = [entry(), entry(), entry()]
      const reversal = entry({ kind: 'reversal', reversesId: good[0].id, amountFen: -1234 })
      const bad = {
        memo: entry({ memo: '订单 SO-1 · 洗衣液\u0000 ×1' }),
        period: entry({ period: '2026-13' }),
        occurredAt: entry({ occurredAt: '2026-02-30T10:00:00+08:00' }),
        schemeVersion: entry({ schemeVersion: 3_000_000_000 }),
        reversesId: entry({ kind: 'reversal', amountFen: -1 }),
        memberCode: entry({ memberCode: 'M0\u00001' }),
        amountFen: entry({ amountFen: 2 ** 60 }),
        id: entry({ id: 'not-a-uuid' }),
      }
      const junk = { hello: 'world' }
      const batch = [good[0], bad.memo, good[1], bad.period, bad.occurredAt, bad.schemeVersion, bad.reversesId, bad.memberCode, bad.amountFen, bad.id, junk, good[2], reversal]
      for (let attempt = 0; attempt < 2; attempt++) {
        const r = await call<PushResponse>('POST', '/v1/push', token, { entries: batch })
        expect(r.status).toBe(200)
        expect([...r.body.accepted].sort()).toEqual([...good, reversal].map((e) => e.id).sort())
        expect(r.body.stored).toBe(attempt === 0 ? 4 : 0)
        const refused = Object.fromEntries(r.body.refused.map((x) => [x.id, x]))
        for (const [field, e] of Object.entries(bad)) {
          expect(refused[e.id]).toMatchObject({ code: 'invalid_entry' })
          expect(new Set(refused[e.id].issues.map((i) => i.path))).toEqual(new Set([field]))
          expect(refused[e.id].reason).toContain('/ the entry is invalid')
        }
        // What has no usable id is named by its place in the batch.
        expect(refused['#10']).toMatchObject({ code: 'invalid_entry' })
        expect(r.body.refused).toHaveLength(Object.keys(bad).length + 1)
      }
      const summary = await call<{ entries: number; totalFen: number }>('GET', `/v1/admin/summary?team=${t}`, ADMIN)
      expect(summary.body).toMatchObject({ entries: 4, totalFen: 3 * 1234 - 1234 })
      const periods = await server.database.storage.query<{ period: string }>('SELECT DISTINCT period FROM entries WHERE team = $1', [t])
      expect(periods).toEqual([{ period: '2026-11' }])
    })

    it('refuses control characters in every other request too, as a bad request, never a server error', async () => {
      const t = team()
      const { token, tokenHash } = deviceToken()
      const enrolled = await call<{ error: { code: string; details: { issues: { path: string }[] } } }>('POST', '/v1/enrol', null, {
        code: await code(t),
        deviceName: '前台\u0000电脑',
        tokenHash,
      })
      expect(enrolled.status).toBe(400)
      expect(enrolled.body.error.details.issues[0].path).toBe('deviceName')
      expect((await call('GET', '/v1/hello', token)).status).toBe(401)
      const device = await enrol(t)
      const e = entry()
      await push(device.token, [e])
      const noted = await call<{ error: { code: string } }>('POST', '/v1/admin/status', ADMIN, { team: t, changes: [{ entryId: e.id, status: 'approved', note: '已核\u0000对' }] })
      expect(noted.status).toBe(400)
      expect(noted.body.error.code).toBe('invalid_request')
      expect((await call('POST', `/v1/admin/devices/${encodeURIComponent('dev\u0000x')}/revoke`, ADMIN)).status).toBe(400)
      const summary = await call<{ byStatus: { pending: { entries: number } } }>('GET', `/v1/admin/summary?team=${t}`, ADMIN)
      expect(summary.body.byStatus.pending.entries).toBe(1)
    })

    it('never tells a caller what went wrong inside; an entry the database still refuses is refused alone', async () => {
      const storage = server.database.storage
      // The database as it fails: one entry it cannot store (as PostgreSQL refused a NUL), and a failure of its own.
      const guard = <T>(sql: string, params: unknown[] | undefined, run: () => Promise<T>): Promise<T> => {
        const text = JSON.stringify(params ?? [])
        if (sql.includes('INSERT INTO entries') && text.includes('UNSTORABLE')) {
          return Promise.reject(Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' }))
        }
        if (text.includes('BROKEN')) return Promise.reject(new Error('password authentication failed for user "orchard_admin" at 10.0.0.7'))
        return run()
      }
      const failing: Storage = {
        kind: storage.kind,
        exec: (sql) => storage.exec(sql),
        listen: (channel, onNotice) => storage.listen(channel, onNotice),
        close: async () => undefined,
        query: (sql, params) => guard(sql, params, () => storage.query(sql, params)),
        transaction: (fn) => storage.transaction((tx) => fn({ query: (sql, params) => guard(sql, params, () => tx.query(sql, params)) })),
      }
      const app = buildSyncApp({ storage: failing, serverId: () => server.serverId, adminTokenHash: hashSecret(ADMIN) })
      try {
        const t = team()
        const { token } = await enrol(t)
        const headers = { authorization: `Bearer ${token}` }
        const ok = [entry(), entry()]
        const unstorable = entry({ memo: 'UNSTORABLE' })
        const r = await app.inject({ method: 'POST', url: '/v1/push', headers, payload: { entries: [ok[0], unstorable, ok[1]] } })
        expect(r.statusCode).toBe(200)
        const body = r.json() as PushResponse
        expect([...body.accepted].sort()).toEqual(ok.map((e) => e.id).sort())
        expect(body.refused).toEqual([expect.objectContaining({ id: unstorable.id, code: 'entry_unstorable' })])
        expect(r.body).not.toMatch(/UTF8|0x00|byte sequence/)
        expect((await call<{ entries: number }>('GET', `/v1/admin/summary?team=${t}`, ADMIN)).body.entries).toBe(2)

        const broken = await app.inject({ method: 'POST', url: '/v1/push', headers, payload: { entries: [entry({ memo: 'BROKEN' })] } })
        expect(broken.statusCode).toBe(500)
        expect(broken.json()).toMatchObject({ error: { code: 'server_error', message: expect.stringContaining('internal server error'), details: { requestId: expect.any(String) } } })
        expect(broken.body).not.toMatch(/password|orchard_admin|10\.0\.0\.7/)
      } finally {
        await app.close()
      }
    })

    it('keeps teams apart: a device sees only its own team, and ids are per team', async () => {
      const [ta, tb] = [team('a'), team('b')]
      const a = await enrol(ta)
      const a2 = await enrol(ta)
      const b = await enrol(tb)
      const e = entry()
      await push(a.token, [e, entry()])
      expect((await pullAll(a2.token)).entries).toHaveLength(2)
      expect((await pullAll(b.token)).entries).toHaveLength(0)
      // The same id in another team is that team's own entry: no conflict, nothing revealed.
      const other = await push(b.token, [{ ...e, amountFen: 1 }])
      expect(other.body).toMatchObject({ stored: 1, conflicts: [] })
      await call('POST', '/v1/admin/status', ADMIN, { team: ta, changes: [{ entryId: e.id, status: 'approved' }] })
      expect((await pullAll(b.token)).statusChanges).toHaveLength(0)
      expect((await pullAll(a2.token)).statusChanges).toHaveLength(1)
    })

    it('pulls by the server sequence in pages, never returning a device its own entries', async () => {
      const t = team()
      const a = await enrol(t, 'A')
      const b = await enrol(t, 'B')
      const fromA = Array.from({ length: 1200 }, () => entry())
      for (let i = 0; i < fromA.length; i += 400) await push(a.token, fromA.slice(i, i + 400))
      const got = await pullAll(b.token, undefined, 500)
      expect(got.pages).toBe(3)
      expect(got.entries.map((e) => e.id)).toEqual(fromA.map((e) => e.id))
      const seqs = got.entries.map((e) => e.seq)
      expect([...seqs].sort((x, y) => x - y)).toEqual(seqs)
      // A's own entries are not sent back, but its cursor moves past them.
      const own = await pull(a.token)
      expect(own.body.entries).toEqual([])
      expect(own.body.cursor.entries).toBe(seqs[seqs.length - 1])
      // Nothing new: the same cursor answers the same.
      const again = await pull(b.token, got.cursor.entries, got.cursor.statuses)
      expect(again.body).toMatchObject({ entries: [], statusChanges: [], more: false, cursor: got.cursor })
    })

    it('orders by sequence, not by the time a workstation wrote on the entry (clock skew)', async () => {
      const t = team()
      const a = await enrol(t, 'A')
      const b = await enrol(t, 'B')
      // A's clock runs 9 days fast, then B's 9 days slow: arrival order is all that counts.
      await push(a.token, [entry({ occurredAt: '2026-12-01T08:00:00+08:00' })])
      const afterFirst = (await pullAll(b.token)).cursor
      const c = await enrol(t, 'C')
      const late = entry({ occurredAt: '2026-11-13T08:00:00+08:00' })
      await push(c.token, [late])
      const next = await pullAll(b.token, afterFirst)
      expect(next.entries.map((e) => e.id)).toEqual([late.id])
    })

    it('moves statuses for the manager; paid is final; pulls carry the changes and the current status', async () => {
      const t = team()
      const a = await enrol(t, 'A')
      const b = await enrol(t, 'B')
      const [e1, e2, e3] = [entry(), entry(), entry()]
      await push(a.token, [e1, e2, e3])
      const status = (changes: { entryId: string; status: string }[]) =>
        call<{ applied: { entryId: string; status: string; seq: number }[]; refused: { entryId: string; reason: string }[] }>('POST', '/v1/admin/status', ADMIN, {
          team: t,
          changes,
        })
      const r1 = await status([
        { entryId: e1.id, status: 'approved' },
        { entryId: e1.id, status: 'paid' },
        { entryId: e2.id, status: 'rejected' },
        { entryId: e3.id, status: 'paid' },
        { entryId: randomUUID(), status: 'approved' },
      ])
      expect(r1.body.applied.map((c) => c.status)).toEqual(['approved', 'paid', 'rejected'])
      expect(r1.body.refused.map((c) => c.reason)).toEqual(['not_allowed', 'unknown_entry'])
      const r2 = await status([
        { entryId: e1.id, status: 'rejected' },
        { entryId: e2.id, status: 'rejected' },
      ])
      expect(r2.body.applied).toEqual([])
      expect(r2.body.refused.map((c) => c.reason)).toEqual(['already_paid', 'unchanged'])

      const got = await pullAll(b.token)
      expect(got.statusChanges.map((c) => [c.entryId, c.status])).toEqual([
        [e1.id, 'approved'],
        [e1.id, 'paid'],
        [e2.id, 'rejected'],
      ])
      const byId = new Map(got.entries.map((e) => [e.id, e]))
      expect(byId.get(e1.id)).toMatchObject({ status: 'paid', statusSeq: got.statusChanges[1].seq })
      expect(byId.get(e3.id)).toMatchObject({ status: 'pending', statusSeq: 0 })
      // A workstation cannot change a paid entry: a different amount is a conflict, the paid amount stays.
      const changed = await push(a.token, [{ ...e1, amountFen: 1 }])
      expect(changed.body.conflicts[0].fields).toEqual(['amountFen'])
      const summary = await call<{ byStatus: Record<string, { entries: number; totalFen: number }> }>('GET', `/v1/admin/summary?team=${t}`, ADMIN)
      expect(summary.body.byStatus.paid).toEqual({ entries: 1, totalFen: e1.amountFen })
    })

    it('enrols many workstations of one team at the same moment: every one gets its device, the server chain records each once', async () => {
      const t = team()
      const codes = await Promise.all(Array.from({ length: 12 }, () => code(t)))
      const replies = await Promise.all(
        codes.map((c, i) => call<{ deviceId: string }>('POST', '/v1/enrol', null, { code: c, deviceName: `desk-${i}`, tokenHash: deviceToken().tokenHash })),
      )
      expect(replies.map((r) => r.status)).toEqual(codes.map(() => 200))
      expect(new Set(replies.map((r) => r.body.deviceId)).size).toBe(12)
      const enrolled = await server.database.storage.query<{ n: string }>(
        `SELECT count(*) AS n FROM audit_records WHERE team = $1 AND kind = 'device.enrolled'`,
        [t],
      )
      expect(Number(enrolled[0].n)).toBe(12)
    })

    it('never lets a pull step over entries that commit late (concurrent pushes)', async () => {
      const t = team()
      const pushers = await Promise.all([enrol(t, 'P1'), enrol(t, 'P2'), enrol(t, 'P3')])
      const reader = await enrol(t, 'R')
      const all: string[] = []
      const seen = new Set<string>()
      let cursor = { entries: 0, statuses: 0 }
      let done = false
      const reading = (async () => {
        while (!done) {
          const r = await pull(reader.token, cursor.entries, cursor.statuses, 200)
          for (const e of r.body.entries) seen.add(e.id)
          cursor = r.body.cursor
        }
      })()
      await Promise.all(
        pushers.map(async (p) => {
          for (let i = 0; i < 8; i++) {
            const batch = Array.from({ length: 50 }, () => entry())
            all.push(...batch.map((e) => e.id))
            await push(p.token, batch)
          }
        }),
      )
      done = true
      await reading
      const rest = await pullAll(reader.token, cursor)
      for (const e of rest.entries) seen.add(e.id)
      expect(seen.size).toBe(all.length)
      expect(all.every((id) => seen.has(id))).toBe(true)
    })

    it('a reset or restored server shows a new instance id, and its sequence falls behind the cursor', async () => {
      const t = team()
      const a = await enrol(t, 'A')
      const b = await enrol(t, 'B')
      await push(a.token, Array.from({ length: 20 }, () => entry()))
      const before = await pullAll(b.token)
      const oldId = server.serverId
      // Marked as restored (orchard server restored): the id changes while it runs.
      const renewed = await server.database.renewServerId()
      expect(renewed).not.toBe(oldId)
      expect((await call<{ serverId: string }>('GET', '/v1/health', null)).body.serverId).toBe(oldId)
      // Taken up at its next look at the database (every 100 ms here), however busy the machine is.
      await vi.waitFor(async () => expect((await call<{ serverId: string }>('GET', '/v1/hello', b.token)).body.serverId).toBe(renewed), { timeout: 10_000, interval: 100 })
      // Went back in time (a backup from before these entries): its high-water mark is below the cursor.
      await server.database.storage.query('DELETE FROM entries WHERE team = $1', [t])
      const r = await pull(b.token, before.cursor.entries, before.cursor.statuses)
      expect(r.body.high.entries).toBeLessThan(before.cursor.entries)
    })

    it('keeps its data, instance id and admin token across restarts', async () => {
      const t = team()
      const { token } = await enrol(t)
      await push(token, [entry()])
      const id = server.serverId
      await server.close()
      server = await startSyncServer({ dataDir: dir, databaseUrl, host: '127.0.0.1' })
      expect(server.serverId).toBe(id)
      // The token given at the first start stays valid; this start did not invent another.
      expect((await call('GET', `/v1/admin/summary?team=${t}`, ADMIN)).status).toBe(200)
      expect((await call<{ serverId: string }>('GET', '/v1/hello', token)).body.serverId).toBe(id)
    })
  })
}

describe('sync server data folder', () => {
  it('writes a new admin token 0600 on the first start and refuses a second process on the same PGlite folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchard-server-'))
    try {
      const server = await startSyncServer({ dataDir: dir, host: '127.0.0.1' })
      expect(server.adminToken).toMatch(/^ora_/)
      expect(statSync(server.adminTokenFile).mode & 0o777).toBe(0o600)
      const res = await fetch(`${server.url}/v1/admin/devices`, { headers: { authorization: `Bearer ${server.adminToken}` } })
      expect(res.status).toBe(200)
      // The same process may reopen (tests); another live process may not: simulate with our parent's pid.
      const { writeFileSync } = await import('node:fs')
      await server.close()
      writeFileSync(join(dir, 'pgdata.lock'), String(process.ppid))
      await expect(openServerDatabase({ dataDir: dir })).rejects.toThrow(/in use by process/)
      writeFileSync(join(dir, 'pgdata.lock'), '999999999')
      const reopened = await startSyncServer({ dataDir: dir, host: '127.0.0.1' })
      expect(reopened.adminToken).toBe(server.adminToken)
      await reopened.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
