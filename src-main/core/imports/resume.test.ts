import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { JobCancelResult } from '../../../src-shared/schemas'
import { createCore, type OrchardCore } from '../api'
import { fixedClock } from '../clock'

let dir: string
let core: OrchardCore
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-import-resume-'))
  core = createCore({ dataDir: join(dir, 'data'), host: 'test', firstStart: 'empty', clock: fixedClock('2026-11-20T04:00:00Z') })
})
afterEach(async () => {
  await core.close()
  rmSync(dir, { recursive: true, force: true })
})

const db = () => core.context.db
const customers = () => db().prepare('SELECT name, phones FROM customers ORDER BY name').all() as { name: string; phones: string }[]
const jobStatus = (jobId: string) => db().prepare('SELECT status FROM jobs WHERE id = ?').pluck().get(jobId)

/** A customer file of `rows` rows, the last `bad` of them with a phone no one can have. */
function customerFile(name: string, rows: number, bad = 0): string {
  const lines = ['姓名,手机,备注']
  for (let i = 0; i < rows; i++) lines.push(`客户${String(i).padStart(5, '0')},${i >= rows - bad ? '12345' : `13${String(100000000 + i)}`},第${i}行`)
  const path = join(dir, name)
  writeFileSync(path, lines.join('\n') + '\n')
  return path
}

/**
 * An import stopped mid-validation as a crash stops it: the process gone before the write's
 * transaction committed, so nothing of it is in the studio, and its job record still says
 * running. (In the process it is stopped by a cancel, then its record put back as the crash
 * leaves it; tests/unit/cli/importResume.test.ts kills a real one with SIGKILL.)
 */
async function interruptedImport(path: string, jobId: string, extra: Record<string, unknown> = {}): Promise<void> {
  let cancelled: Promise<JobCancelResult> | null = null
  const off = core.on('job.progress', (p) => {
    if (p.jobId === jobId && p.phase === 'validate' && p.done > 0 && !cancelled) cancelled = core.invoke('jobs', 'cancel', { jobId })
  })
  await expect(core.invoke('imports', 'run', { entity: 'customers', path, jobId, ...extra })).rejects.toMatchObject({ code: 'cancelled' })
  off()
  expect(await cancelled).toEqual({ jobId, state: 'stopping' })
  db().prepare(`UPDATE jobs SET status = 'running', error = NULL WHERE id = ?`).run(jobId)
}

