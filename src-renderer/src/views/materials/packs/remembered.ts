import type { PackGenerateInput, PackJob } from '@shared/contracts/materials'

/**
 * What each run was asked to make, kept in this console. The core resumes a cancelled
 * or interrupted run when it is asked for the same packs again, but a job does not
 * carry its request; remembering it here lets 继续 work after the app was restarted.
 */
interface Remembered {
  request: PackGenerateInput
}

const KEY = 'orchard.packs.runs'
const KEEP = 40

function readAll(): Record<string, Remembered> {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? '{}') as unknown
    return raw && typeof raw === 'object' ? (raw as Record<string, Remembered>) : {}
  } catch {
    return {}
  }
}

function writeAll(all: Record<string, Remembered>): void {
  const ids = Object.keys(all)
  for (const id of ids.slice(0, Math.max(0, ids.length - KEEP))) delete all[id]
  try {
    localStorage.setItem(KEY, JSON.stringify(all))
  } catch {
    // a private window may refuse storage: Resume then needs the same form filled in again
  }
}

export function rememberRequest(jobId: string, request: PackGenerateInput): void {
  const all = readAll()
  // re-inserted last, so the newest runs are the ones kept
  delete all[jobId]
  all[jobId] = { request }
  writeAll(all)
}

export function rememberedRequest(jobId: string): PackGenerateInput | null {
  return readAll()[jobId]?.request ?? null
}

/** How long a run took, summed over its resumes; unknown for runs made before the core measured it. */
export function runTime(job: PackJob): number | null {
  return job.durationMs > 0 ? job.durationMs : null
}
