import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, isAbsolute, join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { OrchardError } from '../../../src-shared/errors'
import type { Backup } from '../../../src-shared/schemas'
import type { CoreContext } from '../context'
import { openDatabase, type Db } from '../db/connection'
import { LATEST_SCHEMA_VERSION, migrations } from '../db/migrations'
import { ownerOnly, privateFolder } from '../housekeeping'
import type { DataPaths } from '../paths'
import { readSettings, studioTimeZone } from '../settings/settings'
import { stampIn, zoneOffset } from '../clock'
import { runFileJob } from '../jobs/fileJob'
import { writeOutput, type Output } from '../jobs/outputs'
import { hasStoredFile, sha256Of, storedFile } from '../materials/photos'
import { namedFiles } from '../sync/files'

export type BackupKind = Backup['kind']

const DAY_MS = 86_400_000
/**
 * orchard-<kind>-YYYYMMDD-HHMMSS±HHMM[-n].db: the time as the studio reads it (its time
 * zone) with that zone's offset, so the name alone says what a backup is and exactly when
 * it was taken; the recovery screen lists backups without opening a database (the one in
 * use may be the broken thing). Names without an offset are older backups, named in UTC.
 */
const NAME_PATTERN = /^orchard-(auto|manual|pre-restore)-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})([+-]\d{4})?(?:-(\d+))?\.db$/

function stamp(at: Date, zone: string): string {
  return `${stampIn(zone, at)}${zoneOffset(zone, at).replace(':', '')}`
}

