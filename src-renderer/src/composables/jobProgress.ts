import type { JobProgress } from '@shared/schemas'
import { onEvent } from '@/api/client'

/** An id for a long command's job.progress events. */
function newJobId(kind: string): string {
  if (typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function') return crypto.randomUUID()
  return `${kind}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`
}

/** Runs a long command, handing its progress events to `onProgress` until it ends. */
export async function followJob<T>(kind: string, run: (jobId: string) => Promise<T>, onProgress: (p: JobProgress) => void): Promise<T> {
  const jobId = newJobId(kind)
  const off = onEvent('job.progress', (p) => {
    if (p.jobId === jobId) onProgress(p)
  })
  try {
    return await run(jobId)
  } finally {
    off()
  }
}
