import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest'
import { createCore, type OrchardCore } from '../../../src-main/core/api'
import { jobRow, jobSummary } from '../../../src-main/core/jobs/durable'
import { recordJobStart } from '../../../src-main/core/jobs/records'
import { startBrowserHost, type BrowserHost } from '../../../src-main/host/server'

/**
 * The console's cancel over the real transport (browser mode's HTTP): a long export holds
 * the write queue, and a cancel must not wait behind it — nor behind the backup queued
 * after it.
 */
let dir: string
let core: OrchardCore
let host: BrowserHost

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-cancel-'))
  const staticDir = join(dir, 'renderer')
  mkdirSync(staticDir)
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>果园</title>')
  core = createCore({ dataDir: join(dir, 'data'), host: 'browser', firstStart: 'empty' })
  host = await startBrowserHost({ core, staticDir })
})
afterEach(async () => {
  await host.close()
  await core.close()
  rmSync(dir, { recursive: true, force: true })
})

interface Answer<T> {
  ok: boolean
  value?: T
  error?: { code: string; message: string; details?: Record<string, unknown> }
}
async function call<T = unknown>(name: string, body: unknown): Promise<Answer<T>> {
  const res = await fetch(`http://127.0.0.1:${host.port}/api/call/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${host.token}` },
    body: JSON.stringify(body),
  })
  return (await res.json()) as Answer<T>
}

/** A catalogue big enough that writing it out takes many turns of the event loop. */
function manyProducts(n: number): void {
  const now = core.context.clock.now().toISOString()
  core.context.db
    .prepare(
      `WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
       INSERT INTO products (id, sku, name, brand, category, list_price_fen, sale_price_fen, price_floor_fen, stock, facts, created_at, updated_at)
       SELECT printf('p%07d', i), printf('SKU-%07d', i), printf('长效保湿面霜 第%d号 Long-lasting moisturising cream', i), '果园', '护肤', 19900, 15900, 9900, 10,
              '适合干性肤质，早晚各一次 / for dry skin, morning and evening', ?, ? FROM seq`,
    )
    .run(n, now, now)
}

const jobState = (id: string) => core.context.db.prepare('SELECT status FROM jobs WHERE id = ?').pluck().get(id) as string | undefined

