import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { OrchardError } from '../../../src-shared/errors'
import type { CoreContext } from '../context'
import type { Db } from '../db/connection'
import { JOBS, toJobItem, type DurableStatus, type JobItem, type JobItemRow, type JobRow } from '../db/tables/jobs'
import { decodeFields } from '../db/tables/table'
import { newId } from '../ids'
import { cancelledWhileWaiting } from './cancels'
import { removeTemporaries, writeOutput, type Output } from './outputs'
import { progressMeter } from './progress'

/**
 * Durable jobs: long work that makes many files (a day's material packs, a batch of
 * onboarding kits). A job's items are planned once and stored; each is then produced,
 * written under a temporary name, checked, renamed into place and only then marked
 * done with its hash. A job stopped at any moment — cancelled, failed, the app closed,
 * even kill -9 — resumes by its id (or by asking for the same work again): finished
 * items are kept, the rest made, nothing twice, and no half-written file is published.
 */

export type { DurableStatus, JobItem, JobRow }

/** One planned output of a job. `file` is relative to the job's folder. */
export interface PlannedItem {
  kind: string
  owner: string | null
  spec: unknown
  file: string
}

/** What a job looks like to the console and the CLI (a kind adds its own fields). */
export interface JobSummary {
  id: string
  label: string
  /** interrupted: left running by a process that stopped (a crash, kill -9); resuming it finishes it. */
  status: DurableStatus | 'interrupted'
  out: string
  done: number
  total: number
  owners: number
  bytes: number
  warnings: unknown[]
  /** True when the job took more than one run (resumed after a cancel, a failure or a crash). */
  resumed: boolean
  /** Time spent producing, summed over the job's runs (and the one under way). */
  durationMs: number
  /** Why the last run stopped, for a failed or cancelled job. */
  error: string | null
  createdAt: string
}

/** Makes one item: bytes for the runner to write, or the Output a producer wrote itself (video, zip). */
export interface JobWorker {
  produce(item: JobItem, signal: AbortSignal): Promise<Buffer | Output>
  /** Items that may be made together (posters on worker threads); others run one at a time, in order. */
  parallel?(item: JobItem): boolean
  /** After an item is done (e.g. a pack records its group's mass sends). */
  close?(): Promise<void>
}

/** How many parallel items are produced at once. */
const IN_FLIGHT = 8

/** Jobs producing in this process: what cancel stops, and what tells a live job from one a crash interrupted. */
const active = new Map<string, { abort: AbortController; done: Promise<void>; ctx: CoreContext; started: number }>()
/** The ids a console follows jobs by (chosen before the job existed): a cancel may name either. */
const followed = new Map<string, string>()

export function jobRow(db: Db, id: string, kind?: string): JobRow {
  const j = db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined
  if (!j || (kind && j.kind !== kind)) throw new OrchardError('not_found', `没有这个任务 / no such job: ${id}`, { field: 'jobId', value: id })
  return j
}

export function jobSummary(db: Db, j: JobRow): JobSummary {
  const live = active.get(j.id)
  const agg = db
    .prepare(`SELECT COUNT(*) AS done, COALESCE(SUM(bytes), 0) AS bytes, COUNT(DISTINCT owner_id) AS owners FROM job_items WHERE job_id = ? AND done_at IS NOT NULL`)
    .get(j.id) as { done: number; bytes: number; owners: number }
  const f = decodeFields(JOBS, j)
  return {
    id: j.id,
    label: f.label,
    status: j.status === 'running' && !live ? 'interrupted' : j.status,
    out: f.out,
    done: agg.done,
    total: f.total,
    owners: agg.owners,
    bytes: agg.bytes,
    warnings: f.warnings,
    resumed: j.runs > 1,
    durationMs: j.run_ms + (live && j.status === 'running' ? ranFor(live.started) : 0),
    error: j.error && j.status !== 'done' ? (JSON.parse(j.error) as { message: string }).message : null,
    createdAt: f.createdAt,
  }
}

export function listJobRows(db: Db, kind: string, limit = 50): JobRow[] {
  return db.prepare('SELECT * FROM jobs WHERE kind = ? ORDER BY created_at DESC, rowid DESC LIMIT ?').all(kind, limit) as JobRow[]
}

export function isActive(jobId: string): boolean {
  return active.has(jobId)
}

/** An unfinished job that asked for exactly this (same kind and key): asking again resumes it. */
export function resumableJob(db: Db, kind: string, key: string): string | undefined {
  return db
    .prepare(`SELECT id FROM jobs WHERE kind = ? AND request_key = ? AND status IN ('running', 'cancelled', 'failed') ORDER BY created_at DESC, rowid DESC LIMIT 1`)
    .pluck()
    .get(kind, key) as string | undefined
}

