import { mkdirSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'

/**
 * The server's database: PostgreSQL through node-postgres in production, or
 * PGlite (PostgreSQL compiled to WebAssembly, in a folder) when no database URL
 * is given. Both speak the same SQL; everything above this file is written once.
 *
 * Values come back as JavaScript values, with one difference the callers smooth
 * over: node-postgres returns BIGINT as a string, PGlite as a number — read
 * numbers through `Number(...)`.
 */
export interface SqlClient {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>
}

export interface Storage extends SqlClient {
  readonly kind: 'pglite' | 'postgres'
  /** Runs `fn` in one transaction (READ COMMITTED); rolls back when it throws. */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>
  /** Runs a script of several statements (migrations). */
  exec(sql: string): Promise<void>
  /**
   * Hears `NOTIFY channel` from every connection to the database — other server processes
   * too — until the returned stop is called. A notice sent while the connection is being
   * made again is lost: listeners use it to wake waits early, never to carry data.
   */
  listen(channel: string, onNotice: (payload: string) => void): Promise<() => Promise<void>>
  close(): Promise<void>
}

export interface StorageOptions {
  /** postgres://user:pass@host:port/db — when absent, PGlite in `pgliteDir`. */
  databaseUrl?: string
  /** Where PGlite keeps its files; `memory://` keeps them in memory (tests). */
  pgliteDir?: string
  /** Connections in the node-postgres pool. */
  poolSize?: number
}

export async function openStorage(options: StorageOptions): Promise<Storage> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.poolSize ?? 10)
  if (!options.pgliteDir) throw new Error('openStorage needs a databaseUrl or a pgliteDir')
  return openPglite(options.pgliteDir)
}

async function openPostgres(url: string, poolSize: number): Promise<Storage> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize })
  // An idle client that loses its connection must not crash the server; the next query reconnects.
  pool.on('error', () => undefined)
  // Fail at start, with the reason, rather than at the first request.
  const probe = await pool.connect()
  probe.release()
  const wrap = (client: pg.Pool | pg.PoolClient): SqlClient => ({
    async query<R>(sql: string, params?: unknown[]) {
      const result = await client.query(sql, params as unknown[])
      return result.rows as R[]
    },
  })
  return {
    kind: 'postgres',
    ...wrap(pool),
    async transaction(fn) {
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        const value = await fn(wrap(client))
        await client.query('COMMIT')
        return value
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined)
        throw err
      } finally {
        client.release()
      }
    },
    async exec(sql) {
      await pool.query(sql)
    },
    listen: (channel, onNotice) => listenPostgres(url, channel, onNotice),
    close: () => pool.end(),
  }
}

async function openPglite(dir: string): Promise<Storage> {
  if (!dir.startsWith('memory://')) mkdirSync(dir, { recursive: true })
  const db = await PGlite.create(dir)
  const wrap = (client: Pick<PGlite, 'query'>): SqlClient => ({
    async query<R>(sql: string, params?: unknown[]) {
      const result = await client.query<R>(sql, params)
      return result.rows
    },
  })
  return {
    kind: 'pglite',
    ...wrap(db),
    // PGlite is one connection: its transactions queue behind each other, as the team lock would make them anyway.
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    async exec(sql) {
      await db.exec(sql)
    },
    async listen(channel, onNotice) {
      const stop = await db.listen(channel, onNotice)
      return async () => {
        if (!db.closed) await stop()
      }
    },
    close: () => db.close(),
  }
}

/** How long a lost listening connection waits before it is made again. */
const RELISTEN_MS = 1000

/**
 * One connection of its own that stays in LISTEN (a pooled one would be handed to other
 * queries), made again whenever it drops, until stopped.
 */
async function listenPostgres(url: string, channel: string, onNotice: (payload: string) => void): Promise<() => Promise<void>> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`)
  let stopped = false
  let client: pg.Client | null = null
  let retry: NodeJS.Timeout | undefined
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url })
    c.on('notification', (n) => {
      if (n.channel === channel) onNotice(n.payload ?? '')
    })
    c.on('error', () => undefined)
    c.once('end', () => {
      if (client === c) client = null
      if (!stopped) retry = setTimeout(() => void connect().catch(() => undefined), RELISTEN_MS)
    })
    await c.connect()
    await c.query(`LISTEN ${channel}`)
    if (stopped) await c.end()
    else client = c
  }
  await connect()
  return async () => {
    stopped = true
    clearTimeout(retry)
    await client?.end().catch(() => undefined)
  }
}
