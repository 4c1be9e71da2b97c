import type { PackJob } from '@shared/contracts/materials'

/** One colour per run status, the same in the run card and the list of runs. */
export const STATUS_TAG: Record<PackJob['status'], 'success' | 'info' | 'warning' | 'error' | 'default'> = {
  done: 'success',
  running: 'info',
  cancelled: 'warning',
  interrupted: 'warning',
  failed: 'error',
}