describe('jobs.cancel over HTTP', () => {
  it('stops a long export while it holds the write queue, answered at once, leaving no file, no temporary and the job recorded cancelled', async () => {
    manyProducts(300_000)
    const exportsDir = core.paths.exports
    const filesBefore = existsSync(exportsDir) ? readdirSync(exportsDir) : []
    const productsBefore = core.context.db.prepare('SELECT COUNT(*) FROM products').pluck().get()

    const writing = new Promise<void>((resolve) => {
      const off = core.on('job.progress', (p) => {
        if (p.jobId === 'export-long' && p.phase === 'rows') {
          off()
          resolve()
        }
      })
    })
    let exportEnded = false
    const exporting = call('exports.run', { entity: 'products', format: 'csv', jobId: 'export-long' }).finally(() => (exportEnded = true))
    // A backup asked for meanwhile waits its turn in the write queue behind the export.
    const backingUp = call('backups.create', { jobId: 'backup-waiting' })
    await writing

    const waiting = await call('jobs.cancel', { jobId: 'backup-waiting' })
    expect(waiting).toEqual({ ok: true, value: { jobId: 'backup-waiting', state: 'waiting' } })
    const cancelled = await call('jobs.cancel', { jobId: 'export-long' })
    expect(cancelled).toEqual({ ok: true, value: { jobId: 'export-long', state: 'stopping' } })
    // Both answered while the export was still writing: a cancel does not queue behind it.
    expect(exportEnded).toBe(false)

    const exported = await exporting
    expect(exported.ok).toBe(false)
    expect(exported.error).toMatchObject({ code: 'cancelled', details: { jobId: 'export-long' } })
    const backup = await backingUp
    expect(backup.ok).toBe(false)
    expect(backup.error).toMatchObject({ code: 'cancelled', details: { jobId: 'backup-waiting' } })

    // Nothing half-written: no export, no temporary file, no backup; the studio as it was.
    expect(existsSync(exportsDir) ? readdirSync(exportsDir) : []).toEqual(filesBefore)
    expect((await call<unknown[]>('backups.list', {})).value).toEqual([])
    expect(core.context.db.prepare('SELECT COUNT(*) FROM products').pluck().get()).toBe(productsBefore)
    expect(jobState('export-long')).toBe('cancelled')
    expect(jobState('backup-waiting')).toBe('cancelled')
    // Asked again, the cancel reports what was recorded.
    expect((await call('jobs.cancel', { jobId: 'export-long' })).value).toEqual({ jobId: 'export-long', state: 'cancelled' })

    // The same export run to its end is published whole and recorded done.
    const again = await call<{ path: string; rows: number }>('exports.run', { entity: 'products', format: 'csv', jobId: 'export-again' })
    expect(again.value?.rows).toBe(300_000)
    expect(readdirSync(exportsDir)).toHaveLength(filesBefore.length + 1)
    expect(jobState('export-again')).toBe('done')
    expect((await call('jobs.cancel', { jobId: 'export-again' })).value).toEqual({ jobId: 'export-again', state: 'done' })
  }, 120_000)

  it('stops an import between its batches, on its thread or not: nothing written, no run recorded, the file still there to import, the job recorded cancelled', async () => {
    const customers = ['姓名,手机,备注']
    for (let i = 0; i < 60_000; i++) customers.push(`客户${i},1${String(3_000_000_000 + i)},老客户 第${i}位`)
    const products = ['商品编码,商品名称,售价,划线价,最低价,库存']
    for (let i = 0; i < 60_000; i++) products.push(`SKU-${i},面霜 ${i},159,199,99,10`)
    const studio = () => ({
      customers: core.context.db.prepare('SELECT COUNT(*) FROM customers').pluck().get(),
      products: core.context.db.prepare('SELECT COUNT(*) FROM products').pluck().get(),
      runs: core.context.db.prepare('SELECT COUNT(*) FROM import_runs').pluck().get(),
    })
    const before = studio()
    // Customers are validated (and written as they go) on the import's thread, products on the host's.
    const threadSetting = process.env.ORCHARD_IMPORT_THREAD
    process.env.ORCHARD_IMPORT_THREAD = '1'
    onTestFinished(() => {
      if (threadSetting === undefined) delete process.env.ORCHARD_IMPORT_THREAD
      else process.env.ORCHARD_IMPORT_THREAD = threadSetting
    })
    for (const [entity, csv] of [
      ['customers', customers.join('\n')],
      ['products', products.join('\n')],
    ] as const) {
      const up = await fetch(`http://127.0.0.1:${host.port}/api/upload?name=${entity}.csv`, {
        method: 'POST',
        headers: { authorization: `Bearer ${host.token}`, 'content-type': 'text/csv' },
        body: csv,
      })
      const { path } = (await up.json()) as { path: string }
      const jobId = `import-${entity}`
      const validating = new Promise<void>((resolve) => {
        const off = core.on('job.progress', (p) => {
          if (p.jobId === jobId && p.phase === 'validate' && p.done > 0) {
            off()
            resolve()
          }
        })
      })
      let ended = false
      const importing = call('imports.run', { entity, path, jobId }).finally(() => (ended = true))
      await validating
      expect((await call('jobs.cancel', { jobId })).value).toEqual({ jobId, state: 'stopping' })
      expect(ended).toBe(false)
      const result = await importing
      expect(result.ok).toBe(false)
      expect(result.error).toMatchObject({ code: 'cancelled', details: { jobId } })
      expect(studio()).toEqual(before)
      expect(existsSync(path)).toBe(true)
      // The import is a job of the engine: its record by the console's id says how it ended.
      expect(jobState(jobId)).toBe('cancelled')
      expect((await call('jobs.cancel', { jobId })).value).toEqual({ jobId, state: 'cancelled' })
    }
    const small = (await (await fetch(`http://127.0.0.1:${host.port}/api/upload?name=few.csv`, {
      method: 'POST',
      headers: { authorization: `Bearer ${host.token}`, 'content-type': 'text/csv' },
      body: customers.slice(0, 4).join('\n'),
    })).json()) as { path: string }
    expect((await call('imports.run', { entity: 'customers', path: small.path, jobId: 'import-small' })).value).toMatchObject({ committed: true, inserted: 3 })
    expect(core.context.db.prepare('SELECT status, total, kind FROM jobs WHERE id = ?').get('import-small')).toEqual({ status: 'done', total: 3, kind: 'import' })
  }, 120_000)

  it('finds an import a crash stopped by its id, as interrupted, and aborts it cleanly: nothing of it was written', async () => {
    // What a process killed during an import leaves: the job's record says running, and no
    // run of it is alive here. Its write was one transaction, which SQLite took back.
    const before = core.context.db.prepare('SELECT COUNT(*) FROM customers').pluck().get()
    recordJobStart(core.context, { id: 'import-crashed', kind: 'import', label: '客户.csv', outDir: core.paths.staging })
    expect(jobSummary(core.context.db, jobRow(core.context.db, 'import-crashed')).status).toBe('interrupted')
    expect((await call('jobs.cancel', { jobId: 'import-crashed' })).value).toEqual({ jobId: 'import-crashed', state: 'cancelled' })
    expect(jobState('import-crashed')).toBe('cancelled')
    expect(core.context.db.prepare('SELECT COUNT(*) FROM customers').pluck().get()).toBe(before)
  })
})
