import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { networkInterfaces } from 'node:os'
import { join } from 'node:path'
import { buildSyncApp, type SyncAppOptions } from './http'
import { migrateServer } from './schema'
import { hashSecret, newAdminToken, newServerId, sameHash } from './secrets'
import { openStorage, type Storage } from './storage'

export { createEnrolmentCode, listDevices, revokeDevice } from './devices'
export { changeStatuses, listEntries, teamSummary } from './ledger'
export type { Storage } from './storage'

/** Where a server keeps its files inside its data folder. */
export function serverFiles(dataDir: string) {
  return {
    /** PGlite's database (when no database URL is given). */
    pgdata: join(dataDir, 'pgdata'),
    /** Who holds the PGlite folder (one process at a time). */
    lock: join(dataDir, 'pgdata.lock'),
    /** The admin token, readable by the server's owner only (0600). */
    adminToken: join(dataDir, 'admin-token'),
    /** Written while the server runs: its address and pid, so `orchard server enrol` can find it. */
    running: join(dataDir, 'server.json'),
  }
}

export interface RunningServerInfo {
  url: string
  /** Where the team's workstations reach it on the LAN (when it listens beyond this machine). */
  lanUrls: string[]
  pid: number
  serverId: string
  startedAt: string
}

export interface ServerDatabase {
  storage: Storage
  kind: Storage['kind']
  /** The server's instance id; a new one means every workstation offers all its entries again. */
  serverId(): Promise<string>
  /** Gives the server a new instance id (after restoring its database from a backup). */
  renewServerId(): Promise<string>
  close(): Promise<void>
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Opens (creating and migrating when new) the server's database: PostgreSQL at
 * `databaseUrl`, or PGlite in `dataDir/pgdata`. PGlite is one process's folder: a
 * second opener is refused while the first is alive (a stale lock left by a killed
 * server is taken over).
 */
export async function openServerDatabase(options: { dataDir: string; databaseUrl?: string; poolSize?: number }): Promise<ServerDatabase> {
  const files = serverFiles(options.dataDir)
  mkdirSync(options.dataDir, { recursive: true })
  let locked = false
  if (!options.databaseUrl) {
    if (existsSync(files.lock)) {
      const holder = Number(readFileSync(files.lock, 'utf8').trim())
      if (holder && holder !== process.pid && pidAlive(holder)) {
        throw Object.assign(
          new Error(`服务器数据文件夹正被进程 ${holder} 使用 / the server's data folder is in use by process ${holder}: ${options.dataDir}`),
          { code: 'server_busy', pid: holder },
        )
      }
    }
    writeFileSync(files.lock, String(process.pid))
    locked = true
  }
  let storage: Storage
  try {
    storage = await openStorage({ databaseUrl: options.databaseUrl, pgliteDir: files.pgdata, poolSize: options.poolSize })
    await migrateServer(storage)
    await storage.query(`INSERT INTO server_meta (key, value) VALUES ('server_id', $1) ON CONFLICT (key) DO NOTHING`, [newServerId()])
  } catch (err) {
    if (locked) rmSync(files.lock, { force: true })
    throw err
  }
  return {
    storage,
    kind: storage.kind,
    async serverId() {
      const [row] = await storage.query<{ value: string }>(`SELECT value FROM server_meta WHERE key = 'server_id'`)
      return row.value
    },
    async renewServerId() {
      const id = newServerId()
      await storage.query(`UPDATE server_meta SET value = $1 WHERE key = 'server_id'`, [id])
      return id
    },
    async close() {
      await storage.close()
      if (locked) rmSync(files.lock, { force: true })
    },
  }
}

/**
 * The admin token: the one given (tests, or a team that manages its own secrets),
 * else the one in `dataDir/admin-token` when it still matches the database, else a
 * new one written there (0600) the first time. Only its hash is in the database.
 */
async function adminToken(db: ServerDatabase, dataDir: string, given?: string): Promise<{ token: string | null; hash: string | null }> {
  const file = serverFiles(dataDir).adminToken
  const [row] = await db.storage.query<{ value: string }>(`SELECT value FROM server_meta WHERE key = 'admin_token_hash'`)
  const stored = row?.value ?? null
  const save = (hash: string) =>
    db.storage.query(`INSERT INTO server_meta (key, value) VALUES ('admin_token_hash', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [hash])
  if (given) {
    await save(hashSecret(given))
    return { token: given, hash: hashSecret(given) }
  }
  const inFile = existsSync(file) ? readFileSync(file, 'utf8').trim() : null
  if (stored && inFile && sameHash(hashSecret(inFile), stored)) return { token: inFile, hash: stored }
  if (stored) return { token: null, hash: stored }
  const token = newAdminToken()
  writeFileSync(file, token + '\n', { mode: 0o600 })
  chmodSync(file, 0o600)
  await save(hashSecret(token))
  return { token, hash: hashSecret(token) }
}

/** Replaces the admin token (the old one stops working) and writes the new one to `dataDir/admin-token`. */
export async function resetAdminToken(db: ServerDatabase, dataDir: string): Promise<string> {
  const token = newAdminToken()
  await db.storage.query(
    `INSERT INTO server_meta (key, value) VALUES ('admin_token_hash', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
    [hashSecret(token)],
  )
  const file = serverFiles(dataDir).adminToken
  writeFileSync(file, token + '\n', { mode: 0o600 })
  chmodSync(file, 0o600)
  return token
}

export interface SyncServerOptions {
  /** 0 (default) picks a free port. */
  port?: number
  /** Where to listen; the team's workstations reach it over the LAN, so 0.0.0.0 by default. */
  host?: string
  /** PostgreSQL; without it, PGlite in `dataDir/pgdata`. */
  databaseUrl?: string
  dataDir: string
  /** A fixed admin token (tests); otherwise read from, or created in, `dataDir/admin-token`. */
  adminToken?: string
  poolSize?: number
  logger?: SyncAppOptions['logger']
  /** How often a running server re-reads its instance id (`orchard server restored`); 5 s by default. */
  serverIdRefreshMs?: number
  /** Where members' phones reach this server (https://… behind a reverse proxy), for their links and live codes. */
  publicUrl?: string | null
  /** Behind a reverse proxy: believe its X-Forwarded-For (see SyncAppOptions.trustProxy). */
  trustProxy?: boolean | string | string[]
  /** The clock of members' pages and live codes (tests). */
  clock?: () => Date
  pages?: SyncAppOptions['pages']
}

export interface SyncServer {
  /** http://HOST:PORT as workstations on this machine reach it. */
  url: string
  /** The addresses other machines on the LAN use (empty when it listens on one address only). */
  lanUrls: string[]
  port: number
  serverId: string
  /** The admin token when this process knows it (null when only its hash is in the database). */
  adminToken: string | null
  adminTokenFile: string
  database: ServerDatabase
  close(): Promise<void>
}

/** Starts the team's sync server. */
export async function startSyncServer(options: SyncServerOptions): Promise<SyncServer> {
  const database = await openServerDatabase(options)
  try {
    const admin = await adminToken(database, options.dataDir, options.adminToken)
    let serverId = await database.serverId()
    const app = buildSyncApp({
      storage: database.storage,
      serverId: () => serverId,
      adminTokenHash: admin.hash,
      logger: options.logger,
      publicUrl: options.publicUrl ?? null,
      trustProxy: options.trustProxy,
      clock: options.clock,
      pages: options.pages,
    })
    // `orchard server restored` may give the database a new instance id while the server runs.
    const refresh = setInterval(() => {
      database.serverId().then(
        (id) => (serverId = id),
        () => undefined,
      )
    }, options.serverIdRefreshMs ?? 5000)
    refresh.unref()
    const host = options.host ?? '0.0.0.0'
    await app.listen({ port: options.port ?? 0, host })
    const address = app.server.address()
    const port = typeof address === 'object' && address ? address.port : (options.port ?? 0)
    const url = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`
    const lanUrls = host === '0.0.0.0' ? lanAddresses().map((a) => `http://${a}:${port}`) : []
    const files = serverFiles(options.dataDir)
    const info: RunningServerInfo = { url, lanUrls, pid: process.pid, serverId, startedAt: new Date().toISOString() }
    writeFileSync(files.running, JSON.stringify(info, null, 2) + '\n')
    let closed = false
    return {
      url,
      lanUrls,
      port,
      get serverId() {
        return serverId
      },
      adminToken: admin.token,
      adminTokenFile: files.adminToken,
      database,
      async close() {
        if (closed) return
        closed = true
        clearInterval(refresh)
        await app.close()
        rmSync(files.running, { force: true })
        await database.close()
      },
    }
  } catch (err) {
    await database.close()
    throw err
  }
}

function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a): a is NonNullable<typeof a> => Boolean(a && a.family === 'IPv4' && !a.internal))
    .map((a) => a.address)
}

/** The server running on this data folder, if its process is alive. */
export function runningServer(dataDir: string): RunningServerInfo | null {
  const file = serverFiles(dataDir).running
  if (!existsSync(file)) return null
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as RunningServerInfo
    return pidAlive(info.pid) ? info : null
  } catch {
    return null
  }
}
