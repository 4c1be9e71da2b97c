import type { ServiceHandlers } from '../context'
import { cancelBeforeStart, cancelRunning } from './cancels'
import { flagCancel } from './durable'

/**
 * The one cancel of every long job. It is `immediate` in the contract: answered outside
 * the write queue, since the job it stops usually holds that queue (an export, a backup,
 * an import, a batch of kits). It only flags the job; the job stops at its next item,
 * removes its temporary files and records itself cancelled.
 */
export const jobsHandlers: ServiceHandlers<'jobs'> = {
  cancel: ({ jobId }, ctx) => {
    // One-go jobs first (exports, backups, imports): a running import's record says running too.
    if (cancelRunning(jobId)) return { jobId, state: 'stopping' }
    const durable = flagCancel(ctx, jobId)
    if (durable) return { jobId, state: durable }
    // Not begun yet: a command queued behind another write, or a job whose id the console chose first.
    cancelBeforeStart(jobId)
    return { jobId, state: 'waiting' }
  },
}
