import { ALL_ENTITIES, createBackup } from '../backups/handlers'
import type { CoreContext, ServiceHandlers } from '../context'
import { readInternal, writeInternal } from '../settings/settings'
import { clearStudio, seedDemoStudio } from './seed'

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
  if (seed) seedDemoStudio(db, { now: ctx.clock.now(), timezone: ctx.timezone() })
  writeInternal(db, 'demo', seed)
  writeInternal(db, 'initialized', true)
}

export const demoHandlers: ServiceHandlers<'demo'> = {
  seed: async ({ seed }, ctx) => {
    await createBackup(ctx.db, ctx.paths, 'pre-restore', undefined, ctx.clock.now())
    const result = seedDemoStudio(ctx.db, { seed, now: ctx.clock.now(), timezone: ctx.timezone() })
    writeInternal(ctx.db, 'demo', true)
    writeInternal(ctx.db, 'initialized', true)
    ctx.emit('data.changed', { entities: ALL_ENTITIES })
    return result
  },

  clear: async (_input, ctx) => {
    await createBackup(ctx.db, ctx.paths, 'pre-restore', undefined, ctx.clock.now())
    clearStudio(ctx.db)
    writeInternal(ctx.db, 'demo', false)
    writeInternal(ctx.db, 'initialized', true)
    ctx.emit('data.changed', { entities: ALL_ENTITIES })
    return { ok: true as const }
  },
}