/** Earlier jobs of this kind whose files are in `outDir` (finished or not): a new run there would mix with them. */
export function jobsInFolder(db: Db, kind: string, outDir: string): JobRow[] {
  return db.prepare(`SELECT * FROM jobs WHERE kind = ? AND out_dir = ? AND status <> 'replaced' ORDER BY created_at, rowid`).all(kind, outDir) as JobRow[]
}

/** Stores a new job and its planned items in one transaction; returns its id. */
export function createJob(
  ctx: CoreContext,
  job: { kind: string; key: string; params: unknown; label: string; outDir: string; items: PlannedItem[]; warnings?: unknown[] },
): string {
  const db = ctx.db
  const id = newId()
  const now = ctx.clock.now().toISOString()
  const insertItem = db.prepare('INSERT INTO job_items (job_id, seq, kind, owner_id, spec, file) VALUES (?, ?, ?, ?, ?, ?)')
  db.transaction(() => {
    db.prepare(
      `INSERT INTO jobs (id, kind, request_key, params, label, out_dir, status, total, warnings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)`,
    ).run(id, job.kind, job.key, JSON.stringify(job.params), job.label, job.outDir, job.items.length, JSON.stringify(job.warnings ?? []), now, now)
    job.items.forEach((it, seq) => insertItem.run(id, seq, it.kind, it.owner, JSON.stringify(it.spec), it.file))
  })()
  return id
}

/** Marks an unfinished job as running again for one more run (a resume). */
export function reopenJob(ctx: CoreContext, jobId: string): void {
  const j = jobRow(ctx.db, jobId)
  if (j.status === 'done' || j.status === 'replaced') {
    throw new OrchardError('job_finished', j.status === 'done' ? '这个任务已经完成 / this job is finished' : '这个任务已被更新的一次生成替换 / a newer run replaced this job', {
      jobId,
      status: j.status,
    })
  }
  if (active.has(jobId)) throw new OrchardError('job_running', '这个任务正在进行中 / this job is running right now', { jobId })
  ctx.db.prepare(`UPDATE jobs SET status = 'running', error = NULL, runs = runs + 1, updated_at = ? WHERE id = ?`).run(ctx.clock.now().toISOString(), jobId)
}

/**
 * Removes an earlier job's files (only those it recorded, and the folders they leave empty)
 * and marks it replaced by `by`. Files a person put beside them are never touched.
 */
export function retireJob(ctx: CoreContext, job: JobRow, by: string): number {
  if (active.has(job.id)) throw new OrchardError('job_running', '这个任务正在进行中，先取消它 / this job is running: cancel it first', { jobId: job.id })
  const root = resolve(job.out_dir)
  const files = ctx.db.prepare('SELECT file FROM job_items WHERE job_id = ?').pluck().all(job.id) as string[]
  let removed = 0
  const folders = new Set<string>()
  for (const file of files) {
    const path = resolve(root, file)
    // A recorded name always lies inside the job's folder; anything else is not ours to delete.
    if (!path.startsWith(root + sep)) continue
    if (existsSync(path)) {
      rmSync(path, { force: true })
      removed++
    }
    for (let d = dirname(path); d.startsWith(root + sep); d = dirname(d)) folders.add(d)
  }
  removeTemporaries(root)
  // Deepest first, so a folder emptied by its children goes too.
  for (const d of [...folders].sort((a, b) => relative(root, b).length - relative(root, a).length)) {
    try {
      if (readdirSync(d).length === 0) rmdirSync(d)
    } catch {
      /* gone already */
    }
  }
  ctx.db.prepare(`UPDATE jobs SET status = 'replaced', replaced_by = ?, updated_at = ? WHERE id = ?`).run(by, ctx.clock.now().toISOString(), job.id)
  return removed
}

const ranFor = (started: number) => Math.round(performance.now() - started)

