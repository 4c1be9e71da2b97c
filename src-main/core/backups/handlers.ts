import { existsSync, realpathSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { OrchardError } from '../../../src-shared/errors'
import type { Backup } from '../../../src-shared/schemas'
import type { CoreContext, ServiceHandlers } from '../context'
import { progressMeter } from '../jobs/progress'
import type { DataPaths } from '../paths'
import { createBackup, discardPrepared, listBackups, prepareRestore, writeIntoLive } from './backups'

/** Everything the console shows from the database: a restore or a demo reseed changes all of it. */
export const ALL_ENTITIES = ['customers', 'groups', 'products', 'members', 'orders', 'imports', 'dashboard', 'settings', 'backups']

/** A backup the console asked for by name: only files inside backups/ qualify, links followed. */
function backupByName(paths: DataPaths, fileName: string): string {
  const refuse = () =>
    new OrchardError('backup_not_found', `只能从备份文件夹中选择备份 / choose a backup from the backups folder: ${fileName}`, {
      field: 'fileName',
      value: fileName,
    })
  if (fileName !== basename(fileName) || fileName === '.' || fileName === '..' || fileName.includes('\\') || fileName.includes('\0')) throw refuse()
  const path = join(paths.backups, fileName)
  if (!existsSync(path)) return path
  // A link inside backups/ must not lead a restore to a file elsewhere.
  if (dirname(realpathSync(path)) !== realpathSync(paths.backups)) throw refuse()
  return path
}

/**
 * The better-sqlite3 build the core was opened with, when the host chose one (the
 * desktop shell can run on a different ABI than Node). A second connection on a
 * backup file must load the same build.
 */
function nativeBindingOf(ctx: CoreContext): string | undefined {
  return (ctx as CoreContext & { nativeBinding?: string }).nativeBinding
}

export const backupsHandlers: ServiceHandlers<'backups'> = {
  list: (_input, ctx) => listBackups(ctx.paths),

  create: async ({ jobId }, ctx) => {
    const report = progressMeter(ctx, jobId, 'backup')
    const backup = await createBackup(ctx.db, ctx.paths, 'manual', undefined, ctx.clock.now(), { jobId, onProgress: (done, total) => report('backup', done, total) })
    report('backup', 1, 1)
    ctx.emit('data.changed', { entities: ['backups'] })
    return backup
  },

  restore: async ({ fileName, jobId }, ctx) => {
    const report = progressMeter(ctx, jobId, 'restore')
    const nativeBinding = nativeBindingOf(ctx)
    const prepared = await prepareRestore(ctx.paths, backupByName(ctx.paths, fileName), nativeBinding)
    const safety = await swapIn(ctx, prepared, report).finally(() => discardPrepared(prepared))
    report('restore', 1, 1)
    ctx.emit('data.changed', { entities: ALL_ENTITIES })
    return { restored: fileName, safetyBackup: safety.fileName }
  },
}

/** The console's restore once the backup is prepared: the safety copy, then the prepared copy into place. */
async function swapIn(ctx: CoreContext, prepared: string, report: ReturnType<typeof progressMeter>): Promise<Backup> {
  // The live database is healthy here (the core has it open), so the safety copy
  // comes from the open connection before it is closed.
  const safety = await createBackup(ctx.db, ctx.paths, 'pre-restore', undefined, ctx.clock.now(), { onProgress: (done, total) => report('safety-backup', done, total) })
  ctx.db.close()
  try {
    await writeIntoLive(ctx.paths, prepared, nativeBindingOf(ctx), (done, total) => report('restore', done, total))
  } finally {
    ctx.reopen()
  }
  return safety
}
