import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ORCHARD_BIN } from './run'
import { runCli } from '../../../src-main/cli/main'
import { createCore } from '../../../src-main/core/api'
import { importAndPost, ledgerTotals, seedTeam } from '../../../src-main/core/sync/ledgerStudio.testkit'

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
  dir = mkdtempSync(join(tmpdir(), 'orchard-cli-sync-'))
  serverDir = join(dir, 'server')
  station = join(dir, 'station')
  const core = createCore({ dataDir: station, host: 'test', firstStart: 'empty' })
  await seedTeam(core, [{ code: 'MENTOR01', level: 2 }, { code: 'ALICE001', mentor: 'MENTOR01' }])
  await importAndPost(
    core,
    dir,
    Array.from({ length: 40 }, (_, i) => ({ orderNo: `CLI-${i}`, placedAt: '2026-11-20 10:00', member: 'ALICE001', amountYuan: '88.00' })),
  )
  await core.close()
  serverUrl = await startServer()
})
afterAll(async () => {
  await stopServer()
  rmSync(dir, { recursive: true, force: true })
})

describe('orchard server | sync', () => {
  it('enrols a workstation with a one-time code and syncs it once, with the figures', async () => {
    const code = await orchard(serverDir, 'server', 'enrol', '--team', '杭州一队', '--json')
    expect(code.code).toBe(0)
    const created = JSON.parse(code.out) as { code: string; team: string; expiresAt: string; server: string }
    expect(created).toMatchObject({ team: '杭州一队', server: serverUrl })
    expect(created.code).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/)

    const human = await orchard(serverDir, 'server', 'enrol', '--team', '杭州一队')
    expect(human.out).toMatch(/注册码 \/ enrolment code: [0-9A-Z-]{19}/)
    expect(human.out).toContain('角色 / role: 管理者 / Manager')
    const forTrainer = JSON.parse((await orchard(serverDir, 'server', 'enrol', '--team', '杭州一队', '--role', 'trainer', '--json')).out)
    expect(forTrainer).toMatchObject({ team: '杭州一队', role: 'trainer' })
    const badRole = await orchard(serverDir, 'server', 'enrol', '--team', '杭州一队', '--role', 'boss')
    expect(badRole.code).not.toBe(0)
    expect(badRole.err).toMatch(/boss/)
    expect(human.out).toContain(`orchard sync enrol --server ${serverUrl} --code`)

    const enrolled = await orchard(station, 'sync', 'enrol', '--server', serverUrl, '--code', created.code.toLowerCase(), '--name', '前台电脑', '--json')
    expect(enrolled.code).toBe(0)
    expect(JSON.parse(enrolled.out)).toMatchObject({ enrolled: true, team: '杭州一队', deviceName: '前台电脑', pending: 80 })

    const once = await orchard(station, 'sync', '--once', '--json')
    expect(once.code).toBe(0)
    // The studio's two members, its forty orders and its commission scheme (the scheme, its
    // version, which one is active) went to the team's book too; the snapshot that follows
    // brings nothing this workstation did not hold.
    expect(JSON.parse(once.out)).toMatchObject({
      pushed: 80,
      accepted: 80,
      pulled: 0,
      pending: 0,
      conflicts: 0,
      records: { pushed: 45, pulled: 0, conflicts: 0, refused: 0, notApplied: 0, pending: 0 },
    })
    const again = await orchard(station, 'sync', '--once')
    expect(again.code).toBe(0)
    expect(again.out).toContain('已推送 0 · 已确认 0 · 已拉取 0')
    expect(again.out).toContain('pushed 0 · pulled 0 · pending 0')
    expect(again.out).toContain('pending 0')

    const status = JSON.parse((await orchard(station, 'sync', 'status', '--json')).out)
    expect(status).toMatchObject({ phase: 'idle', online: true, pending: 0, serverUrl })
    expect((await orchard(station, 'sync', 'status')).out).toContain('团队 / team: 杭州一队')
  })

  it('lists and revokes devices; a revoked workstation is told so and keeps its entries', async () => {
    const devices = JSON.parse((await orchard(serverDir, 'server', 'devices', '--json')).out) as { id: string; name: string }[]
    const device = devices.find((d) => d.name === '前台电脑')!
    expect(device).toBeTruthy()
    const revoked = await orchard(serverDir, 'server', 'revoke', device.id)
    expect(revoked.code).toBe(0)
    expect(revoked.out).toContain(`已撤销 / revoked: 前台电脑 (${device.id})`)

    const refused = await orchard(station, 'sync', '--once')
    expect(refused.code).toBe(2)
    expect(refused.err).toContain('sync_revoked')
    expect(refused.err).toContain('revoked this device')
    const status = JSON.parse((await orchard(station, 'sync', 'status', '--json')).out)
    expect(status).toMatchObject({ phase: 'revoked', enrolled: true })

    const unknown = await orchard(serverDir, 'server', 'revoke', 'dev_nonexistent', '--json')
    expect(unknown.code).toBe(2)
    expect(JSON.parse(unknown.out).error.code).toBe('device_unknown')
  })

  it('refuses bad usage with a located message', async () => {
    const notUrl = await orchard(station, 'sync', 'enrol', '--server', 'my-server', '--code', 'ABCD-EFGH')
    expect(notUrl.code).toBe(2)
    expect(notUrl.err).toContain('server')
    const missing = await orchard(station, 'sync', 'enrol', '--server', serverUrl)
    expect(missing.code).toBe(2)
    expect(missing.err).toContain('--code')
    const badPort = await orchard(serverDir, 'server', '--port', '70000')
    expect(badPort.code).toBe(2)
  })

  it('works on the server’s database directly when it is stopped, and marks a restore', async () => {
    expect(await stopServer()).toBe(0)
    expect(existsSync(join(serverDir, 'server.json'))).toBe(false)
    const code = await orchard(serverDir, 'server', 'enrol', '--team', '杭州一队', '--json')
    expect(code.code).toBe(0)
    expect(JSON.parse(code.out)).toMatchObject({ team: '杭州一队', server: null })
    const restored = await orchard(serverDir, 'server', 'restored', '--json')
    expect(restored.code).toBe(0)
    const { serverId } = JSON.parse(restored.out) as { serverId: string }

    // Back up: the workstation enrols again with the code made while the server was down.
    serverUrl = await startServer()
    const enrolled = await orchard(station, 'sync', 'enrol', '--server', serverUrl, '--code', JSON.parse(code.out).code, '--json')
    expect(enrolled.code).toBe(0)
    const once = JSON.parse((await orchard(station, 'sync', '--once', '--json')).out)
    expect(once).toMatchObject({ accepted: 80, pending: 0 })
    const hello = await fetch(`${serverUrl}/v1/health`).then((r) => r.json() as Promise<{ serverId: string }>)
    expect(hello.serverId).toBe(serverId)

    const forgot = await orchard(station, 'sync', 'forget')
    expect(forgot.code).toBe(0)
    expect(forgot.out).toContain('disconnected')
    const core = createCore({ dataDir: station, host: 'test', firstStart: 'empty' })
    expect(ledgerTotals(core).entries).toBe(80)
    await core.close()
  })
})

