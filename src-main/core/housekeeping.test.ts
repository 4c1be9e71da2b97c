import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createCore, type OrchardCore } from './api'
import type { Clock } from './clock'
import { actAs } from './lifecycle/lifecycle.testkit'

let dir: string
let now: number
const clock: Clock = { now: () => new Date(now) }
const cores: OrchardCore[] = []
const open = (host: 'browser' | 'test' = 'test', name = 'data') => {
  const core = createCore({ dataDir: join(dir, name), host, firstStart: 'empty', clock })
  cores.push(core)
  return core
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-housekeeping-'))
  now = Date.now()
})
afterEach(async () => {
  for (const core of cores.splice(0)) await core.close()
  rmSync(dir, { recursive: true, force: true })
})

const mode = (path: string) => statSync(path).mode & 0o777

describe.skipIf(process.platform === 'win32')('file modes', () => {
  it('keeps the database, backups, uploads, exports and the payout key to their owner: 0600 files in 0700 folders', async () => {
    const core = open()
    actAs(core, 'manager')
    await core.invoke('customers', 'create', { name: '王芳', phones: ['13800138000'] })
    const backup = await core.invoke('backups', 'create', {})
    const exported = await core.invoke('exports', 'run', { entity: 'customers', format: 'csv' })
    const report = await core.invoke('ledger', 'export', { report: 'summary', format: 'csv', period: '2026-11' })
    core.context.keyStore.dataKey()
    const p = core.paths
    for (const folder of [p.dataDir, p.backups, p.staging, p.exports]) expect(mode(folder), folder).toBe(0o700)
    for (const file of [p.database, `${p.database}-wal`, `${p.database}-shm`, backup.path, exported.path, report.path, join(p.dataDir, 'ledger.key')]) {
      expect(existsSync(file), file).toBe(true)
      expect(mode(file), file).toBe(0o600)
    }
  })

  it('narrows a data folder an older version left readable by everyone', async () => {
    const first = open()
    await first.close()
    cores.length = 0
    const data = join(dir, 'data')
    chmodSync(data, 0o755)
    chmodSync(join(data, 'orchard.db'), 0o644)
    chmodSync(join(data, 'backups'), 0o755)
    open()
    expect(mode(data)).toBe(0o700)
    expect(mode(join(data, 'orchard.db'))).toBe(0o600)
    expect(mode(join(data, 'backups'))).toBe(0o700)
  })
})

describe('leftovers', () => {
  const age = (path: string, days: number) => {
    const at = new Date(now - days * 86_400_000)
    utimesSync(path, at, at)
  }

  it('are removed after a day in browser mode: uploads waiting in staging/, exports waiting in exports/', async () => {
    const core = open('browser')
    const p = core.paths
    const oldUpload = join(p.staging, 'old.csv')
    const freshUpload = join(p.staging, 'fresh.csv')
    const oldExport = join(p.exports, 'customers-old.csv')
    const oldKit = join(p.exports, 'kits-old')
    const freshKit = join(p.exports, 'kits-new')
    mkdirSync(oldKit)
    mkdirSync(freshKit)
    for (const f of [oldUpload, freshUpload, oldExport, join(oldKit, 'a.zip'), join(freshKit, 'b.zip')]) writeFileSync(f, 'x')
    for (const f of [oldUpload, oldExport, join(oldKit, 'a.zip'), oldKit]) age(f, 2)
    const restoreLeft = join(p.dataDir, 'orchard.db.restore-1-2.partial')
    writeFileSync(restoreLeft, 'x')
    age(restoreLeft, 2)

    await core.maintenance()
    expect(existsSync(oldUpload)).toBe(false)
    expect(existsSync(oldExport)).toBe(false)
    expect(existsSync(oldKit)).toBe(false)
    expect(existsSync(restoreLeft)).toBe(false)
    expect(existsSync(freshUpload)).toBe(true)
    expect(existsSync(join(freshKit, 'b.zip'))).toBe(true)
    expect(existsSync(p.staging) && existsSync(p.exports)).toBe(true)
  })

  it('leave the desktop’s exports alone: there they are the person’s files', async () => {
    const core = open('test')
    const kept = join(core.paths.exports, 'kits-old', 'a.zip')
    mkdirSync(join(core.paths.exports, 'kits-old'))
    writeFileSync(kept, 'x')
    age(kept, 30)
    await core.maintenance()
    expect(existsSync(kept)).toBe(true)
  })
})
