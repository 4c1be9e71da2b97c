import { basename, dirname } from 'node:path'
import { OrchardError } from '../../../src-shared/errors'
import type { CoreContext } from '../context'
import type { Db } from '../db/connection'
import { cancellable, cancelledError, cancelRunning } from './cancels'
import { produceOutput, type Output } from './outputs'
import { progressMeter, type ProgressReport } from './progress'

/** What a one-file job's writer gets: where to report its progress, and whether it was cancelled. */
export interface FileJobStep {
  report: ProgressReport
  signal: AbortSignal
  /** Throws the job's cancellation; a writer calls it between rows or pages. */
  stopIfCancelled(): void
}

/** Where a one-file job is recorded once it ends (done, cancelled or failed), under its job id, in the jobs table. */
export interface FileJobRecord {
  db: Db
  /** The moment the record carries (the core's clock). */
  at: () => Date
  /** What a person knows the job by (the export's entity, the backup's kind). */
  label: string
}

/**
 * A job that makes one file in one go — an export, a backup: it is written under the job
 * engine's temporary name beside its target, checked, renamed into place and hashed
 * (produceOutput), reports job.progress events of the one shape, and can be cancelled by
 * its id (`cancelFileJob`, the console's jobs.cancel) until it is renamed. A cancelled or
 * failed job leaves nothing behind: not the target, not its temporary file. With `record`
 * the outcome is kept in the jobs table, so a cancel shows as `cancelled` afterwards too.
 */
export async function runFileJob(
  ctx: Pick<CoreContext, 'emit'>,
  job: { jobId?: string; kind: string; target: string; record?: FileJobRecord },
  make: (temp: string, step: FileJobStep) => Promise<unknown>,
  check?: (temp: string) => void | Promise<void>,
): Promise<Output> {
  const jobId = job.jobId
  const cancel = cancellable(jobId)
  const started = performance.now()
  const step: FileJobStep = { report: progressMeter(ctx, jobId, job.kind), signal: cancel.signal, stopIfCancelled: cancel.stopIfCancelled }
  try {
    // Cancelled while it waited its turn: nothing is made at all.
    step.stopIfCancelled()
    const output = await produceOutput(
      job.target,
      (temp) => make(temp, step),
      async (temp) => {
        await check?.(temp)
        // The last moment a cancel counts: after this the file is in place.
        step.stopIfCancelled()
      },
    )
    recordFileJob(job, started, { output })
    return output
  } catch (err) {
    const e = cancel.signal.aborted && !(err instanceof OrchardError && err.code === 'cancelled') ? cancelledError(jobId ?? job.kind) : err
    try {
      recordFileJob(job, started, { error: OrchardError.from(e) })
    } catch {
      // The record must not hide why the job stopped (a backup of a database that just failed).
    }
    throw e
  } finally {
    cancel.finish()
  }
}

function recordFileJob(job: { jobId?: string; kind: string; target: string; record?: FileJobRecord }, started: number, end: { output?: Output; error?: OrchardError }): void {
  const { jobId, record } = job
  if (!jobId || !record) return
  const at = record.at().toISOString()
  const status = end.output ? 'done' : end.error?.code === 'cancelled' ? 'cancelled' : 'failed'
  const db = record.db
  db.transaction(() => {
    // An id the console used before keeps its first record.
    const added = db
      .prepare(
        `INSERT INTO jobs (id, kind, request_key, params, label, out_dir, status, total, error, run_ms, created_at, updated_at)
         VALUES (?, ?, ?, '{}', ?, ?, ?, 1, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`,
      )
      .run(jobId, job.kind, jobId, record.label, dirname(job.target), status, end.error ? JSON.stringify(end.error.toJSON()) : null, Math.round(performance.now() - started), at, at)
    if (added.changes === 0) return
    db.prepare('INSERT INTO job_items (job_id, seq, kind, owner_id, spec, file, sha256, bytes, done_at) VALUES (?, 0, ?, NULL, ?, ?, ?, ?, ?)').run(
      jobId,
      job.kind,
      '{}',
      basename(job.target),
      end.output?.sha256 ?? null,
      end.output?.bytes ?? null,
      end.output ? at : null,
    )
  })()
}

/** Cancels a one-file job under way; false when no such job runs (it finished, or never started). */
export const cancelFileJob = cancelRunning
