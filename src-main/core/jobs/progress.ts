import type { JobProgress } from '../../../src-shared/schemas'

/** Reports one step of a job: where it is (phase), how far (done of total), and optionally what it is on. */
export type ProgressReport = (phase: string, done: number, total: number, message?: string) => void

/** Where the events go: the core's emitter, or the sync loop, which also keeps the snapshot's last one for its state. */
export interface ProgressSink {
  emit(event: 'job.progress', progress: JobProgress): void
}

/**
 * A job's job.progress events, all of one shape (JobProgress): phase, done/total, and —
 * once there is something to measure — its rate per second and the time left at that
 * rate. Phase changes and the end always go out; steps in between at most ten a second
 * (or every one, for a job that steps seldom: an import reports once a batch).
 * Without a `jobId` nobody follows the job, and nothing is sent.
 */
export function progressMeter(
  ctx: ProgressSink,
  jobId: string | undefined,
  kind: string,
  options: { minIntervalMs?: number; since?: { at: number; done: number } } = {},
): ProgressReport {
  const minInterval = options.minIntervalMs ?? 100
  let last = 0
  let lastPhase = ''
  let phaseStart = 0
  let phaseDoneAtStart = 0
  return (phase, done, total, message) => {
    if (!jobId) return
    const now = performance.now()
    if (phase !== lastPhase) {
      // The first phase is measured from `since` when the job began before its first report (a snapshot's first page).
      const since = lastPhase === '' ? options.since : undefined
      phaseStart = since?.at ?? now
      phaseDoneAtStart = since?.done ?? done
    } else if (done < total && now - last < minInterval) return
    last = now
    lastPhase = phase
    const seconds = (now - phaseStart) / 1000
    const progress: JobProgress = { jobId, kind, phase, done, total }
    if (message) progress.message = message
    if (seconds >= 0.5 && done > phaseDoneAtStart && total > 1) {
      progress.rate = (done - phaseDoneAtStart) / seconds
      progress.etaSeconds = Math.round((total - done) / progress.rate)
    }
    ctx.emit('job.progress', progress)
  }
}
