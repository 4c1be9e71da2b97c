import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect } from 'vitest'
import { startSyncServer, type SyncServer } from './index'
import type { testBackends } from './testDatabases'

/** The admin token the test servers are started with. */
export const ADMIN = 'ora_test-admin-token'

export interface TestServer {
  /** The running server (started before the file's tests, closed after them). */
  readonly server: SyncServer
  /** One HTTP call: its status and its JSON body. */
  call<T>(method: string, path: string, token: string | null, body?: unknown): Promise<{ status: number; body: T }>
  /** Enrols a device of `team` as a workstation does (an enrolment code, then the hash of its own token) and gives back its token. */
  enrol(team: string, device?: { role?: string; deviceName?: string; workstationId?: string }): Promise<string>
}

/**
 * Enrols a device of `team` on the server at `url` as a workstation does (an enrolment code,
 * then the hash of its own token): its token and the device id the server gave it.
 */
export async function enrolDevice(
  url: string,
  team: string,
  device: { role?: string; deviceName?: string; workstationId?: string } = {},
): Promise<{ token: string; deviceId: string }> {
  const post = async (path: string, token: string | null, body: unknown) => {
    const res = await fetch(url + path, {
      method: 'POST',
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }
  const token = `ord_${randomBytes(32).toString('base64url')}`
  const code = await post('/v1/admin/enrolment-codes', ADMIN, { team, ...(device.role ? { role: device.role } : {}) })
  const r = await post('/v1/enrol', null, {
    code: code.body.code,
    deviceName: device.deviceName ?? 'ws',
    ...(device.workstationId ? { workstationId: device.workstationId } : {}),
    tokenHash: createHash('sha256').update(token).digest('hex'),
  })
  expect(r.status).toBe(200)
  return { token, deviceId: r.body.deviceId as string }
}

/**
 * A sync server over one backend for the tests of a file (describe block): started in
 * beforeAll on a fresh database and data folder, closed and dropped in afterAll.
 */
export function useTestServer(backend: ReturnType<typeof testBackends>[number], folder: string): TestServer {
  let dir: string
  let drop: () => Promise<void>
  let server: SyncServer | null = null
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `${folder}-`))
    const db = await backend.create()
    drop = db.drop
    server = await startSyncServer({ dataDir: dir, databaseUrl: db.databaseUrl, host: '127.0.0.1', adminToken: ADMIN })
  })
  afterAll(async () => {
    await server?.close()
    await drop?.()
    rmSync(dir, { recursive: true, force: true })
  })
  const harness: TestServer = {
    get server() {
      if (!server) throw new Error('the test server has not started')
      return server
    },
    async call<T>(method: string, path: string, token: string | null, body?: unknown) {
      const res = await fetch(harness.server.url + path, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      return { status: res.status, body: (await res.json()) as T }
    },
    async enrol(team, device = {}) {
      return (await enrolDevice(harness.server.url, team, device)).token
    },
  }
  return harness
}
