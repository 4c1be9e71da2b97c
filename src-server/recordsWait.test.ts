import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { RECORDS_PROTOCOL_VERSION, type RecordChangeWire, type RecordsPullResponse } from '../src-shared/recordsProtocol'
import { startSyncServer } from './index'
import { ADMIN, enrolDevice, useTestServer } from './server.testkit'
import { testBackends } from './testDatabases'

/**
 * Waiting pulls (GET /v1/records/pull?wait=N): held while the team has nothing new for the
 * device, answered as soon as another device of its team stores a change.
 */
let clientSeq = 0
const noteChange = (id: string, value: string): RecordChangeWire => ({
  clientSeq: ++clientSeq,
  txId: randomUUID(),
  record: 'customer',
  id,
  op: 'update',
  field: 'notes',
  value,
  role: 'operator',
  at: '2026-11-20T02:00:00.000Z',
})
const customerCreate = (id: string): RecordChangeWire => ({
  ...noteChange(id, ''),
  op: 'create',
  field: null,
  value: { name: '王芳', wechatId: null, phones: ['+8613800138000'], addresses: [], tags: [], relClass: 'C', segment: null, ownerMemberId: null, notes: '' },
})

/** Whether `p` is still unanswered once the server has had `ms` to answer it. */
const stillWaiting = (p: Promise<unknown>, ms = 400) =>
  Promise.race([p.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), ms))])

for (const backend of testBackends()) {
  describe(`waiting records pulls (${backend.name})`, () => {
    const srv = useTestServer(backend, 'orchard-records-wait')
    const call = srv.call
    const teamOf = new Map<string, string>()
    const enrol = async (team: string): Promise<{ token: string; id: string }> => {
      const { token, deviceId } = await enrolDevice(srv.server.url, team)
      teamOf.set(token, team)
      return { token, id: deviceId }
    }
    const push = async (token: string, changes: RecordChangeWire[]) => {
      const r = await call<{ stored: number }>('POST', '/v1/records/push', token, { protocol: RECORDS_PROTOCOL_VERSION, team: teamOf.get(token), changes })
      expect(r.status).toBe(200)
      return r.body
    }
    const pull = (token: string, after: number, wait?: number) =>
      call<RecordsPullResponse & { error?: { code: string; message: string; details?: { issues?: { path: string }[] } } }>(
        'GET',
        `/v1/records/pull?after=${after}${wait === undefined ? '' : `&wait=${wait}`}`,
        token,
      )
    let teams = 0
    const team = () => `wait-${++teams}`

    it('a pull with nothing new is held until another device of the team stores a change, then brings it', async () => {
      const t = team()
      const [a, b] = [await enrol(t), await enrol(t)]
      const id = randomUUID()
      await push(a.token, [customerCreate(id)])
      const seen = await pull(b.token, 0)
      expect(seen.body.changes).toHaveLength(1)

      const waiting = pull(b.token, seen.body.cursor, 20)
      expect(await stillWaiting(waiting)).toBe(true)
      await push(a.token, [noteChange(id, '周末联系')])
      const answer = await waiting
      expect(answer.status).toBe(200)
      expect(answer.body.changes.map((c) => [c.id, c.field, c.value])).toEqual([[id, 'notes', '周末联系']])
      expect(answer.body.cursor).toBeGreaterThan(seen.body.cursor)
    })

    it('is answered at once when something is new, and not woken by its own changes or another team’s', async () => {
      const t = team()
      const [a, b] = [await enrol(t), await enrol(t)]
      const other = await enrol(team())
      const id = randomUUID()
      await push(a.token, [customerCreate(id)])
      // Something new after 0: answered without waiting.
      const now = await pull(b.token, 0, 20)
      expect(now.body.changes).toHaveLength(1)

      const waiting = pull(b.token, now.body.cursor, 20)
      expect(await stillWaiting(waiting)).toBe(true)
      await push(b.token, [noteChange(id, 'B 自己的备注')])
      await push(other.token, [customerCreate(randomUUID())])
      expect(await stillWaiting(waiting)).toBe(true)
      await push(a.token, [noteChange(id, 'A 的备注')])
      const answer = await waiting
      // B's own change is not sent back to it: only A's arrives.
      expect(answer.body.changes.map((c) => c.value)).toEqual(['A 的备注'])
    })

    it('a revoked device’s waiting pull ends at once with the refusal', async () => {
      const t = team()
      const b = await enrol(t)
      const high = (await pull(b.token, 0)).body.cursor
      const waiting = pull(b.token, high, 20)
      expect(await stillWaiting(waiting)).toBe(true)
      const revoked = await call('POST', `/v1/admin/devices/${b.id}/revoke`, ADMIN)
      expect(revoked.status).toBe(200)
      const answer = await waiting
      expect(answer.status).toBe(401)
      expect(answer.body.error?.code).toBe('device_revoked')
    })

    it('a wait longer than the server holds a pull is refused with where', async () => {
      const b = await enrol(team())
      const r = await pull(b.token, 0, 3600)
      expect(r.status).toBe(400)
      expect(r.body.error?.code).toBe('invalid_request')
      expect(r.body.error?.details?.issues?.[0].path).toBe('wait')
    })
  })
}

