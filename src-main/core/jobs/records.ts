import { OrchardError } from '../../../src-shared/errors'
import type { CoreContext } from '../context'

/**
 * The jobs-table record of a one-go job that writes the studio itself (an import): stored
 * as running when it begins, so one a crash stopped shows as interrupted by its id (and a
 * cancel then records it cancelled: its write was one transaction, which the crash took
 * back), and given its outcome when it ends. An id the console used before keeps its first
 * record; the job then runs unrecorded.
 */
export function recordJobStart(ctx: Pick<CoreContext, 'db' | 'clock'>, job: { id: string; kind: string; label: string; outDir: string }): JobRecord | null {
  const at = ctx.clock.now().toISOString()
  const started = performance.now()
  const added = ctx.db
    .prepare(
      `INSERT INTO jobs (id, kind, request_key, params, label, out_dir, status, total, created_at, updated_at)
       VALUES (?, ?, ?, '{}', ?, ?, 'running', 0, ?, ?) ON CONFLICT(id) DO NOTHING`,
    )
    .run(job.id, job.kind, job.id, job.label, job.outDir, at, at)
  if (added.changes === 0) return null
  return {
    end(outcome) {
      const error = outcome.error ? OrchardError.from(outcome.error) : null
      const status = !error ? 'done' : error.code === 'cancelled' ? 'cancelled' : 'failed'
      ctx.db
        .prepare(`UPDATE jobs SET status = ?, total = COALESCE(?, total), error = ?, run_ms = ?, updated_at = ? WHERE id = ?`)
        .run(status, outcome.total ?? null, error ? JSON.stringify(error.toJSON()) : null, Math.round(performance.now() - started), ctx.clock.now().toISOString(), job.id)
    },
  }
}

export interface JobRecord {
  /** Records how the job ended: done (with how many items it had), or the error that stopped it. */
  end(outcome: { total?: number; error?: unknown }): void
}
