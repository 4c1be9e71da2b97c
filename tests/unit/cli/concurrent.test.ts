import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createCore, type OrchardCore } from '../../../src-main/core/api'
import { ORCHARD_BIN } from './run'

/**
 * A CLI import into the data folder the console has open, while the console keeps
 * editing. Once the import failed with a raw SQLITE_BUSY and the console's own writes
 * with "database is locked" (149 of 395); writers now wait their turn.
 */
const ROWS = 150_000

let dir: string
let core: OrchardCore
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-concurrent-'))
})
afterAll(async () => {
  await core?.close()
  rmSync(dir, { recursive: true, force: true })
})

it('a CLI import and the console’s edits in the same studio at once: none fails, both are there after', async () => {
  const dataDir = join(dir, 'studio')
  core = createCore({ dataDir, host: 'test', firstStart: 'empty' })
  const edited: string[] = []
  for (let i = 0; i < 20; i++) edited.push((await core.invoke('customers', 'create', { name: `老客户${i}`, phones: [`1370000${String(i).padStart(4, '0')}`] })).id)

  const lines = ['姓名,手机,备注']
  for (let i = 0; i < ROWS; i++) lines.push(`新客户${i},1${3800000000 + i},来自命令行`)
  const csv = join(dir, 'customers.csv')
  writeFileSync(csv, lines.join('\n') + '\n')
  // On the import thread (as a large file is), the run's transaction stays open while the rest of the file is validated.
  const child = spawn(process.execPath, [ORCHARD_BIN, 'import', 'customers', csv, '--json', '--data-dir', dataDir], {
    env: { ...process.env, ORCHARD_IMPORT_THREAD: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  let running = true
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      running = false
      resolve(code)
    }),
  )

  // The console edits and adds customers all along, until the import is over and 300 edits are done.
  const failures: unknown[] = []
  let edits = 0
  let whileImporting = 0
  const added: string[] = []
  while (running || edits < 300) {
    const importing = running
    try {
      await core.invoke('customers', 'update', { id: edited[edits % edited.length], patch: { notes: `第 ${edits} 次修改` } })
      if (edits % 10 === 0) added.push((await core.invoke('customers', 'create', { name: `前台新增${edits}` })).id)
      if (importing) whileImporting++
    } catch (err) {
      failures.push(err)
    }
    edits++
    // As the console's requests arrive (IPC, HTTP): one at a time, with the event loop turning in between.
    await new Promise((resolve) => setImmediate(resolve))
  }
  const code = await exited

  expect(failures).toEqual([])
  expect(whileImporting).toBeGreaterThan(0)
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
  expect(JSON.parse(stdout)).toMatchObject({ committed: true, inserted: ROWS, errorCount: 0 })
  const db = core.context.db
  expect(db.prepare(`SELECT COUNT(*) FROM customers WHERE notes = '来自命令行'`).pluck().get()).toBe(ROWS)
  expect(db.prepare('SELECT COUNT(*) FROM customers').pluck().get()).toBe(ROWS + edited.length + added.length)
  const last = edits - 1
  expect(db.prepare('SELECT notes FROM customers WHERE id = ?').pluck().get(edited[last % edited.length])).toBe(`第 ${last} 次修改`)
}, 600_000)
