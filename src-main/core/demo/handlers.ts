import { AREAS } from '../areas'
import { createBackup } from '../backups/backups'
import { ALL_ENTITIES } from '../backups/handlers'
import type { CoreContext, ServiceHandlers } from '../context'
import { progressMeter } from '../jobs/progress'
import { recordSeed, systemWriter } from '../records/changes'
import { readInternal, writeInternal } from '../settings/settings'
import { clearStudio, DEFAULT_DEMO_SEED, seedDemoStudio } from './seed'

export { clearStudio, DEFAULT_DEMO_SEED, seedDemoStudio, type SeedOptions } from './seed'

/**
 * Runs on every start of the core. A brand-new database (no customers, no members,
 * never initialised) gets the demo studio when the host asks for it; the marker
 * written here makes sure a studio the operator emptied is never seeded again.
 */
export function prepareFirstStart(ctx: CoreContext, firstStart: 'demo' | 'empty'): void {
  const db = ctx.db
  if (readInternal<boolean>(db, 'initialized')) return
  const hasRecords = db.prepare('SELECT EXISTS (SELECT 1 FROM customers) OR EXISTS (SELECT 1 FROM members) AS n').get() as { n: number }
  const seed = firstStart === 'demo' && !hasRecords.n
  if (seed) seedWholeDemo(ctx)
  writeInternal(db, 'demo', seed)
  writeInternal(db, 'initialized', true)
}

/** Empties every area's data (areas first: their rows point at the records), then the records. */
function clearWholeStudio(ctx: CoreContext): void {
  ctx.db.transaction(() => {
    for (const area of [...AREAS].reverse()) area.clearStudio?.(ctx)
    clearStudio(ctx.db)
  })()
}

/** The demo studio: the records, then each area's part, from one seed. */
function seedWholeDemo(ctx: CoreContext, seed = DEFAULT_DEMO_SEED): { customers: number; orders: number } {
  const now = ctx.clock.now()
  const timezone = ctx.timezone()
  return ctx.db.transaction(() => {
    for (const area of [...AREAS].reverse()) area.clearStudio?.(ctx)
    const result = seedDemoStudio(ctx.db, { seed, now, timezone })
    recordSeed(systemWriter(ctx.db, now, 'demo'))
    for (const area of AREAS) area.seedDemo?.(ctx, { seed, now, timezone })
    return result
  })()
}

/**
 * Replaces the studio's data: a safety backup of what is there first (its copy reported
 * page by page), then `work` in one transaction, which has no steps the console could
 * hear of before it ends, and the studio's marks.
 */
async function replaceStudio<T>(ctx: CoreContext, jobId: string | undefined, phase: 'seed' | 'clear', demo: boolean, work: () => T): Promise<T> {
  const report = progressMeter(ctx, jobId, `demo-${phase}`)
  await createBackup(ctx.db, ctx.paths, 'pre-restore', undefined, ctx.clock.now(), { onProgress: (done, total) => report('safety-backup', done, total) })
  report(phase, 0, 0)
  // Lets the phase reach the console before the transaction holds the thread.
  await new Promise<void>((resolve) => setImmediate(resolve))
  const result = work()
  report(phase, 1, 1)
  writeInternal(ctx.db, 'demo', demo)
  writeInternal(ctx.db, 'initialized', true)
  ctx.emit('data.changed', { entities: ALL_ENTITIES })
  return result
}

export const demoHandlers: ServiceHandlers<'demo'> = {
  seed: ({ seed, jobId }, ctx) => replaceStudio(ctx, jobId, 'seed', true, () => seedWholeDemo(ctx, seed)),

  clear: async ({ jobId }, ctx) => {
    await replaceStudio(ctx, jobId, 'clear', false, () => clearWholeStudio(ctx))
    return { ok: true as const }
  },
}
