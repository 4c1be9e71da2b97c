import { AREAS } from '../areas'
import { ALL_ENTITIES, createBackup } from '../backups/handlers'
import type { CoreContext, ServiceHandlers } from '../context'
import { jobProgress } from '../progress'
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
    for (const area of AREAS) area.seedDemo?.(ctx, { seed, now, timezone })
    return result
  })()
}

export const demoHandlers: ServiceHandlers<'demo'> = {
  seed: async ({ seed, jobId }, ctx) => {
    const report = jobProgress(ctx, jobId, 'demo-seed')
    await createBackup(ctx.db, ctx.paths, 'pre-restore', undefined, ctx.clock.now(), (done, total) => report('safety-backup', done, total))
    // One transaction: it has no steps the console could hear of before it ends.
    report('seed', 0, 0)
    await new Promise<void>((resolve) => setImmediate(resolve))
    const result = seedWholeDemo(ctx, seed)
    report('seed', 1, 1)
    writeInternal(ctx.db, 'demo', true)
    writeInternal(ctx.db, 'initialized', true)
    ctx.emit('data.changed', { entities: ALL_ENTITIES })
    return result
  },

  clear: async ({ jobId }, ctx) => {
    const report = jobProgress(ctx, jobId, 'demo-clear')
    await createBackup(ctx.db, ctx.paths, 'pre-restore', undefined, ctx.clock.now(), (done, total) => report('safety-backup', done, total))
    report('clear', 0, 0)
    await new Promise<void>((resolve) => setImmediate(resolve))
    clearWholeStudio(ctx)
    report('clear', 1, 1)
    writeInternal(ctx.db, 'demo', false)
    writeInternal(ctx.db, 'initialized', true)
    ctx.emit('data.changed', { entities: ALL_ENTITIES })
    return { ok: true as const }
  },
}
