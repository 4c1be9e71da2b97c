import type { PackGenerateInput, PackJob } from '@shared/contracts/materials'

/**
 * What each run was asked to make, kept in this console. The core resumes a cancelled
 * or interrupted run when it is asked for the same packs again, but a job does not
 * carry its request; remembering it here lets 继续 work after the app was restarted.
 * Also the time the console watched the run take (the jobs list does not report it).
 */
interface Remembered {
  request: PackGenerateInput
  /** Milliseconds of generating seen by this console, summed over resumes; null once a stretch went unseen. */
  ms?: number | null
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
  const was = all[jobId]
  delete all[jobId]
  all[jobId] = { ...was, request }
  writeAll(all)
}

export function rememberedRequest(jobId: string): PackGenerateInput | null {
  return readAll()[jobId]?.request ?? null
}

/** A stretch of generating this console saw from its start to its end. */
export function addWatchedTime(jobId: string, ms: number): void {
  const all = readAll()
  const was = all[jobId]
  if (!was || was.ms === null) return
  was.ms = (was.ms ?? 0) + Math.max(0, ms)
  writeAll(all)
}

/** Part of the run happened while nobody watched (the screen was left): its time is unknown from here on. */
export function lostSightOf(jobId: string): void {
  const all = readAll()
  const was = all[jobId]
  if (!was) return
  was.ms = null
  writeAll(all)
}

export function watchedTime(jobId: string): number | null {
  return readAll()[jobId]?.ms ?? null
}

/**
 * How long a run took. packs.jobs measures durationMs from the moment it is asked
 * (a few milliseconds at most), so the time this console watched the run comes first.
 */
export function runTime(job: PackJob): number | null {
  return watchedTime(job.id) ?? (job.durationMs >= 50 ? job.durationMs : null)
}
