import { OrchardError } from '../../../src-shared/errors'

/** One-go jobs under way in this process by the id the console follows them by (exports, backups, imports). */
const running = new Map<string, AbortController>()

/**
 * Ids cancelled before their job began: a command waiting in the write queue behind a long
 * import can be cancelled from the console, and then stops as it begins, before it writes
 * anything. Bounded, so ids that never come (a job that had ended already) do not pile up.
 */
const cancelledBeforeStart = new Set<string>()
const REMEMBERED_CANCELS = 200

/** A job by this id that has not begun yet is cancelled as it begins. */
export function cancelBeforeStart(jobId: string): void {
  cancelledBeforeStart.add(jobId)
  if (cancelledBeforeStart.size > REMEMBERED_CANCELS) cancelledBeforeStart.delete(cancelledBeforeStart.values().next().value!)
}

/** Whether the job beginning under this id was cancelled while it waited (asked once, as it begins). */
export function cancelledWhileWaiting(jobId: string | undefined): boolean {
  return jobId !== undefined && cancelledBeforeStart.delete(jobId)
}

/** Why a job stopped when it was cancelled. */
export const cancelledError = (jobId: string) => new OrchardError('cancelled', `已取消 / cancelled`, { jobId })

/**
 * Makes a one-go job cancellable by its id until `finish` (always call it): `stopIfCancelled`
 * throws the cancellation, for the job to call between its rows, pages or batches. A job
 * cancelled while it waited for its turn is cancelled from the start.
 */
export function cancellable(jobId: string | undefined): { signal: AbortSignal; stopIfCancelled(): void; finish(): void } {
  const controller = new AbortController()
  if (jobId) {
    running.set(jobId, controller)
    if (cancelledWhileWaiting(jobId)) controller.abort()
  }
  return {
    signal: controller.signal,
    stopIfCancelled: () => {
      if (controller.signal.aborted) throw cancelledError(jobId ?? 'job')
    },
    finish: () => {
      if (jobId && running.get(jobId) === controller) running.delete(jobId)
    },
  }
}

/** Whether a one-go job runs under this id in this process (one recorded running but not here was interrupted). */
export function isRunning(jobId: string): boolean {
  return running.has(jobId)
}

/** Cancels a one-go job under way; false when no such job runs (it finished, or never started). */
export function cancelRunning(jobId: string): boolean {
  const controller = running.get(jobId)
  if (!controller) return false
  controller.abort()
  return true
}
