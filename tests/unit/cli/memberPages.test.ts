import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ORCHARD_BIN } from './run'
import { runCli } from '../../../src-main/cli/main'
import { createCore } from '../../../src-main/core/api'
import { seedTeam } from '../../../src-main/core/sync/ledgerStudio.testkit'

let dir: string
let serverDir: string
let station: string
let server: ChildProcess | null = null
let serverUrl = ''

/** Runs `orchard …` in-process and returns its exit status and what it printed. */
async function orchard(dataDir: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += chunk.toString()
    return true
  })
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += chunk.toString()
    return true
  })
  try {
    const code = await runCli(['node', 'orchard', ...args, '--data-dir', dataDir])
    return { code, out, err }
  } finally {
    stdout.mockRestore()
    stderr.mockRestore()
  }
}

/** `orchard server` as the team runs it: its own process, stopped with SIGTERM. */
function startServer(): Promise<string> {
  const child = spawn(process.execPath, [ORCHARD_BIN, 'server', '--port', '0', '--host', '127.0.0.1', '--json', '--data-dir', serverDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  server = child
  return new Promise((resolve, reject) => {
    let buffered = ''
    child.once('exit', (code) => reject(new Error(`orchard server exited ${code}`)))
    child.stdout!.on('data', (c: Buffer) => {
      buffered += c.toString()
      const line = buffered.split('\n').find((l) => l.startsWith('{'))
      if (line) resolve((JSON.parse(line) as { url: string }).url)
    })
  })
}
function stopServer(): Promise<number | null> {
  const child = server
  server = null
  if (!child || child.exitCode !== null) return Promise.resolve(child?.exitCode ?? null)
  return new Promise((resolve) => {
    child.removeAllListeners('exit')
    child.once('exit', (code) => resolve(code))
    child.kill('SIGTERM')
  })
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-cli-pages-'))
  serverDir = join(dir, 'server')
  station = join(dir, 'station')
  const core = createCore({ dataDir: station, host: 'test', firstStart: 'empty' })
  await seedTeam(core, [{ code: 'MENTOR01', level: 2 }, { code: 'ALICE001', mentor: 'MENTOR01' }])
  const owner = (await core.invoke('members', 'all', {})).find((m) => m.inviteCode === 'MENTOR01')!
  await core.invoke('groups', 'create', { name: '宝妈好物群', ownerMemberId: owner.id })
  await core.close()
  serverUrl = await startServer()
  const code = JSON.parse((await orchard(serverDir, 'server', 'enrol', '--team', '杭州一队', '--json')).out) as { code: string }
  expect((await orchard(station, 'sync', 'enrol', '--server', serverUrl, '--code', code.code, '--json')).code).toBe(0)
}, 60_000)
afterAll(async () => {
  await stopServer()
  rmSync(dir, { recursive: true, force: true })
})

const status = async (url: string) => (await fetch(url, { redirect: 'manual' })).status

describe('orchard members link | groups livecode | packs publish', () => {
  it('issues, reissues and revokes a member’s page link, each taking effect on the server before the command ends', async () => {
    const issued = await orchard(station, 'members', 'link', 'alice001', '--json')
    expect(issued.code).toBe(0)
    const { url } = JSON.parse(issued.out) as { url: string }
    expect(url).toMatch(new RegExp(`^${serverUrl}/m/[A-Za-z0-9_-]{43}$`))
    expect(await status(url)).toBe(200)
    // Asked again: the same link (a printed kit keeps working).
    expect(JSON.parse((await orchard(station, 'members', 'link', 'ALICE001', '--json')).out).url).toBe(url)

    const reissued = JSON.parse((await orchard(station, 'members', 'link', 'ALICE001', '--reissue', '--json')).out) as { url: string }
    expect(reissued.url).not.toBe(url)
    expect(await status(url)).toBe(404)
    expect(await status(reissued.url)).toBe(200)

    const revoked = JSON.parse((await orchard(station, 'members', 'link', 'ALICE001', '--revoke', '--json')).out) as { url: string | null; revokedAt: string | null }
    expect(revoked.url).toBeNull()
    expect(revoked.revokedAt).not.toBeNull()
    expect(await status(reissued.url)).toBe(404)

    const unknown = await orchard(station, 'members', 'link', 'NOBODY99', '--json')
    expect(unknown.code).not.toBe(0)
  }, 60_000)

  it('gives a group one live code, the same every time; with no QR uploaded it shows the owner’s fallback', async () => {
    const first = await orchard(station, 'groups', 'livecode', '宝妈好物群', '--json')
    expect(first.code).toBe(0)
    const { url } = JSON.parse(first.out) as { url: string }
    expect(url).toMatch(new RegExp(`^${serverUrl}/g/[A-Za-z0-9_-]{22}$`))
    expect(JSON.parse((await orchard(station, 'groups', 'livecode', '宝妈好物群', '--json')).out).url).toBe(url)
    const res = await fetch(url)
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('二维码已过期')
  }, 60_000)

  it('publishes nothing when no run is finished, and says so', async () => {
    const published = await orchard(station, 'packs', 'publish', '--json')
    expect(published.code).toBe(0)
    expect(JSON.parse(published.out)).toEqual({ runs: [], superseded: 0, refused: [] })
    expect((await orchard(station, 'packs', 'publish', '--date', '2026/11/20')).code).not.toBe(0)
  }, 60_000)
})
