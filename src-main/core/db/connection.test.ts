import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createCore, type OrchardCore } from '../api'
import { asOrchardError, waitForWriteLock } from './connection'

/**
 * Another program writing the same studio (the CLI next to the open console): a write
 * waits its turn without freezing the host, and one that cannot get the lock says so
 * in words, never with an SQLite code.
 */
let dir: string
let core: OrchardCore
let other: Database.Database
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-lock-'))
  core = createCore({ dataDir: join(dir, 'data'), host: 'test', firstStart: 'empty' })
  other = new Database(core.paths.database)
})
afterEach(async () => {
  if (other.inTransaction) other.exec('ROLLBACK')
  other.close()
  await core.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('writers wait their turn', () => {
  it('a write waits while another program holds the lock, the host answering meanwhile, and is done when it ends', async () => {
    other.exec('BEGIN IMMEDIATE')
    other.prepare(`INSERT INTO members (id, name, invite_code, level, join_date, status, created_at, updated_at) VALUES ('m1', '另一程序', 'OTHER1', 1, '2026-11-01', 'active', '2026-11-01', '2026-11-01')`).run()
    let done = false
    const create = core.invoke('customers', 'create', { name: '王芳' }).then((c) => {
      done = true
      return c
    })
    // The event loop turns while the write waits: reads are answered.
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 40))
      expect((await core.invoke('customers', 'list', {})).total).toBe(0)
    }
    expect(done).toBe(false)
    other.exec('COMMIT')
    expect(await create).toMatchObject({ name: '王芳' })
    expect(core.context.db.prepare('SELECT invite_code FROM members').pluck().all()).toEqual(['OTHER1'])
  })

  it('a write that cannot get the lock in time is refused as busy, in words', async () => {
    other.exec('BEGIN IMMEDIATE')
    await expect(waitForWriteLock(core.context.db, 100)).rejects.toMatchObject({ code: 'busy', message: expect.stringMatching(/另一个程序.*\/ .*another program/) })
    // What SQLite itself would say becomes the same error.
    let raw: unknown
    try {
      core.context.db.pragma('busy_timeout = 0')
      core.context.db.exec('BEGIN IMMEDIATE')
    } catch (err) {
      raw = err
    }
    expect(raw).toMatchObject({ code: 'SQLITE_BUSY' })
    expect(asOrchardError(raw)).toMatchObject({ code: 'busy', details: { cause: 'database is locked' } })
  })
})
