import { OrchardError } from '../../../src-shared/errors'
import type { CoreContext } from '../context'
import type { Db } from '../db/connection'
import { isRunning } from './cancels'
import { jobRow } from './durable'

/**
 * The jobs-table record of a one-go job that writes the studio itself (an import): stored
 * as running when it begins, with what it was asked for (`params`), so one a crash stopped
 * shows as interrupted by its id and is resumed by that id alone; given its outcome when it
 * ends. An id the console used before keeps its first record; the job then runs unrecorded.
 */
export function recordJobStart(
  ctx: Pick<CoreContext, 'db' | 'clock'>,
  job: { id: string; kind: string; label: string; outDir: string; params?: unknown },
): JobRecord | null {
  const at = ctx.clock.now().toISOString()
  const added = ctx.db
    .prepare(
      `INSERT INTO jobs (id, kind, request_key, params, label, out_dir, status, total, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 'running', 0, ?, ?) ON CONFLICT(id) DO NOTHING`,
    )
    .run(job.id, job.kind, job.id, JSON.stringify(job.params ?? {}), job.label, job.outDir, at, at)
  if (added.changes === 0) return null
  return jobRecord(ctx, job.id)
}

/**
 * Reopens the record of a one-go job that did not finish (interrupted by a crash, cancelled,
 * failed) for one more run, and gives back what it was asked for. A finished job, one running
 * now, or one recorded without its request (before requests were kept) is refused, unchanged.
 */
export function reopenJobRecord(ctx: Pick<CoreContext, 'db' | 'clock'>, jobId: string, kind: string): { params: unknown; record: JobRecord } {
  const j = jobRow(ctx.db, jobId, kind)
  if (j.status === 'done' || j.status === 'replaced') {
    throw new OrchardError('job_finished', '这个任务已经完成 / this job is finished', { jobId, status: j.status })
  }
  if (isRunning(jobId)) throw new OrchardError('job_running', '这个任务正在进行中 / this job is running right now', { jobId })
  const params = JSON.parse(j.params) as unknown
  if (!params || typeof params !== 'object' || Object.keys(params).length === 0) {
    throw new OrchardError('job_not_resumable', '这个任务没有保存它的请求，无法继续，请重新开始 / this job kept no request to resume: start it again', { jobId })
  }
  ctx.db.prepare(`UPDATE jobs SET status = 'running', error = NULL, runs = runs + 1, updated_at = ? WHERE id = ?`).run(ctx.clock.now().toISOString(), jobId)
  return { params, record: jobRecord(ctx, jobId) }
}

function jobRecord(ctx: Pick<CoreContext, 'db' | 'clock'>, id: string): JobRecord {
  const started = performance.now()
  return {
    settle(db, total) {
      db.prepare(`UPDATE jobs SET status = 'done', total = ?, error = NULL, updated_at = ? WHERE id = ?`).run(total, ctx.clock.now().toISOString(), id)
    },
    end(outcome) {
      const error = outcome.error ? OrchardError.from(outcome.error) : null
      const status = !error ? 'done' : error.code === 'cancelled' ? 'cancelled' : 'failed'
      // A job its write settled stays done whatever came after: resuming it would write twice.
      ctx.db
        .prepare(
          `UPDATE jobs SET status = CASE WHEN status = 'done' THEN 'done' ELSE ? END, total = COALESCE(?, total),
             error = CASE WHEN status = 'done' THEN NULL ELSE ? END, run_ms = run_ms + ?, updated_at = ? WHERE id = ?`,
        )
        .run(status, outcome.total ?? null, error ? JSON.stringify(error.toJSON()) : null, Math.round(performance.now() - started), ctx.clock.now().toISOString(), id)
    },
  }
}

export interface JobRecord {
  /**
   * Records the job done inside the transaction of its write (on the connection that
   * writes): a crash takes both back or leaves both, so a resume never writes twice.
   */
  settle(db: Db, total: number): void
  /** Records how the job ended: done (with how many items it had), or the error that stopped it. */
  end(outcome: { total?: number; error?: unknown }): void
}