export function parseBackupName(fileName: string): { kind: BackupKind; createdAt: string } | null {
  const m = NAME_PATTERN.exec(fileName)
  if (!m) return null
  const [, kind, y, mo, d, h, mi, s, offset] = m
  const zone = offset ? `${offset.slice(0, 3)}:${offset.slice(3)}` : 'Z'
  const createdAt = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.000${zone}`)
  if (Number.isNaN(createdAt.getTime())) return null
  return { kind: kind as BackupKind, createdAt: createdAt.toISOString() }
}

/** The backups in the data folder, newest first. Works without an open database. */
export function listBackups(paths: DataPaths): Backup[] {
  if (!existsSync(paths.backups)) return []
  const out: Backup[] = []
  for (const fileName of readdirSync(paths.backups)) {
    const parsed = parseBackupName(fileName)
    if (!parsed) continue
    const path = join(paths.backups, fileName)
    let sizeBytes: number
    try {
      const st = statSync(path)
      if (!st.isFile()) continue
      sizeBytes = st.size
    } catch {
      continue
    }
    out.push({ fileName, path, kind: parsed.kind, createdAt: parsed.createdAt, sizeBytes })
  }
  // Two backups in the same second are told apart by their -n suffix: the higher is newer.
  const serial = (name: string) => Number(NAME_PATTERN.exec(name)?.[9] ?? 1)
  return out.sort((a, b) => (a.createdAt === b.createdAt ? serial(b.fileName) - serial(a.fileName) : b.createdAt < a.createdAt ? -1 : 1))
}

function freeBackupName(paths: DataPaths, kind: BackupKind, at: Date, zone: string): string {
  const base = `orchard-${kind}-${stamp(at, zone)}`
  let name = `${base}.db`
  for (let n = 2; existsSync(join(paths.backups, name)); n++) name = `${base}-${n}.db`
  return name
}

/** Pages of a copy through the backup API done so far, of all of them. */
export type PageProgress = (done: number, total: number) => void

/** Pages the backup API copies a step (its own default); the event loop turns between steps. */
const PAGES_PER_STEP = 100

/** The backup API's options for a copy that reports its progress. */
function copyOptions(onProgress?: PageProgress): Database.BackupOptions | undefined {
  if (!onProgress) return undefined
  return {
    progress: ({ totalPages, remainingPages }) => {
      onProgress(totalPages - remainingPages, totalPages)
      return PAGES_PER_STEP
    },
  }
}

/**
 * Writes a consistent copy of `db` through SQLite's online backup API (safe while the
 * console keeps writing), as one self-contained file in rollback-journal mode. The copy
 * goes through the job engine (runFileJob): written under its temporary name beside its
 * destination, checked (it opens and passes SQLite's quick check), renamed into place
 * and hashed, so a crash, a full disk or a cancel never leaves a half-written backup
 * behind. `destination` is any file path (the CLI's `orchard backup FILE`); by default
 * the file goes to the data folder's backups/ under a name that says its kind and time.
 */
export async function createBackup(
  db: Db,
  paths: DataPaths,
  kind: BackupKind,
  destination: string | undefined,
  now: Date,
  job: { jobId?: string; onProgress?: PageProgress } = {},
): Promise<Backup> {
  let target: string
  if (destination) {
    target = resolve(destination)
    mkdirSync(dirname(target), { recursive: true })
  } else {
    privateFolder(paths.backups)
    target = join(paths.backups, freeBackupName(paths, kind, now, studioTimeZone(db)))
  }
  let output: Output
  try {
    output = await runFileJob(
      // The caller's own meter reports the copy (a restore counts it as its safety-backup phase).
      { emit: () => undefined },
      { jobId: job.jobId, kind: 'backup', target, record: { db, at: () => now, label: kind } },
      async (temp, { stopIfCancelled }) => {
        await db.backup(
          temp,
          copyOptions((done, total) => {
            // Thrown inside the backup API's progress callback, this stops the copy.
            stopIfCancelled()
            job.onProgress?.(done, total)
          }),
        )
        // The copy carries the live database's WAL flag; switch it to a plain journal so the
        // backup is one file that opens read-only without leaving -wal/-shm files beside it.
        onCopy(db, temp, (alias) => {
          db.prepare(`PRAGMA ${alias}.journal_mode = DELETE`).get()
          copyPicturesInto(db, alias, stopIfCancelled)
        })
      },
      (temp) => {
        const check = onCopy(db, temp, (alias) => db.pragma(`${alias}.quick_check(1)`, { simple: true }))
        if (check !== 'ok') throw new Error(`quick_check: ${String(check)}`)
        // A backup is the whole studio: owner-only wherever it goes.
        ownerOnly(temp)
      },
    )
  } catch (err) {
    if (err instanceof OrchardError && err.code === 'cancelled') throw err
    throw new OrchardError('backup_failed', `备份失败：${(err as Error).message} / backup failed`, { file: target, cause: (err as Error).message })
  }
  const parsed = parseBackupName(basename(target))
  return {
    fileName: basename(target),
    path: target,
    kind,
    createdAt: parsed?.createdAt ?? now.toISOString(),
    sizeBytes: output.bytes,
    sha256: output.sha256,
  }
}

/**
 * The picture files the records name (buyer photos, products' own pictures) are kept in the
 * data folder's files/ by their hash, not in the database: a backup carries them in this
 * table of its copy, so it is the whole studio wherever it goes, and a restore puts back a
 * picture removed (or pruned) since — the restore takes the table out of what it restores.
 */
const PICTURES_TABLE = 'orchard_backup_files'

function copyPicturesInto(db: Db, alias: string, stopIfCancelled: () => void): void {
  db.exec(`CREATE TABLE ${alias}.${PICTURES_TABLE} (sha256 TEXT PRIMARY KEY, bytes BLOB NOT NULL)`)
  const insert = db.prepare(`INSERT INTO ${alias}.${PICTURES_TABLE} (sha256, bytes) VALUES (?, ?)`)
  for (const sha of namedFiles(db)) {
    stopIfCancelled()
    if (hasStoredFile(db, sha)) insert.run(sha, readFileSync(storedFile(db, sha)))
  }
}

/**
 * Writes the pictures a prepared restore carries into the data folder's files/ (those not
 * there: a file is named by its hash, so one held is the same bytes), then takes the table
 * out of the copy. Bytes that do not match their name mean a damaged backup: refused before
 * anything is written, naming the picture.
 */
function restorePicturesFrom(copy: Db, paths: DataPaths, source: string): void {
  const held = copy.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(PICTURES_TABLE)
  if (!held) return
  const pictures = copy.prepare(`SELECT sha256, bytes FROM ${PICTURES_TABLE} ORDER BY sha256`).all() as { sha256: string; bytes: Buffer }[]
  for (const p of pictures) {
    if (sha256Of(p.bytes) !== p.sha256) {
      throw new OrchardError('backup_invalid', `备份中的图片 ${p.sha256.slice(0, 12)}… 已损坏（内容与其校验值不符）/ a picture in the backup is damaged (its bytes do not match its hash)`, {
        file: source,
        table: PICTURES_TABLE,
        sha256: p.sha256,
      })
    }
  }
  const folder = join(dirname(paths.database), 'files')
  for (const p of pictures) {
    const file = join(folder, p.sha256)
    if (existsSync(file)) continue
    writeOutput(file, p.bytes, { mode: 0o600 })
  }
  copy.exec(`DROP TABLE ${PICTURES_TABLE}`)
  // The pictures' pages are not carried into the studio's database.
  if (pictures.length) copy.exec('VACUUM')
}

/** Runs `work` with the copy at `file` attached to `db` under an alias of its own. */
function onCopy<T>(db: Db, file: string, work: (alias: string) => T): T {
  db.prepare('ATTACH DATABASE ? AS orchard_backup_copy').run(file)
  try {
    return work('orchard_backup_copy')
  } finally {
    db.exec('DETACH DATABASE orchard_backup_copy')
  }
}

/**
 * Where a restore reads from: a plain file name means a backup in the data folder's
 * backups/, anything with a directory in it is a path (the CLI's `orchard restore FILE`).
 */
export function resolveBackupSource(paths: DataPaths, fileOrName: string): string {
  const value = fileOrName.trim()
  if (isAbsolute(value) || value.includes('/') || value.includes('\\')) return resolve(value)
  return join(paths.backups, value)
}

function openSource(source: string, nativeBinding?: string): Database.Database {
  try {
    return new Database(source, { readonly: true, fileMustExist: true, nativeBinding })
  } catch (err) {
    throw new OrchardError('backup_invalid', `无法打开备份文件 ${source}：${(err as Error).message} / cannot open the backup file`, {
      file: source,
      cause: (err as Error).message,
    })
  }
}

/**
 * Checks that `source` is an Orchard database this build can use, before anything
 * of the live data is touched: a SQLite file, intact, with Orchard's migration
 * table, and not written by a newer Orchard.
 */
export function validateBackupFile(source: string, nativeBinding?: string): { schemaVersion: number } {
  if (!existsSync(source) || !statSync(source).isFile()) {
    throw new OrchardError('backup_not_found', `备份文件不存在 / backup file not found: ${source}`, { file: source })
  }
  const db = openSource(source, nativeBinding)
  try {
    let check: unknown
    try {
      check = db.pragma('quick_check(1)', { simple: true })
    } catch (err) {
      throw new OrchardError('backup_invalid', `备份文件已损坏或不是数据库（${(err as Error).message}）/ the backup is damaged or not a database`, {
        file: source,
        cause: (err as Error).message,
      })
    }
    if (check !== 'ok') {
      throw new OrchardError('backup_invalid', `备份文件已损坏（${String(check)}）/ the backup is damaged`, { file: source, check: String(check) })
    }
    const hasMigrations = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get()
    if (!hasMigrations) {
      throw new OrchardError('backup_invalid', `这个文件不是果园的数据库（缺少 schema_migrations）/ this file is not an Orchard database`, {
        file: source,
        missing: 'schema_migrations',
      })
    }
    const version = (db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0
    if (version > LATEST_SCHEMA_VERSION) {
      throw new OrchardError(
        'db_newer',
        `这个备份由更新版本的果园创建（结构版本 ${version}，本程序支持到 ${LATEST_SCHEMA_VERSION}），请先升级果园 / ` +
          `this backup was written by a newer Orchard (schema ${version}, this build knows up to ${LATEST_SCHEMA_VERSION}); update Orchard first`,
        { file: source, schemaVersion: version, supported: LATEST_SCHEMA_VERSION },
      )
    }
    // Each migration the file records must be the one this build knows under that number:
    // a file whose history differs (another fork, a hand-edited table) could never open.
    const applied = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as { version: number; name: string }[]
    for (const row of applied) {
      const known = migrations.find((m) => m.version === row.version)
      if (!known || known.name !== row.name) {
        throw new OrchardError(
          'backup_invalid',
          `备份的迁移记录与本程序不一致（第 ${row.version} 项为「${row.name}」，应为「${known?.name ?? '无'}」），不能恢复 / ` +
            `the backup's migration ${row.version} is "${row.name}", this build's is "${known?.name ?? '(none)'}": it cannot be restored`,
          { file: source, table: 'schema_migrations', version: row.version, value: row.name, expected: known?.name ?? null },
        )
      }
    }
    return { schemaVersion: version }
  } finally {
    db.close()
  }
}

/**
 * Everything a restore can check before the live data is touched: the file is validated,
 * copied beside the live database, brought to this build's schema there, and the result
 * is checked again (intact, its settings readable). Returns the prepared copy, one file in
 * rollback-journal mode; the caller removes it (`discardPrepared`) whatever happens next.
 */
export async function prepareRestore(paths: DataPaths, source: string, nativeBinding?: string): Promise<string> {
  validateBackupFile(source, nativeBinding)
  mkdirSync(paths.dataDir, { recursive: true })
  const prepared = `${paths.database}.restore-${process.pid}-${Date.now()}.partial`
  try {
    const src = openSource(source, nativeBinding)
    try {
      await src.backup(prepared)
    } finally {
      src.close()
    }
    ownerOnly(prepared)
    const copy = openDatabase(prepared, { nativeBinding, journal: 'delete' })
    try {
      const check = copy.pragma('quick_check(1)', { simple: true })
      if (check !== 'ok') throw new OrchardError('backup_invalid', `备份升级后校验失败（${String(check)}）/ the backup failed its check after the upgrade`, { file: source, check: String(check) })
      readSettings(copy)
      restorePicturesFrom(copy, paths, source)
    } finally {
      copy.close()
    }
    return prepared
  } catch (err) {
    discardPrepared(prepared)
    if (err instanceof OrchardError) {
      // The copy's name means nothing to the person restoring: the error is about their file.
      const details = err.details && typeof err.details === 'object' ? { ...(err.details as object), file: source } : { file: source }
      throw new OrchardError(err.code === 'db_migrations_differ' || err.code === 'db_corrupt' ? 'backup_invalid' : err.code, err.message, details)
    }
    throw new OrchardError('backup_invalid', `无法读取备份文件：${(err as Error).message} / cannot read the backup file`, { file: source, cause: (err as Error).message })
  }
}

export function discardPrepared(prepared: string): void {
  for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(`${prepared}${suffix}`, { force: true })
}

/**
 * Writes a prepared copy into the live database path through the backup API: one write
 * transaction on the live file, so a failure or a crash part-way leaves it as it was.
 * The caller guarantees that no connection of this process is open on the live database.
 */
export async function writeIntoLive(paths: DataPaths, source: string, nativeBinding?: string, onProgress?: PageProgress): Promise<void> {
  const src = openSource(source, nativeBinding)
  try {
    try {
      await src.backup(paths.database, copyOptions(onProgress))
    } catch (err) {
      // A damaged live file cannot even be opened as the backup's destination. Nothing
      // holds it open (the caller closed its connection), so its stale -wal/-shm go
      // with it: replaying them over the restored pages would corrupt them again.
      if (!/not a database|malformed|corrupt/i.test((err as Error).message)) throw err
      for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${paths.database}${suffix}`, { force: true })
      await src.backup(paths.database, copyOptions(onProgress))
    }
  } catch (err) {
    throw new OrchardError('restore_failed', `恢复失败：${(err as Error).message} / restore failed`, {
      file: source,
      target: paths.database,
      cause: (err as Error).message,
    })
  } finally {
    src.close()
  }
}