async function runItems(ctx: CoreContext, jobId: string, worker: JobWorker, signal: AbortSignal, started: number, followId: string): Promise<void> {
  const db = ctx.db
  const job = jobRow(db, jobId)
  const out = job.out_dir
  mkdirSync(out, { recursive: true })
  removeTemporaries(out)
  const pending = (db.prepare('SELECT * FROM job_items WHERE job_id = ? AND done_at IS NULL ORDER BY seq').all(jobId) as JobItemRow[]).map(toJobItem)
  const markDone = db.prepare('UPDATE job_items SET sha256 = ?, bytes = ?, done_at = ? WHERE job_id = ? AND seq = ?')
  const total = job.total
  let done = total - pending.length
  const report = progressMeter(ctx, followId, job.kind)
  report('generate', done, total)
  const finish = (item: JobItem, made: Buffer | Output) => {
    const output = Buffer.isBuffer(made) ? writeOutput(join(out, item.file), made) : made
    markDone.run(output.sha256, output.bytes, ctx.clock.now().toISOString(), jobId, item.seq)
    done++
    report('generate', done, total)
  }
  let failure: OrchardError | null = null
  try {
    const parallel = (item: JobItem) => worker.parallel?.(item) ?? false
    for (let i = 0; i < pending.length; ) {
      if (signal.aborted) throw new OrchardError('cancelled', '已取消：继续这个任务会从这里接着做 / cancelled: resuming the job carries on from here', { jobId })
      const batch: JobItem[] = []
      while (i < pending.length && batch.length < IN_FLIGHT && (batch.length === 0 || (parallel(pending[i]) && batch.every(parallel)))) batch.push(pending[i++])
      const results = await Promise.all(batch.map((item) => worker.produce(item, signal)))
      batch.forEach((item, n) => finish(item, results[n]))
    }
  } catch (err) {
    failure = OrchardError.from(err)
  } finally {
    await worker.close?.()
  }
  // The job leaves the running ones in the same step as its end is recorded: whoever reads
  // `cancelled` (the console after its cancel) may resume it at once.
  active.delete(jobId)
  followed.delete(followId)
  if (!failure) {
    db.prepare(`UPDATE jobs SET status = 'done', run_ms = run_ms + ?, updated_at = ? WHERE id = ?`).run(ranFor(started), ctx.clock.now().toISOString(), jobId)
    return
  }
  db.prepare(`UPDATE jobs SET status = ?, error = ?, run_ms = run_ms + ?, updated_at = ? WHERE id = ?`).run(
    failure.code === 'cancelled' ? 'cancelled' : 'failed',
    JSON.stringify(failure.toJSON()),
    ranFor(started),
    ctx.clock.now().toISOString(),
    jobId,
  )
  throw failure
}

/**
 * Runs a stored job (new or reopened) in this process; resolves when it is done, rejects with
 * why it stopped. Its progress events carry the job's id, or `followId` when the caller chose
 * the id it listens for before the job existed (the console's followJob).
 */
export function launchJob(ctx: CoreContext, jobId: string, worker: JobWorker, options: { followId?: string } = {}): Promise<void> {
  const started = performance.now()
  const abort = new AbortController()
  const followId = options.followId ?? jobId
  if (cancelledWhileWaiting(followId)) abort.abort()
  const done = runItems(ctx, jobId, worker, abort.signal, started, followId).finally(() => {
    // A resume may have launched the job again meanwhile: only this run's entries go.
    if (active.get(jobId)?.abort !== abort) return
    active.delete(jobId)
    followed.delete(followId)
  })
  active.set(jobId, { abort, done, ctx, started })
  followed.set(followId, jobId)
  return done
}

/** Stops a job after the items in flight; it stays resumable. */
export async function cancelJob(ctx: CoreContext, jobId: string): Promise<void> {
  jobRow(ctx.db, jobId)
  const run = active.get(jobId)
  if (run) {
    run.abort.abort()
    await run.done.catch(() => undefined)
  } else {
    ctx.db.prepare(`UPDATE jobs SET status = 'cancelled', updated_at = ? WHERE id = ? AND status = 'running'`).run(ctx.clock.now().toISOString(), jobId)
  }
}

/**
 * The console's cancel: flags a job running in this process and answers at once (the job
 * stops after the items in flight and records itself cancelled); one left running by a
 * process that stopped is recorded cancelled now. `null` when no stored job has this id.
 */
export function flagCancel(ctx: CoreContext, id: string): 'stopping' | Exclude<DurableStatus, 'running'> | null {
  const jobId = followed.get(id) ?? id
  const j = ctx.db.prepare('SELECT status FROM jobs WHERE id = ?').pluck().get(jobId) as DurableStatus | undefined
  if (!j) return null
  const run = active.get(jobId)
  if (run) {
    run.abort.abort()
    return 'stopping'
  }
  if (j !== 'running') return j
  ctx.db.prepare(`UPDATE jobs SET status = 'cancelled', updated_at = ? WHERE id = ? AND status = 'running'`).run(ctx.clock.now().toISOString(), jobId)
  return 'cancelled'
}

/** Stops every job this core runs (closing the app): they stay resumable. */
export async function stopJobs(ctx: CoreContext): Promise<void> {
  const runs = [...active.values()].filter((r) => r.ctx === ctx)
  for (const r of runs) r.abort.abort()
  await Promise.all(runs.map((r) => r.done.catch(() => undefined)))
}
