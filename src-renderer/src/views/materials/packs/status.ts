import type { PackJob } from '@shared/contracts/materials'

/** One colour per run status, the same in the run card and the list of runs. */
export const STATUS_TAG: Record<PackJob['status'], 'success' | 'info' | 'warning' | 'error' | 'default'> = {
  done: 'success',
  running: 'info',
  cancelled: 'warning',
  interrupted: 'warning',
  failed: 'error',
  replaced: 'default',
}

/** How long a run took, summed over its resumes; unknown for runs made before the core measured it. */
export function runTime(job: PackJob): number | null {
  return job.durationMs > 0 ? job.durationMs : null
}
