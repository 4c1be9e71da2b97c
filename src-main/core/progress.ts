import type { CoreContext } from './context'

/**
 * A long command's job.progress events, when its caller follows them (`jobId`): the
 * phase changes and the end always, steps in between at most ten times a second.
 */
export function jobProgress(ctx: CoreContext, jobId: string | undefined, kind: string): (phase: string, done: number, total: number) => void {
  let last = 0
  let lastPhase = ''
  return (phase, done, total) => {
    if (!jobId) return
    const now = performance.now()
    if (phase === lastPhase && done < total && now - last < 100) return
    last = now
    lastPhase = phase
    ctx.emit('job.progress', { jobId, kind, phase, done, total })
  }
}