describe('a server stopping', () => {
  it('answers its waiting pulls instead of waiting them out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchard-records-wait-close-'))
    try {
      const server = await startSyncServer({ dataDir: dir, host: '127.0.0.1', adminToken: ADMIN })
      const { token } = await enrolDevice(server.url, 'closing')
      const waiting = fetch(`${server.url}/v1/records/pull?after=0&wait=25`, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as RecordsPullResponse,
      }))
      expect(await stillWaiting(waiting)).toBe(true)
      const closing = server.close()
      // Answered as the server stops — not when its 25 s are up (nor after closing is done).
      expect(await stillWaiting(waiting, 10_000)).toBe(false)
      const answer = await waiting
      expect(answer.status).toBe(200)
      expect(answer.body.changes).toEqual([])
      await closing
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

// Several server processes on one PostgreSQL (behind a load balancer): each holds its own
// waiting pulls, and hears of the others' stored changes and revocations through NOTIFY.
for (const backend of testBackends().filter((b) => b.name === 'postgres')) {
  describe('two server processes on one database', () => {
    it('a pull waiting on one is answered when a device stores a change through the other; a revocation through either ends it', async () => {
      const db = await backend.create()
      const dirs = [mkdtempSync(join(tmpdir(), 'orchard-records-wait-one-')), mkdtempSync(join(tmpdir(), 'orchard-records-wait-two-'))]
      const one = await startSyncServer({ dataDir: dirs[0], databaseUrl: db.databaseUrl, host: '127.0.0.1', adminToken: ADMIN })
      const two = await startSyncServer({ dataDir: dirs[1], databaseUrl: db.databaseUrl, host: '127.0.0.1', adminToken: ADMIN })
      try {
        const json = async <T>(r: Response) => ({ status: r.status, body: (await r.json()) as T })
        const a = await enrolDevice(one.url, 'two-servers')
        const b = await enrolDevice(two.url, 'two-servers')
        const push = (changes: RecordChangeWire[]) =>
          fetch(`${one.url}/v1/records/push`, {
            method: 'POST',
            headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ protocol: RECORDS_PROTOCOL_VERSION, team: 'two-servers', changes }),
          }).then((r) => json<{ stored: number }>(r))
        const pullOnTwo = (after: number) =>
          fetch(`${two.url}/v1/records/pull?after=${after}&wait=25`, { headers: { authorization: `Bearer ${b.token}` } }).then((r) =>
            json<RecordsPullResponse & { error?: { code: string } }>(r),
          )
        const id = randomUUID()
        expect((await push([customerCreate(id)])).body.stored).toBe(1)
        const seen = await pullOnTwo(0)
        expect(seen.body.changes).toHaveLength(1)

        const waiting = pullOnTwo(seen.body.cursor)
        expect(await stillWaiting(waiting)).toBe(true)
        expect((await push([noteChange(id, '另一台服务器收到的备注')])).body.stored).toBe(1)
        // Woken by the other process's notice — not when its 25 s are up.
        expect(await stillWaiting(waiting, 10_000)).toBe(false)
        const answer = await waiting
        expect(answer.body.changes.map((c) => [c.id, c.field, c.value])).toEqual([[id, 'notes', '另一台服务器收到的备注']])

        const next = pullOnTwo(answer.body.cursor)
        expect(await stillWaiting(next)).toBe(true)
        const revoked = await fetch(`${one.url}/v1/admin/devices/${b.deviceId}/revoke`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } })
        expect(revoked.status).toBe(200)
        expect(await stillWaiting(next, 10_000)).toBe(false)
        const refused = await next
        expect(refused.status).toBe(401)
        expect(refused.body.error?.code).toBe('device_revoked')
      } finally {
        await one.close()
        await two.close()
        await db.drop()
        for (const d of dirs) rmSync(d, { recursive: true, force: true })
      }
    })
  })
}
