import { statSync } from 'node:fs'
import type { ServiceHandlers } from '../context'
import { schemaVersion } from '../db/connection'
import { dayIn } from '../clock'
import { readInternal, studioTimeZone } from '../settings/settings'

export const systemHandlers: ServiceHandlers<'system'> = {
  info: (_input, ctx) => ({
    version: ctx.version,
    schemaVersion: schemaVersion(ctx.db),
    dataDir: ctx.paths.dataDir,
    databasePath: ctx.paths.database,
    databaseSizeBytes: statSync(ctx.paths.database).size,
    host: ctx.host,
    demo: readInternal<boolean>(ctx.db, 'demo') ?? false,
  }),
  clock: (_input, ctx) => {
    const now = ctx.clock.now()
    const timezone = studioTimeZone(ctx.db)
    return { now: now.toISOString(), timezone, today: dayIn(timezone, now) }
  },
}
