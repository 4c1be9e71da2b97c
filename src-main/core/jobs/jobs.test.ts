import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createCore, type OrchardCore } from '../api'
import { fixedClock } from '../clock'
import { migrate, registerFunctions } from '../db/connection'
import { migrations } from '../db/migrations'
import { cancelJob, createJob, jobRow, jobSummary, launchJob, reopenJob, retireJob, type JobItem } from './durable'
import { isTemporary, produceOutput, removeTemporaries, temporaryFor, writeOutput } from './outputs'
import { cancelFileJob, runFileJob } from './fileJob'
import { progressMeter } from './progress'

let dir: string
let core: OrchardCore
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-jobs-'))
  core = createCore({ dataDir: join(dir, 'data'), host: 'test', firstStart: 'empty', clock: fixedClock('2026-11-20T04:00:00Z') })
})
afterEach(async () => {
  await core.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('outputs', () => {
  it('reach their name whole or not at all, and a killed writer’s leftovers are found by their one name shape', async () => {
    const target = join(dir, 'out', '文案.txt')
    expect(writeOutput(target, '早安').bytes).toBe(6)
    expect(readFileSync(target, 'utf8')).toBe('早安')
    // A writer that fails leaves the old file and no temporary.
    await expect(produceOutput(target, async (temp) => writeFileSync(temp, 'half'), () => Promise.reject(new Error('checked: bad')))).rejects.toThrow('checked: bad')
    expect(readFileSync(target, 'utf8')).toBe('早安')
    expect(readdirSync(join(dir, 'out'))).toEqual(['文案.txt'])
    // What kill -9 would leave: a temporary of the one shape, which removeTemporaries finds; other files stay.
    const left = temporaryFor(join(dir, 'out', 'poster.jpg'))
    expect(left.endsWith('.jpg')).toBe(true)
    expect(isTemporary(left)).toBe(true)
    writeFileSync(left, 'x')
    writeFileSync(join(dir, 'out', 'notes.tmp'), 'mine')
    expect(removeTemporaries(join(dir, 'out'))).toBe(1)
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['notes.tmp', '文案.txt'])
  })

  it('report progress in one shape, with a rate and the time left once there is something to measure', async () => {
    const events: unknown[] = []
    const report = progressMeter({ emit: (_e, p) => events.push(p) }, 'job-1', 'packs')
    report('generate', 0, 10)
    await new Promise((r) => setTimeout(r, 600))
    report('generate', 5, 10)
    report('generate', 10, 10)
    expect(events[0]).toEqual({ jobId: 'job-1', kind: 'packs', phase: 'generate', done: 0, total: 10 })
    expect(events.at(-1)).toMatchObject({ jobId: 'job-1', kind: 'packs', phase: 'generate', done: 10, total: 10, etaSeconds: 0 })
    expect((events.at(-1) as { rate: number }).rate).toBeGreaterThan(0)
    // Nobody follows a job without an id: nothing is sent.
    progressMeter({ emit: () => events.push('sent') }, undefined, 'packs')('generate', 1, 2)
    expect(events).not.toContain('sent')
  })
})

describe('durable jobs', () => {
  const items = (n: number) => Array.from({ length: n }, (_, i) => ({ kind: 'note', owner: i % 2 ? 'b' : 'a', spec: { n: i }, file: `${i % 2 ? 'b' : 'a'}/${i}.txt` }))
  const worker = (made: number[], stopAt?: { n: number; then: () => void }) => ({
    produce: async (item: JobItem) => {
      const n = (JSON.parse(item.spec) as { n: number }).n
      if (stopAt && n === stopAt.n) stopAt.then()
      made.push(n)
      return Buffer.from(`item ${n}`)
    },
  })

  it('resume by id where they stopped: nothing made twice, every file whole with its hash recorded', async () => {
    const ctx = core.context
    const out = join(dir, 'notes')
    const id = createJob(ctx, { kind: 'notes', key: 'k', params: {}, label: '2026-11-21', outDir: out, items: items(20) })
    const made: number[] = []
    await expect(launchJob(ctx, id, worker(made, { n: 7, then: () => void cancelJob(ctx, id) }))).rejects.toMatchObject({ code: 'cancelled' })
    const stopped = jobSummary(ctx.db, jobRow(ctx.db, id))
    expect(stopped.status).toBe('cancelled')
    expect(stopped.done).toBeLessThan(20)
    reopenJob(ctx, id)
    await launchJob(ctx, id, worker(made))
    expect(made.sort((a, b) => a - b)).toEqual([...Array(20).keys()])
    const row = jobSummary(ctx.db, jobRow(ctx.db, id))
    expect(row).toMatchObject({ status: 'done', done: 20, total: 20, owners: 2, resumed: true })
    expect(readFileSync(join(out, 'b', '7.txt'), 'utf8')).toBe('item 7')
    expect(() => reopenJob(ctx, id)).toThrow(/finished/)
  })

  it('retire an earlier run: only the files it made go, and folders they leave empty; a person’s own files stay', async () => {
    const ctx = core.context
    const out = join(dir, 'notes')
    const id = createJob(ctx, { kind: 'notes', key: 'k', params: {}, label: 'x', outDir: out, items: items(4) })
    await launchJob(ctx, id, worker([]))
    writeFileSync(join(out, 'a', 'mine.txt'), 'keep me')
    expect(retireJob(ctx, jobRow(ctx.db, id), 'newer')).toBe(4)
    expect(existsSync(join(out, 'b'))).toBe(false)
    expect(readdirSync(join(out, 'a'))).toEqual(['mine.txt'])
    expect(jobRow(ctx.db, id)).toMatchObject({ status: 'replaced', replaced_by: 'newer' })
  })
})

describe('migration 0010 (one table of durable jobs)', () => {
  it('carries a studio’s pack jobs and their items over with their ids, so an interrupted one still resumes', () => {
    const db = new Database(join(dir, 'v9.db'))
    registerFunctions(db)
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)')
    for (const m of migrations.filter((x) => x.version <= 9)) {
      db.exec(m.sql)
      db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, '2026-11-01')
    }
    db.prepare(
      `INSERT INTO material_jobs (id, request_key, params, date, out_dir, status, total, warnings, created_at, updated_at, run_ms, runs) VALUES ('j1', 'key', '{"date":"2026-11-21"}', '2026-11-21', '/out', 'running', 2, '[]', 'c', 'u', 1500, 2)`,
    ).run()
    db.prepare(`INSERT INTO material_job_items (job_id, seq, kind, member_id, spec, file, sha256, bytes, done_at) VALUES ('j1', 0, 'poster', 'm1', '{}', 'A/1.jpg', 'abc', 10, 'd'), ('j1', 1, 'manifest', 'm1', '{}', 'A/manifest.json', NULL, NULL, NULL)`).run()
    migrate(db)
    expect(db.prepare('SELECT id, kind, request_key, label, out_dir, status, total, run_ms, runs FROM jobs').all()).toEqual([
      { id: 'j1', kind: 'packs', request_key: 'key', label: '2026-11-21', out_dir: '/out', status: 'running', total: 2, run_ms: 1500, runs: 2 },
    ])
    expect(db.prepare('SELECT seq, kind, owner_id, file, done_at FROM job_items ORDER BY seq').all()).toEqual([
      { seq: 0, kind: 'poster', owner_id: 'm1', file: 'A/1.jpg', done_at: 'd' },
      { seq: 1, kind: 'manifest', owner_id: 'm1', file: 'A/manifest.json', done_at: null },
    ])
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name LIKE 'material_job%'`).all()).toEqual([])
    db.close()
  })
})

describe('one-file jobs', () => {
  it('publish the checked file with its hash, or on a cancel or a refused check nothing at all', async () => {
    const events: { jobId: string; kind: string; phase: string; done: number; total: number }[] = []
    const ctx = { emit: (_event: string, payload: unknown) => void events.push(payload as (typeof events)[number]) }
    const out = join(dir, 'exports')
    const made = await runFileJob(ctx as never, { jobId: 'j1', kind: 'export', target: join(out, '客户.csv') }, async (temp, { report }) => {
      writeFileSync(temp, '姓名\n王芳\n')
      report('rows', 1, 1)
    })
    expect(readFileSync(made.path, 'utf8')).toBe('姓名\n王芳\n')
    expect(made.sha256).toBe(createHash('sha256').update('姓名\n王芳\n').digest('hex'))
    expect(events).toEqual([{ jobId: 'j1', kind: 'export', phase: 'rows', done: 1, total: 1 }])

    const stopped = runFileJob(ctx as never, { jobId: 'j2', kind: 'export', target: join(out, '订单.csv') }, async (temp, { stopIfCancelled }) => {
      writeFileSync(temp, '半个文件')
      expect(cancelFileJob('j2')).toBe(true)
      stopIfCancelled()
    })
    await expect(stopped).rejects.toMatchObject({ code: 'cancelled', details: { jobId: 'j2' } })
    // A cancel after the job ended finds nothing to stop.
    expect(cancelFileJob('j2')).toBe(false)

    const refused = runFileJob(ctx as never, { kind: 'export', target: join(out, '商品.csv') }, async (temp) => writeFileSync(temp, ''), () => {
      throw new Error('empty')
    })
    await expect(refused).rejects.toThrow('empty')
    expect(readdirSync(out)).toEqual(['客户.csv'])
  })
})