describe('orchard sync --once on a new workstation', () => {
  it('starts from the team’s snapshot and says so: records.bootstrap with the records, the server sequence and the time', async () => {
    const codeFor = async () => (JSON.parse((await orchard(serverDir, 'server', 'enrol', '--team', '宁波一队', '--json')).out) as { code: string }).code
    const first = join(dir, 'bootstrap-first')
    const core = createCore({ dataDir: first, host: 'test', firstStart: 'empty' })
    for (const [i, name] of ['王芳', '李娜', '张敏'].entries()) await core.invoke('customers', 'create', { name, phones: [`1380013810${i}`] })
    await core.close()
    expect((await orchard(first, 'sync', 'enrol', '--server', serverUrl, '--code', await codeFor(), '--json')).code).toBe(0)
    expect(JSON.parse((await orchard(first, 'sync', '--once', '--json')).out)).toMatchObject({ records: { pushed: 3, pending: 0 } })

    const fresh = join(dir, 'bootstrap-fresh')
    expect((await orchard(fresh, 'sync', 'enrol', '--server', serverUrl, '--code', await codeFor(), '--json')).code).toBe(0)
    const once = JSON.parse((await orchard(fresh, 'sync', '--once', '--json')).out) as { records: { pulled: number; bootstrap?: { records: number; seq: number; ms: number } } }
    expect(once.records.bootstrap).toMatchObject({ records: 3, seq: expect.any(Number) as number, ms: expect.any(Number) as number })
    expect(once.records.bootstrap!.seq).toBeGreaterThanOrEqual(3)
    // Only a workstation that starts from nothing takes a snapshot; the next round pulls the changes after it.
    const again = await orchard(fresh, 'sync', '--once')
    expect(again.out).not.toContain('团队快照')
    const other = join(dir, 'bootstrap-human')
    await orchard(other, 'sync', 'enrol', '--server', serverUrl, '--code', await codeFor())
    const human = await orchard(other, 'sync', '--once')
    expect(human.out).toContain('新工作站从团队快照开始：3 条记录')
    expect(human.out).toContain("a new workstation started from the team's snapshot: 3 records")
  })
})
