import { computed, ref } from 'vue'
import type { JobProgress } from '@shared/schemas'
import { OrchardClientError, onEvent } from '@/api/client'

/** An id for a long command's job.progress events. */
function newJobId(kind: string): string {
  if (typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function') return crypto.randomUUID()
  return `${kind}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`
}

/** Runs a long command, handing its progress events to `onProgress` until it ends; `jobId` follows a job that has one already (a resume). */
export async function followJob<T>(kind: string, run: (jobId: string) => Promise<T>, onProgress: (p: JobProgress) => void, jobId = newJobId(kind)): Promise<T> {
  const off = onEvent('job.progress', (p) => {
    if (p.jobId === jobId) onProgress(p)
  })
  try {
    return await run(jobId)
  } finally {
    off()
  }
}

/**
 * A long command the person may cancel (an export, a backup, an import, a batch of kits): `jobId` is the id to hand
 * to CancelJobButton while it runs, null otherwise.
 */
export function useCancellableJob() {
  const jobId = ref<string | null>(null)
  async function run<T>(kind: string, work: (jobId: string) => Promise<T>, onProgress: (p: JobProgress) => void = () => undefined, knownId?: string): Promise<T> {
    try {
      return await followJob(
        kind,
        (id) => {
          jobId.value = id
          return work(id)
        },
        onProgress,
        knownId,
      )
    } finally {
      jobId.value = null
    }
  }
  return { jobId, running: computed(() => jobId.value !== null), run }
}

/** Whether a command ended because the person cancelled it (nothing was written: not an error to show). */
export const wasCancelled = (err: unknown) => err instanceof OrchardClientError && err.code === 'cancelled'
