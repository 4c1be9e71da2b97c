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
