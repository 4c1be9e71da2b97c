import Database from 'better-sqlite3'
import { OrchardError } from '../../../src-shared/errors'
import { LATEST_SCHEMA_VERSION, migrations } from './migrations'
import { proposalId } from './proposalIds'
import { charTokens, searchText } from './searchText'

export type Db = Database.Database

/**
 * How long a statement waits inside SQLite for another connection's write before
 * SQLITE_BUSY. It blocks the thread, so the hosts' writes first wait for the lock
 * without blocking (waitForWriteLock) and begin their transaction at once; this is the
 * backstop for the rare instant in between, when another program takes the lock first
 * and may keep it for as long as its import writes.
 */
export const BUSY_TIMEOUT_MS = 30_000
/** How long a write waits its turn behind another program's (a large import from the command line takes a minute). */
export const WRITE_WAIT_MS = 10 * 60 * 1000

export interface OpenOptions {
  /** Path to a better_sqlite3.node built for the running runtime (Electron uses its own ABI). */
  nativeBinding?: string
  readonly?: boolean
  /** Skip migrations (used to inspect a file, e.g. a backup). */
  migrate?: boolean
  /** 'delete' keeps the file self-contained (no -wal/-shm beside it): a copy being prepared for a restore. */
  journal?: 'wal' | 'delete'
}

const preparedByDb = new WeakMap<Db, Map<string, Database.Statement<unknown[]>>>()

/**
 * A statement prepared once per connection and kept: for writes that run once per record
 * in bulk (a new workstation's snapshot writes tens of thousands of orders' lines), where
 * preparing the same SQL each time costs more than running it. Only for run/get/all —
 * a statement being iterated cannot be shared.
 */
export function prepared(db: Db, sql: string): Database.Statement<unknown[]> {
  let cache = preparedByDb.get(db)
  if (!cache) preparedByDb.set(db, (cache = new Map()))
  let statement = cache.get(sql)
  if (!statement) cache.set(sql, (statement = db.prepare(sql)))
  return statement
}

/** SQL functions the schema's triggers call; every connection that writes must have them. */
export function registerFunctions(db: Db): void {
  db.function('orchard_search_text', { deterministic: true }, (name, wechat, phones, notes) => searchText(name, wechat, phones, notes))
  db.function('orchard_chars', { deterministic: true }, (text) => charTokens(text))
  db.function('orchard_proposal_id', { deterministic: true }, (rule, member, from, to) => proposalId(String(rule), String(member), String(from), String(to)))
}

export function openDatabase(file: string, options: OpenOptions = {}): Db {
  let db: Db
  try {
    db = new Database(file, {
      readonly: options.readonly ?? false,
      fileMustExist: options.readonly ?? false,
      nativeBinding: options.nativeBinding,
      timeout: BUSY_TIMEOUT_MS,
    })
  } catch (err) {
    throw new OrchardError('db_open_failed', `无法打开数据库 ${file}：${(err as Error).message} / cannot open the database`, {
      file,
      cause: (err as Error).message,
    })
  }
  try {
    prepareConnection(db)
    // A file that is not a database fails here, not at the first query.
    const check = db.pragma('quick_check(1)', { simple: true })
    if (check !== 'ok') {
      throw new OrchardError('db_corrupt', `数据库已损坏（${String(check)}）/ the database is damaged`, { file, check })
    }
    // Everything above only reads. A file this build must refuse is refused before the
    // first write — switching the journal to WAL rewrites its header.
    const newer = schemaVersion(db) > LATEST_SCHEMA_VERSION
    if (newer && options.migrate !== false && !options.readonly) refuseNewer(file, schemaVersion(db))
    if (!options.readonly && !newer) {
      db.pragma(options.journal === 'delete' ? 'journal_mode = DELETE' : 'journal_mode = WAL')
      db.pragma('synchronous = NORMAL')
    }
    if (options.migrate !== false && !options.readonly) migrate(db, file)
    return db
  } catch (err) {
    db.close()
    if (err instanceof OrchardError) throw err
    const message = (err as Error).message
    const code = /not a database|malformed|corrupt/i.test(message) ? 'db_corrupt' : /locked|busy/i.test(message) ? 'db_locked' : 'db_open_failed'
    throw new OrchardError(code, `无法打开数据库：${message} / cannot open the database`, { file, cause: message })
  }
}

/** What every connection that reads or writes the studio sets up: keys, cache, the schema's functions, immediate transactions. */
function prepareConnection(db: Db): void {
  db.pragma('foreign_keys = ON')
  db.pragma('cache_size = -65536')
  db.pragma('temp_store = MEMORY')
  registerFunctions(db)
  if (!db.readonly) immediateTransactions(db)
}

