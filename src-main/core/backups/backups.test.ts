import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Clock } from '../clock'
import type { CoreContext } from '../context'
import { openDatabase, type Db } from '../db/connection'
import { LATEST_SCHEMA_VERSION } from '../db/migrations'
import { dataPaths, type DataPaths } from '../paths'
import { writeSettings } from '../settings/settings'
import { createBackup, listBackups, parseBackupName, resolveBackupSource, restoreBackupFile, runDueBackup } from './backups'
import { cancelFileJob } from '../jobs/fileJob'
import { backupsHandlers } from './handlers'
import { forgetStoredFile, storedFile, storeFile } from '../materials/photos'

let dir: string
let paths: DataPaths
let ctx: CoreContext
let events: { event: string; payload: unknown }[]
let now: Date

const customerNames = (db: Db) => db.prepare('SELECT name FROM customers ORDER BY name').pluck().all() as string[]
let seq = 0
function addCustomer(db: Db, name: string): void {
  const at = new Date().toISOString()
  db.prepare('INSERT INTO customers (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)').run(`c-${++seq}`, name, at, at)
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-backups-'))
  paths = dataPaths(dir)
  now = new Date('2026-11-23T07:15:00Z')
  events = []
  const clock: Clock = { now: () => now }
  ctx = {
    db: openDatabase(paths.database),
    paths,
    clock,
    host: 'test',
    session: { profileId: null, role: null, name: null },
    keyStore: { dataKey: () => Buffer.alloc(32) },
    version: 'test',
    emit: (event, payload) => events.push({ event, payload }),
    timezone: () => 'Asia/Shanghai',
    reopen: () => {
      if (ctx.db.open) ctx.db.close()
      ctx.db = openDatabase(paths.database)
    },
  }
})
afterEach(() => {
  if (ctx.db.open) ctx.db.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('backup files', () => {
  it('are named by kind and the studio’s time with its offset, listed newest first, and never left half-written', async () => {
    addCustomer(ctx.db, '王芳')
    const first = await createBackup(ctx.db, paths, 'manual', undefined, new Date('2026-11-20T01:02:03Z'))
    const second = await createBackup(ctx.db, paths, 'auto', undefined, new Date('2026-11-23T07:15:00Z'))
    const third = await createBackup(ctx.db, paths, 'auto', undefined, new Date('2026-11-23T07:15:00Z'))
    // The studio keeps Beijing time: 01:02:03 UTC is 09:02:03 there.
    expect(first.fileName).toBe('orchard-manual-20261120-090203+0800.db')
    expect(second.fileName).toBe('orchard-auto-20261123-151500+0800.db')
    expect(third.fileName).toBe('orchard-auto-20261123-151500+0800-2.db')
    expect(first).toMatchObject({ kind: 'manual', createdAt: '2026-11-20T01:02:03.000Z' })
    expect(first.sizeBytes).toBeGreaterThan(0)
    // Only finished backups are in the folder: no temporary files, no -wal/-shm beside them.
    writeFileSync(join(paths.backups, 'notes.txt'), 'not a backup')
    expect(readdirSync(paths.backups).sort()).toEqual([
      'notes.txt',
      'orchard-auto-20261123-151500+0800-2.db',
      'orchard-auto-20261123-151500+0800.db',
      'orchard-manual-20261120-090203+0800.db',
    ])
    expect(listBackups(paths).map((b) => b.fileName)).toEqual([
      'orchard-auto-20261123-151500+0800-2.db',
      'orchard-auto-20261123-151500+0800.db',
      'orchard-manual-20261120-090203+0800.db',
    ])
    expect(parseBackupName('orchard-pre-restore-20261123-151500+0800.db')).toEqual({ kind: 'pre-restore', createdAt: '2026-11-23T07:15:00.000Z' })
    expect(parseBackupName('orchard-auto-20261122-231500-0800-3.db')).toEqual({ kind: 'auto', createdAt: '2026-11-23T07:15:00.000Z' })
    // Backups named before names carried an offset were named in UTC.
    expect(parseBackupName('orchard-pre-restore-20261123-071500.db')).toEqual({ kind: 'pre-restore', createdAt: '2026-11-23T07:15:00.000Z' })
    expect(parseBackupName('orchard.db')).toBeNull()

    // A backup is a complete, self-contained database.
    const copy = new Database(first.path, { readonly: true })
    expect(copy.prepare('SELECT name FROM customers').pluck().all()).toEqual(['王芳'])
    expect(copy.pragma('journal_mode', { simple: true })).toBe('delete')
    copy.close()
  })

  it('can be written to any file the CLI names', async () => {
    addCustomer(ctx.db, '李娜')
    const target = join(dir, 'elsewhere', 'studio-copy.db')
    const backup = await createBackup(ctx.db, paths, 'manual', target, now)
    expect(backup.path).toBe(target)
    expect(readdirSync(join(dir, 'elsewhere'))).toEqual(['studio-copy.db'])
    expect(resolveBackupSource(paths, 'orchard-manual-20261120-010203.db')).toBe(join(paths.backups, 'orchard-manual-20261120-010203.db'))
    expect(resolveBackupSource(paths, target)).toBe(target)
  })
})

describe('backups on the job engine', () => {
  it('are hashed as written, and one cancelled by its job id leaves no file and no temporary behind', async () => {
    // Enough rows that the copy takes more than one step of the backup API.
    const insert = ctx.db.transaction(() => {
      for (let i = 0; i < 3000; i++) addCustomer(ctx.db, `顾客${i} ${'备注'.repeat(40)}`)
    })
    insert()
    const backup = await backupsHandlers.create({ jobId: 'backup-1' }, ctx)
    expect(backup.sha256).toBe(createHash('sha256').update(readFileSync(backup.path)).digest('hex'))
    const progress = events.filter((e) => e.event === 'job.progress').map((e) => e.payload as { jobId: string; kind: string; done: number; total: number })
    expect(progress.at(-1)).toMatchObject({ jobId: 'backup-1', kind: 'backup', done: 1, total: 1 })

    const before = readdirSync(paths.backups)
    now = new Date(now.getTime() + 60_000)
    const cancelled = createBackup(ctx.db, paths, 'manual', undefined, now, { jobId: 'backup-2', onProgress: () => cancelFileJob('backup-2') })
    await expect(cancelled).rejects.toMatchObject({ code: 'cancelled' })
    expect(readdirSync(paths.backups)).toEqual(before)
    expect(listBackups(paths)).toHaveLength(1)
  })
})

describe('restore', () => {
  it('brings back the backed-up data, keeping the replaced data as a pre-restore backup', async () => {
    addCustomer(ctx.db, '王芳')
    const backup = await backupsHandlers.create({}, ctx)
    addCustomer(ctx.db, '写在备份之后')
    expect(customerNames(ctx.db)).toEqual(['写在备份之后', '王芳'])

    now = new Date('2026-11-23T08:00:00Z')
    const result = await backupsHandlers.restore({ fileName: backup.fileName }, ctx)
    expect(customerNames(ctx.db)).toEqual(['王芳'])
    expect(result.restored).toBe(backup.fileName)
    expect(result.safetyBackup).toBe('orchard-pre-restore-20261123-160000+0800.db')
    const safety = new Database(join(paths.backups, result.safetyBackup), { readonly: true })
    expect(safety.prepare('SELECT name FROM customers ORDER BY name').pluck().all()).toEqual(['写在备份之后', '王芳'])
    safety.close()
    expect(events.at(-1)).toMatchObject({ event: 'data.changed', payload: { entities: expect.arrayContaining(['customers', 'orders']) } })
    // The console keeps working on the restored database.
    addCustomer(ctx.db, '恢复后新增')
    expect(customerNames(ctx.db)).toEqual(['恢复后新增', '王芳'])
  })

  it('works without an open core, from a file anywhere (the CLI and the recovery screen)', async () => {
    addCustomer(ctx.db, '陈晓')
    const target = join(dir, 'export', 'before.db')
    await createBackup(ctx.db, paths, 'manual', target, now)
    addCustomer(ctx.db, '之后')
    ctx.db.close()

    const result = await restoreBackupFile(paths, resolveBackupSource(paths, target), { now })
    expect(result.restored).toBe(target)
    expect(result.safetyBackup).toMatch(/orchard-pre-restore-\d{8}-\d{6}[+-]\d{4}(-\d+)?\.db$/)
    const db = openDatabase(paths.database)
    expect(customerNames(db)).toEqual(['陈晓'])
    db.close()
  })

  it('replaces a damaged live database that cannot be opened any more', async () => {
    addCustomer(ctx.db, '赵敏')
    const backup = await createBackup(ctx.db, paths, 'manual', undefined, now)
    ctx.db.close()
    writeFileSync(paths.database, Buffer.alloc(8192, 0x5a))
    const result = await restoreBackupFile(paths, backup.path, { now })
    expect(result.safetyBackup).toBeNull()
    const db = openDatabase(paths.database)
    expect(customerNames(db)).toEqual(['赵敏'])
    db.close()
  })

  it('refuses a damaged file and leaves the live database untouched', async () => {
    addCustomer(ctx.db, '王芳')
    mkdirSync(paths.backups, { recursive: true })
    const junk = join(paths.backups, 'orchard-manual-20261101-000000.db')
    writeFileSync(junk, 'this is not a database '.repeat(400))
    await expect(backupsHandlers.restore({ fileName: 'orchard-manual-20261101-000000.db' }, ctx)).rejects.toMatchObject({
      code: 'backup_invalid',
      details: { file: junk },
    })
    ctx.db.close()
    await expect(restoreBackupFile(paths, junk, { now })).rejects.toMatchObject({ code: 'backup_invalid' })
    const db = openDatabase(paths.database)
    expect(customerNames(db)).toEqual(['王芳'])
    db.close()
    // Nothing was taken as a safety backup for a restore that never started.
    expect(listBackups(paths).filter((b) => b.kind === 'pre-restore')).toEqual([])
  })

  it('refuses a backup written by a newer Orchard, and files that are not Orchard databases', async () => {
    addCustomer(ctx.db, '王芳')
    const newer = await createBackup(ctx.db, paths, 'manual', join(dir, 'newer.db'), now)
    const raw = new Database(newer.path)
    raw.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(LATEST_SCHEMA_VERSION + 1, 'from_the_future', now.toISOString())
    raw.close()
    await expect(restoreBackupFile(paths, newer.path, { now })).rejects.toMatchObject({
      code: 'db_newer',
      details: { file: newer.path, schemaVersion: LATEST_SCHEMA_VERSION + 1, supported: LATEST_SCHEMA_VERSION },
    })

    const other = join(dir, 'other.db')
    const foreign = new Database(other)
    foreign.exec('CREATE TABLE notes (text TEXT)')
    foreign.close()
    await expect(restoreBackupFile(paths, other, { now })).rejects.toMatchObject({ code: 'backup_invalid' })
    await expect(restoreBackupFile(paths, join(dir, 'missing.db'), { now })).rejects.toMatchObject({ code: 'backup_not_found' })
    // The console can only restore from its own backups folder, not through a link out of it.
    await expect(backupsHandlers.restore({ fileName: '../orchard.db' }, ctx)).rejects.toMatchObject({ code: 'backup_not_found' })
    mkdirSync(paths.backups, { recursive: true })
    const valid = await createBackup(ctx.db, paths, 'manual', join(dir, 'elsewhere.db'), now)
    symlinkSync(valid.path, join(paths.backups, 'orchard-manual-20261101-000000.db'))
    await expect(backupsHandlers.restore({ fileName: 'orchard-manual-20261101-000000.db' }, ctx)).rejects.toMatchObject({ code: 'backup_not_found' })

    expect(customerNames(ctx.db)).toEqual(['王芳'])
    expect(existsSync(paths.database)).toBe(true)
  })
})

describe('pictures', () => {
  /** A product whose own picture and a buyer photo of it are files in the data folder's store. */
  function studioWithPictures(db: Db): { photo: Buffer; picture: Buffer; photoSha: string; pictureSha: string } {
    const photo = Buffer.from(`买家秀 JPEG ${'x'.repeat(3000)}`)
    const picture = Buffer.from(`商品主图 PNG ${'y'.repeat(5000)}`)
    const photoSha = storeFile(db, photo)
    const pictureSha = storeFile(db, picture)
    const at = new Date().toISOString()
    db.prepare(
      `INSERT INTO products (id, sku, name, images, list_price_fen, sale_price_fen, price_floor_fen, created_at, updated_at) VALUES ('p-1', 'SP-1', '玫瑰面霜', ?, 9900, 8900, 7900, ?, ?)`,
    ).run(JSON.stringify([`sha256:${pictureSha}`]), at, at)
    addCustomer(db, '王芳')
    db.prepare(`INSERT INTO buyer_photos (id, product_id, customer_id, sha256, caption, width, height, created_at, updated_at) VALUES ('ph-1', 'p-1', ?, ?, '回购', 800, 600, ?, ?)`).run(
      `c-${seq}`,
      photoSha,
      at,
      at,
    )
    return { photo, picture, photoSha, pictureSha }
  }

  it('go with a backup written anywhere: restored into a data folder that never held them, each file is back byte for byte', async () => {
    const held = studioWithPictures(ctx.db)
    const target = join(dir, 'usb', 'studio.db')
    await createBackup(ctx.db, paths, 'manual', target, now)
    ctx.db.close()
    // Another computer: a new data folder with nothing in it.
    const elsewhere = dataPaths(mkdtempSync(join(tmpdir(), 'orchard-backups-elsewhere-')))
    try {
      await restoreBackupFile(elsewhere, target, { now })
      const db = openDatabase(elsewhere.database)
      expect(db.prepare('SELECT sha256 FROM buyer_photos').pluck().all()).toEqual([held.photoSha])
      expect(readFileSync(storedFile(db, held.photoSha))).toEqual(held.photo)
      expect(readFileSync(storedFile(db, held.pictureSha))).toEqual(held.picture)
      // The pictures are files again, not a table of the studio's database.
      expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'orchard_backup_files'").all()).toEqual([])
      db.close()
    } finally {
      rmSync(elsewhere.dataDir, { recursive: true, force: true })
    }
  })

  it('a photo removed after the backup comes back with its picture when the backup is restored', async () => {
    const held = studioWithPictures(ctx.db)
    const backup = await backupsHandlers.create({}, ctx)
    ctx.db.prepare("DELETE FROM buyer_photos WHERE id = 'ph-1'").run()
    forgetStoredFile(ctx.db, held.photoSha)
    expect(existsSync(storedFile(ctx.db, held.photoSha))).toBe(false)

    await backupsHandlers.restore({ fileName: backup.fileName }, ctx)
    expect(ctx.db.prepare('SELECT caption FROM buyer_photos').pluck().all()).toEqual(['回购'])
    expect(readFileSync(storedFile(ctx.db, held.photoSha))).toEqual(held.photo)
  })

  it('a backup whose picture does not match its hash is refused, naming it, and nothing of the studio changes', async () => {
    const held = studioWithPictures(ctx.db)
    const backup = await createBackup(ctx.db, paths, 'manual', undefined, now)
    const tamper = new Database(backup.path)
    tamper.prepare('UPDATE orchard_backup_files SET bytes = ? WHERE sha256 = ?').run(Buffer.from('not the photo'), held.photoSha)
    tamper.close()
    ctx.db.prepare("DELETE FROM buyer_photos WHERE id = 'ph-1'").run()
    forgetStoredFile(ctx.db, held.photoSha)
    const filesBefore = readdirSync(join(dir, 'files')).sort()

    await expect(backupsHandlers.restore({ fileName: backup.fileName }, ctx)).rejects.toMatchObject({
      code: 'backup_invalid',
      details: { file: backup.path, sha256: held.photoSha },
    })
    expect(ctx.db.prepare('SELECT count(*) FROM buyer_photos').pluck().get()).toBe(0)
    expect(readdirSync(join(dir, 'files')).sort()).toEqual(filesBefore)
    expect(listBackups(paths).filter((b) => b.kind === 'pre-restore')).toEqual([])
  })
})

describe('a restore that cannot finish', () => {
  /** A backup whose migration 9 carries another name: valid SQLite, intact, not from the future, yet no build of this history can open it. */
  async function renamedMigrationBackup(): Promise<string> {
    const backup = await createBackup(ctx.db, paths, 'manual', undefined, new Date('2026-11-20T01:02:03Z'))
    const raw = new Database(backup.path)
    raw.prepare('UPDATE schema_migrations SET name = ? WHERE version = 9').run('0009_something_else')
    raw.close()
    return backup.fileName
  }
  const hash = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex')
  const dataFolder = () => readdirSync(dir).filter((f) => f !== 'backups').sort()

  it('leaves the studio byte for byte as it was, from a file (the CLI and the recovery screen)', async () => {
    addCustomer(ctx.db, '王芳')
    const fileName = await renamedMigrationBackup()
    addCustomer(ctx.db, '备份之后')
    ctx.db.close()
    const before = hash(paths.database)
    const files = dataFolder()

    await expect(restoreBackupFile(paths, join(paths.backups, fileName), { now })).rejects.toMatchObject({
      code: 'backup_invalid',
      details: { file: join(paths.backups, fileName), version: 9, value: '0009_something_else', expected: '0009_segment_index' },
    })
    expect(hash(paths.database)).toBe(before)
    // No half-prepared copy, no -wal/-shm, no safety backup for a restore that never started.
    expect(dataFolder()).toEqual(files)
    expect(listBackups(paths).filter((b) => b.kind === 'pre-restore')).toEqual([])
    const db = openDatabase(paths.database)
    expect(customerNames(db)).toEqual(['备份之后', '王芳'])
    db.close()
    ctx.db = openDatabase(paths.database)
  })

  it('leaves the studio as it was through the console, which keeps working', async () => {
    addCustomer(ctx.db, '王芳')
    const fileName = await renamedMigrationBackup()
    addCustomer(ctx.db, '备份之后')
    await expect(backupsHandlers.restore({ fileName }, ctx)).rejects.toMatchObject({ code: 'backup_invalid', details: { version: 9 } })
    expect(customerNames(ctx.db)).toEqual(['备份之后', '王芳'])
    addCustomer(ctx.db, '之后还能写')
    expect(listBackups(paths).filter((b) => b.kind === 'pre-restore')).toEqual([])
    ctx.db.close()
    const db = openDatabase(paths.database)
    expect(customerNames(db)).toEqual(['之后还能写', '备份之后', '王芳'])
    db.close()
    ctx.db = openDatabase(paths.database)
  })

  it('is refused when the backup lacks a migration this build needs under its number, or holds one it never had', async () => {
    const backup = await createBackup(ctx.db, paths, 'manual', join(dir, 'odd.db'), now)
    const raw = new Database(backup.path)
    raw.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (0, '0000_fork', '2026-01-01')").run()
    raw.close()
    await expect(restoreBackupFile(paths, backup.path, { now })).rejects.toMatchObject({ code: 'backup_invalid', details: { version: 0, value: '0000_fork', expected: null } })
  })
})

describe('progress', () => {
  it('reports a backup and a restore to the console that follows the job', async () => {
    // Enough customers for the copy to take several steps of a hundred pages.
    const at = new Date().toISOString()
    const insert = ctx.db.prepare('INSERT INTO customers (id, name, notes, created_at, updated_at) VALUES (?, ?, ?, ?, ?)')
    ctx.db.transaction(() => {
      for (let i = 0; i < 3000; i++) insert.run(`p-${i}`, `客户${i}`, '备注'.repeat(200), at, at)
    })()
    const progress = () => events.filter((e) => e.event === 'job.progress').map((e) => e.payload as { jobId: string; kind: string; phase: string; done: number; total: number })

    const backup = await backupsHandlers.create({ jobId: 'b1' }, ctx)
    const copied = progress()
    expect(new Set(copied.map((p) => `${p.jobId}/${p.kind}/${p.phase}`))).toEqual(new Set(['b1/backup/backup']))
    // The first event says how many pages there are to copy (the steps in between are
    // throttled to ten a second, which a copy this small does not last), the last that it is complete.
    expect(copied[0].total).toBeGreaterThan(100)
    expect(copied[0].done).toBe(0)
    const pages = copied.slice(0, -1)
    expect(pages.every((p, i) => p.done <= p.total && (i === 0 || p.done >= pages[i - 1].done))).toBe(true)
    expect(copied.at(-1)).toMatchObject({ done: 1, total: 1 })

    events.length = 0
    now = new Date('2026-11-23T08:00:00Z')
    await backupsHandlers.restore({ fileName: backup.fileName, jobId: 'r1' }, ctx)
    const phases = progress().map((p) => p.phase)
    // First the safety copy of the current data, then the restore; the console hears of both.
    expect(phases[0]).toBe('safety-backup')
    expect(phases.at(-1)).toBe('restore')
    expect(phases.indexOf('restore')).toBeGreaterThan(phases.lastIndexOf('safety-backup'))
    expect(progress().every((p) => p.jobId === 'r1' && p.kind === 'restore')).toBe(true)

    // Without a job id nothing is reported.
    events.length = 0
    await backupsHandlers.create({}, ctx)
    expect(progress()).toEqual([])
  })
})

describe('automatic backups', () => {
  it('take one a day and prune those older than the kept days, leaving manual ones alone', async () => {
    writeSettings(ctx.db, { autoBackup: true, backupKeepDays: 3 })
    const day = (d: number) => new Date(Date.parse('2026-11-10T02:00:00Z') + d * 86_400_000)
    await createBackup(ctx.db, paths, 'manual', undefined, day(0))

    for (let d = 0; d < 8; d++) {
      now = day(d)
      await runDueBackup(ctx)
      // A second run the same day takes nothing new.
      now = new Date(day(d).getTime() + 5 * 3_600_000)
      await runDueBackup(ctx)
    }
    const autos = listBackups(paths).filter((b) => b.kind === 'auto')
    expect(autos.map((b) => b.createdAt)).toEqual([day(7), day(6), day(5)].map((d) => d.toISOString()))
    expect(listBackups(paths).filter((b) => b.kind === 'manual')).toHaveLength(1)
  })

  it('takes nothing when automatic backups are off', async () => {
    writeSettings(ctx.db, { autoBackup: false })
    await runDueBackup(ctx)
    expect(listBackups(paths)).toEqual([])
  })
})