/**
 * Restores a backup without an open core (the recovery screen, `orchard restore`): prepares
 * it (validated, migrated and checked on a copy), keeps the current database as a
 * 'pre-restore' backup when it can still be opened, then writes the prepared copy into place.
 * Any failure before that last step leaves the studio exactly as it was.
 */
export async function restoreBackupFile(
  paths: DataPaths,
  source: string,
  options: { nativeBinding?: string; now: Date },
): Promise<{ restored: string; safetyBackup: string | null }> {
  const file = resolve(source)
  const prepared = await prepareRestore(paths, file, options.nativeBinding)
  try {
    let safetyBackup: string | null = null
    if (existsSync(paths.database)) {
      let current: Db | null = null
      try {
        current = openDatabase(paths.database, { nativeBinding: options.nativeBinding, migrate: false })
      } catch {
        // Damaged or locked beyond use: there is nothing worth keeping to back up.
        current = null
      }
      if (current) {
        try {
          safetyBackup = (await createBackup(current, paths, 'pre-restore', undefined, options.now)).path
        } finally {
          current.close()
        }
      }
    }
    await writeIntoLive(paths, prepared, options.nativeBinding)
    return { restored: file, safetyBackup }
  } finally {
    discardPrepared(prepared)
  }
}

/**
 * The daily automatic backup: taken when none was taken in the last 24 hours, then
 * automatic backups older than the kept number of days are removed. Manual and
 * pre-restore backups are the operator's and are never pruned.
 */
export async function runDueBackup(ctx: CoreContext): Promise<void> {
  const settings = readSettings(ctx.db)
  if (!settings.autoBackup) return
  const now = ctx.clock.now()
  const autos = listBackups(ctx.paths).filter((b) => b.kind === 'auto')
  const recent = autos.some((b) => now.getTime() - Date.parse(b.createdAt) < DAY_MS && Date.parse(b.createdAt) <= now.getTime() + 60_000)
  if (!recent) {
    await createBackup(ctx.db, ctx.paths, 'auto', undefined, now)
    ctx.emit('data.changed', { entities: ['backups'] })
  }
  pruneAutoBackups(ctx.paths, settings.backupKeepDays, now)
}

export function pruneAutoBackups(paths: DataPaths, keepDays: number, now: Date): string[] {
  const cutoff = now.getTime() - keepDays * DAY_MS
  const removed: string[] = []
  for (const b of listBackups(paths)) {
    if (b.kind !== 'auto' || Date.parse(b.createdAt) >= cutoff) continue
    rmSync(b.path, { force: true })
    removed.push(b.fileName)
  }
  return removed
}