describe('an interrupted import', () => {
  it('is listed as interrupted and resumed by its job id alone: every row once, none lost', async () => {
    const path = customerFile('big.csv', 9000)
    const before = customers()
    await interruptedImport(path, 'import-1', { mode: 'all-or-nothing', saveMapping: false })
    expect(customers()).toEqual(before)
    expect(await core.invoke('imports', 'history', {})).toEqual([])
    expect(await core.invoke('imports', 'unfinished', {})).toEqual([
      { jobId: 'import-1', entity: 'customers', fileName: 'big.csv', mode: 'all-or-nothing', status: 'interrupted', error: null, createdAt: '2026-11-20T04:00:00.000Z' },
    ])

    const result = await core.invoke('imports', 'resume', { jobId: 'import-1' })
    expect(result).toMatchObject({ committed: true, inserted: 9000, rejectedRows: 0, fileName: 'big.csv', mode: 'all-or-nothing' })
    const after = customers()
    expect(after).toHaveLength(9000)
    expect(new Set(after.map((c) => c.phones)).size).toBe(9000)
    expect(after[8999]).toEqual({ name: '客户08999', phones: '["+8613100008999"]' })
    expect(jobStatus('import-1')).toBe('done')
    expect(await core.invoke('imports', 'unfinished', {})).toEqual([])
    expect((await core.invoke('imports', 'history', {})).map((r) => r.inserted)).toEqual([9000])

    // A finished import is not run twice: refused, and the studio is as it was.
    await expect(core.invoke('imports', 'resume', { jobId: 'import-1' })).rejects.toMatchObject({ code: 'job_finished', details: { jobId: 'import-1' } })
    expect(customers()).toEqual(after)
    await expect(core.invoke('imports', 'resume', { jobId: 'no-such-job' })).rejects.toMatchObject({ code: 'not_found', details: { value: 'no-such-job' } })
  })

  it('keeps its mode and located errors when resumed: all-or-nothing refuses the same rows, valid-rows writes the rest', async () => {
    const path = customerFile('bad.csv', 9000, 2)
    await interruptedImport(path, 'strict')
    const strict = await core.invoke('imports', 'resume', { jobId: 'strict' })
    expect(strict).toMatchObject({ committed: false, inserted: 8998, rejectedRows: 2, errorCount: 2 })
    expect(strict.errors).toEqual([
      expect.objectContaining({ row: 9000, column: '手机', value: '12345' }),
      expect.objectContaining({ row: 9001, column: '手机', value: '12345' }),
    ])
    expect(customers()).toEqual([])
    // Refused, not interrupted: it finished, and there is nothing to resume.
    expect(jobStatus('strict')).toBe('done')

    await interruptedImport(path, 'lenient', { mode: 'valid-rows' })
    const lenient = await core.invoke('imports', 'resume', { jobId: 'lenient' })
    expect(lenient).toMatchObject({ committed: true, mode: 'valid-rows', inserted: 8998, rejectedRows: 2 })
    expect(lenient.errors.map((e) => e.row)).toEqual([9000, 9001])
    expect(customers()).toHaveLength(8998)
  })

  it('whose write committed is finished with it: the job is settled in the same transaction', async () => {
    const path = customerFile('small.csv', 50)
    await core.invoke('imports', 'run', { entity: 'customers', path, jobId: 'once' })
    const after = customers()
    expect(after).toHaveLength(50)
    expect(jobStatus('once')).toBe('done')
    await expect(core.invoke('imports', 'resume', { jobId: 'once' })).rejects.toMatchObject({ code: 'job_finished' })
    expect(customers()).toEqual(after)
  })

  it('is resumed after a cancel too, and one recorded without its request is refused, unchanged', async () => {
    const path = customerFile('big.csv', 9000)
    await interruptedImport(path, 'again')
    db().prepare(`UPDATE jobs SET status = 'cancelled' WHERE id = ?`).run('again')
    expect((await core.invoke('imports', 'unfinished', {})).map((j) => [j.jobId, j.status])).toEqual([['again', 'cancelled']])
    expect(await core.invoke('imports', 'resume', { jobId: 'again' })).toMatchObject({ committed: true, inserted: 9000 })

    // An import recorded before requests were kept with the job.
    db().prepare(`INSERT INTO jobs (id, kind, request_key, params, label, out_dir, status, total, created_at, updated_at) VALUES ('old', 'import', 'old', '{}', 'old.csv', ?, 'running', 0, ?, ?)`).run(dir, '2026-11-19T00:00:00.000Z', '2026-11-19T00:00:00.000Z')
    await expect(core.invoke('imports', 'resume', { jobId: 'old' })).rejects.toMatchObject({ code: 'job_not_resumable', details: { jobId: 'old' } })
    expect(jobStatus('old')).toBe('running')
    expect(customers()).toHaveLength(9000)
  })
})

describe('a cancelled import', () => {
  it('leaves the studio exactly as before, on the import thread too (whose write was under way)', async () => {
    for (const thread of ['0', '1']) {
      process.env.ORCHARD_IMPORT_THREAD = thread
      try {
        // The studio holds customers the file would update, and one it does not name.
        await core.invoke('imports', 'run', { entity: 'customers', path: customerFile('first.csv', 30), mode: 'valid-rows' })
        await core.invoke('customers', 'create', { name: '老客户', phones: ['13900000001'] })
        const before = db().prepare('SELECT * FROM customers ORDER BY id').all()
        const runsBefore = await core.invoke('imports', 'history', {})
        await interruptedImport(customerFile('second.csv', 20_000), `cancel-${thread}`, { mode: 'valid-rows' })
        expect(db().prepare('SELECT * FROM customers ORDER BY id').all()).toEqual(before)
        expect(await core.invoke('imports', 'history', {})).toEqual(runsBefore)
        db().prepare('DELETE FROM customers').run()
      } finally {
        delete process.env.ORCHARD_IMPORT_THREAD
      }
    }
  })
})
