import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { methodNames } from '../../../src-shared/contract'
import { holds, permissionOfMethod, type Actor } from '../../../src-shared/permissions'
import { createCore, type OrchardCore } from '../../../src-main/core/api'
import { startBrowserHost, type BrowserHost } from '../../../src-main/host/server'

/**
 * The role × method matrix, generated from the permission table and asked of the real
 * transport: every method, called over HTTP through the browser host with a valid token and
 * a signed-in profile of each role. The input is deliberately not an input of any method,
 * so an allowed call stops at validation and nothing runs: what is checked is who gets in.
 */
const NOT_AN_INPUT = 'not an input of any method'

let dir: string
const hosts: { core: OrchardCore; host: BrowserHost }[] = []

async function openHost(name: string): Promise<{ core: OrchardCore; host: BrowserHost }> {
  const staticDir = join(dir, 'renderer')
  mkdirSync(staticDir, { recursive: true })
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>果园</title>')
  const core = createCore({ dataDir: join(dir, name), host: 'browser', firstStart: 'empty' })
  const host = await startBrowserHost({ core, staticDir })
  hosts.push({ core, host })
  return { core, host }
}

async function call(host: BrowserHost, name: string, body: unknown): Promise<{ status: number; ok: boolean; code?: string }> {
  const res = await fetch(`http://127.0.0.1:${host.port}/api/call/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${host.token}` },
    body: JSON.stringify(body),
  })
  const json = (await res.json()) as { ok: boolean; error?: { code: string } }
  return { status: res.status, ok: json.ok, code: json.error?.code }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-matrix-'))
})
afterAll(async () => {
  for (const { core, host } of hosts.splice(0)) {
    await host.close()
    await core.close()
  }
  rmSync(dir, { recursive: true, force: true })
})

/** Calls every method as `role` and compares each answer with the table. */
async function matrixRow(host: BrowserHost, role: Actor): Promise<void> {
  const wrong: string[] = []
  for (const name of methodNames) {
    const allowed = holds(role, permissionOfMethod(name)!)
    const r = await call(host, name, NOT_AN_INPUT)
    const expected = allowed ? 'invalid_input' : 'forbidden'
    if (r.ok || r.code !== expected || r.status !== (allowed ? 200 : 403)) wrong.push(`${name}: expected ${expected}, got ${r.ok ? 'ok' : r.code} (${r.status})`)
  }
  expect(wrong, `${role ?? 'nobody'}`).toEqual([])
}

describe('role × method over HTTP', () => {
  it('refuses exactly what the table refuses, for every method and every role', async () => {
    const { host } = await openHost('studio')
    const pins = { manager: '8888', operator: '1111', trainer: '2222' } as const
    const ids: Record<string, string> = {}
    for (const [name, role] of [['陈姐', 'manager'], ['小周', 'operator'], ['林老师', 'trainer']] as const) {
      const res = await fetch(`http://127.0.0.1:${host.port}/api/call/profiles.create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${host.token}` },
        body: JSON.stringify({ name, role, pin: pins[role] }),
      })
      ids[role] = ((await res.json()) as { value: { id: string } }).value.id
    }
    for (const role of ['operator', 'trainer', 'manager'] as const) {
      const res = await fetch(`http://127.0.0.1:${host.port}/api/call/profiles.switch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${host.token}` },
        body: JSON.stringify({ profileId: ids[role], pin: pins[role] }),
      })
      expect(((await res.json()) as { value: { role: string } }).value.role).toBe(role)
      await matrixRow(host, role)
    }
  })

  it('lets a new workstation with no profile yet do what the table gives nobody', async () => {
    const { host } = await openHost('new-workstation')
    await matrixRow(host, null)
  })

  it('gives the command line (the system actor) what the table gives it', async () => {
    const core = createCore({ dataDir: join(dir, 'cli'), host: 'cli', firstStart: 'empty' })
    try {
      const wrong: string[] = []
      for (const name of methodNames) {
        const allowed = holds('system', permissionOfMethod(name)!)
        const code = await core.call(name, NOT_AN_INPUT).then(
          () => 'ok',
          (err: { code: string }) => err.code,
        )
        if (code !== (allowed ? 'invalid_input' : 'forbidden')) wrong.push(`${name}: ${code}`)
      }
      expect(wrong).toEqual([])
    } finally {
      await core.close()
    }
  })
})
