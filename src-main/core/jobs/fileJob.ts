import { OrchardError } from '../../../src-shared/errors'
import type { CoreContext } from '../context'
import { produceOutput, type Output } from './outputs'
import { progressMeter, type ProgressReport } from './progress'

/** What a one-file job's writer gets: where to report its progress, and whether it was cancelled. */
export interface FileJobStep {
  report: ProgressReport
  signal: AbortSignal
  /** Throws the job's cancellation; a writer calls it between rows or pages. */
  stopIfCancelled(): void
}

const running = new Map<string, AbortController>()

const cancelled = (jobId: string) => new OrchardError('cancelled', `已取消 / cancelled`, { jobId })

/**
 * A job that makes one file in one go — an export, a backup: it is written under the job
 * engine's temporary name beside its target, checked, renamed into place and hashed
 * (produceOutput), reports job.progress events of the one shape, and can be cancelled by
 * its id (`cancelFileJob`) until it is renamed. A cancelled or failed job leaves nothing
 * behind: not the target, not its temporary file.
 */
export async function runFileJob(
  ctx: Pick<CoreContext, 'emit'>,
  job: { jobId?: string; kind: string; target: string },
  make: (temp: string, step: FileJobStep) => Promise<unknown>,
  check?: (temp: string) => void | Promise<void>,
): Promise<Output> {
  const controller = new AbortController()
  const jobId = job.jobId
  if (jobId) running.set(jobId, controller)
  const step: FileJobStep = {
    report: progressMeter(ctx, jobId, job.kind),
    signal: controller.signal,
    stopIfCancelled: () => {
      if (controller.signal.aborted) throw cancelled(jobId ?? job.kind)
    },
  }
  try {
    return await produceOutput(
      job.target,
      (temp) => make(temp, step),
      async (temp) => {
        await check?.(temp)
        // The last moment a cancel counts: after this the file is in place.
        step.stopIfCancelled()
      },
    )
  } catch (err) {
    if (controller.signal.aborted && !(err instanceof OrchardError && err.code === 'cancelled')) throw cancelled(jobId ?? job.kind)
    throw err
  } finally {
    if (jobId) running.delete(jobId)
  }
}

/** Cancels a one-file job under way; false when no such job runs (it finished, or never started). */
export function cancelFileJob(jobId: string): boolean {
  const controller = running.get(jobId)
  if (!controller) return false
  controller.abort()
  return true
}