/**
 * Transactions begin IMMEDIATE: they take the write lock (waiting for it) before they
 * read. A deferred one reads first; when another connection — the CLI next to the open
 * console — commits before its first write, SQLite fails it at once with SQLITE_BUSY,
 * whatever the busy timeout (its WAL snapshot is stale). Nested ones are savepoints as before.
 */
function immediateTransactions(db: Db): void {
  const plain = db.transaction.bind(db)
  db.transaction = ((fn: Parameters<Db['transaction']>[0]) => plain(fn).immediate) as Db['transaction']
}

/**
 * A second connection to a studio the core has open, for a long write of its own (a
 * large import): its transaction never mixes with what the host does meanwhile on the
 * core's connection. No migrations, no check: the core opened the file.
 */
export function openWriter(file: string, nativeBinding?: string): Db {
  const db = new Database(file, { fileMustExist: true, nativeBinding, timeout: BUSY_TIMEOUT_MS })
  try {
    prepareConnection(db)
    return db
  } catch (err) {
    db.close()
    throw err
  }
}

const isBusy = (err: unknown) => /^SQLITE_(BUSY|LOCKED)/.test((err as { code?: string })?.code ?? '')

/** The error a write gets when another program keeps the studio locked for longer than it waits. */
export function busyError(cause?: string): OrchardError {
  return new OrchardError(
    'busy',
    '工作室的数据正被另一个程序写入（例如命令行导入），请稍后再试 / the studio is being written by another program (an import from the command line, for instance); try again in a moment',
    cause ? { cause } : undefined,
  )
}

/** An error as the hosts show it: SQLite's "database is locked" becomes `busy`, never a raw SQLite code. */
export function asOrchardError(err: unknown): OrchardError {
  if (!(err instanceof OrchardError) && isBusy(err)) return busyError((err as Error).message)
  return OrchardError.from(err)
}

/**
 * Waits without blocking the event loop until this connection can take the write
 * lock: another process may hold it for as long as its import runs, and SQLite's own
 * busy wait would freeze the console that long. The caller's transaction follows at
 * once. Gives up with `busy` after `deadlineMs`.
 */
export async function waitForWriteLock(db: Db, deadlineMs = WRITE_WAIT_MS): Promise<void> {
  if (db.inTransaction || db.readonly || !db.open) return
  const started = Date.now()
  let pause = 5
  for (;;) {
    db.pragma('busy_timeout = 0')
    try {
      db.exec('BEGIN IMMEDIATE')
      db.exec('COMMIT')
      return
    } catch (err) {
      if (!isBusy(err)) throw err
    } finally {
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
    }
    if (Date.now() - started > deadlineMs) throw busyError()
    await new Promise((resolve) => setTimeout(resolve, pause))
    pause = Math.min(pause * 2, 100)
  }
}

/**
 * Runs a write only if the lock is free right now (false when another program holds
 * it): for background upkeep that can as well run a little later, never worth a wait.
 */
export function withoutWaiting(db: Db, write: () => void): boolean {
  db.pragma('busy_timeout = 0')
  try {
    write()
    return true
  } catch (err) {
    if (isBusy(err)) return false
    throw err
  } finally {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
  }
}

export function schemaVersion(db: Db): number {
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_migrations'").get()
  if (!hasTable) return 0
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }
  return row.v ?? 0
}

function refuseNewer(file: string, newest: number): never {
  throw new OrchardError(
    'db_newer',
    `这个数据库由更新版本的果园创建（结构版本 ${newest}，本程序支持到 ${LATEST_SCHEMA_VERSION}）。请升级果园，或从备份恢复。 / ` +
      `This database was written by a newer Orchard (schema ${newest}, this build knows up to ${LATEST_SCHEMA_VERSION}). Update Orchard or restore a backup.`,
    { file, schemaVersion: newest, supported: LATEST_SCHEMA_VERSION },
  )
}

/**
 * Applies the migrations this build knows and the file lacks, each in its own
 * transaction. A database written by a newer Orchard is refused, never touched.
 */
export function migrate(db: Db, file = db.name): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`)
  const applied = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as { version: number; name: string }[]
  const newest = applied.at(-1)?.version ?? 0
  if (newest > LATEST_SCHEMA_VERSION) refuseNewer(file, newest)
  for (const row of applied) {
    const known = migrations.find((m) => m.version === row.version)
    if (!known || known.name !== row.name) {
      throw new OrchardError('db_migrations_differ', `数据库的迁移记录与本程序不一致（${row.version} ${row.name}）/ the database's migrations differ from this build's`, {
        file,
        version: row.version,
        name: row.name,
      })
    }
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
  for (const m of migrations) {
    if (m.version <= newest) continue
    db.transaction(() => {
      db.exec(m.sql)
      record.run(m.version, m.name, new Date().toISOString())
    })()
  }
}
