import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import type { TeamSummary } from '../src-shared/syncProtocol'
import { createCore, type OrchardCore } from '../src-main/core/api'
import { actAs } from '../src-main/core/lifecycle/lifecycle.testkit'
import { startSyncLoop, stopSyncLoop, type SyncStep } from '../src-main/core/sync'
import { PUSH_BATCH } from '../src-main/core/sync/round'
import { migrateServer } from '../src-server/schema'
import { openStorage } from '../src-server/storage'
import { createDatabase } from '../src-server/testDatabases'
import { spawnServer, type Cleanups } from './lib/serverProcess'

/**
 * The team sync server on a real PostgreSQL: a workstation's 10,000 ledger entries
 * pushed over loopback HTTP to `orchard server` (its own process, Fastify over
 * node-postgres), against the floor: PostgreSQL's `COPY … FROM STDIN` of the very
 * same rows into the server's own `entries` table (same keys, indexes, identity,
 * defaults and foreign key), in a second database of the same cluster.
 *
 *  - the sync: `sync.syncNow` on the workstation — hello, the push in batches of
 *    PUSH_BATCH until the outbox is empty (each batch validated, stored under the
 *    team's lock and marked as accepted here), then the pull — timed whole;
 *  - orchard: the server's sustained accept rate, the entries the server holds
 *    afterwards ÷ the wall time of the push (first request to last batch marked);
 *  - peer: the rows COPY loads per second (the rows read back from the server,
 *    formatted beforehand; the COPY itself is timed, commit included).
 *
 * Each side runs RUNS times — the sync into a new team each time (the workstation
 * enrols again, so every entry is offered again and stored anew), the COPY as a new
 * team's rows — and the medians are compared; goal: ≥ 0.3× COPY.
 *
 * PostgreSQL: DATABASE_URL when set (two throwaway databases are created and
 * dropped there), else a throwaway cluster from the newest /usr/lib/postgresql/
 * in bench/.work/sync/pg, removed afterwards.
 *
 *   npm run bench -- sync
 */
const ENTRIES = 10_000
const ORDERS = ENTRIES / 2 // one line each: the seller's commission and the mentor's
const MENTORS = 10
const MEMBERS = 100
const RUNS = 5
const GOAL = 0.3
const work = join(import.meta.dirname, '.work', 'sync')

/** What to undo, newest first, however the run ends. */
const cleanups: Cleanups = []
async function cleanUp(): Promise<void> {
  while (cleanups.length) {
    const { what, undo } = cleanups.pop()!
    try {
      await undo()
    } catch (err) {
      console.error(`cleanup (${what}) failed: ${(err as Error).message}`)
    }
  }
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void cleanUp().finally(() => process.exit(130))
  })
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const seconds = (from: number) => (performance.now() - from) / 1000

// ---------------------------------------------------------------- PostgreSQL

function newestPostgresBin(): string | null {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return null
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl')) && existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => b.localeCompare(a, undefined, { numeric: true }))
  return versions.length ? join(root, versions[0], 'bin') : null
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      const port = typeof address === 'object' && address ? address.port : 0
      probe.close(() => resolve(port))
    })
  })
}

/** Runs a PostgreSQL tool; as root, as the `postgres` user (PostgreSQL refuses to run as root). */
function pgTool(asPostgres: string[], tool: string, args: string[]): void {
  const [cmd, ...pre] = [...asPostgres, tool]
  const r = spawnSync(cmd, [...pre, ...args], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr || r.stdout}`)
}

/** A PostgreSQL to measure on: its admin URL (databases are created in it). */
async function postgres(): Promise<string> {
  if (process.env.DATABASE_URL) {
    console.log(`PostgreSQL: DATABASE_URL (${new URL(process.env.DATABASE_URL).host})`)
    return process.env.DATABASE_URL
  }
  const binDir = newestPostgresBin()
  if (!binDir) {
    console.error(
      '没有找到 PostgreSQL：请安装（apt-get install postgresql）或设置 DATABASE_URL / PostgreSQL not found in /usr/lib/postgresql: install it (apt-get install postgresql) or set DATABASE_URL',
    )
    process.exit(1)
  }
  const dir = join(work, 'pg')
  const data = join(dir, 'data')
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const asPostgres: string[] = []
  if (process.getuid?.() === 0) {
    if (spawnSync('id', ['-u', 'postgres']).status !== 0) {
      console.error('以 root 运行时需要 postgres 用户 / running as root needs a `postgres` user (useradd --system postgres)')
      process.exit(1)
    }
    pgTool([], 'chown', ['postgres', dir])
    asPostgres.push('runuser', '-u', 'postgres', '--')
  }
  const port = await freePort()
  pgTool(asPostgres, join(binDir, 'initdb'), ['-D', data, '--username=orchard', '--auth=trust', '--encoding=UTF8', '--no-instructions'])
  cleanups.push({ what: 'remove the PostgreSQL cluster', undo: () => rmSync(dir, { recursive: true, force: true }) })
  pgTool(asPostgres, join(binDir, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, 'start'])
  cleanups.push({ what: 'stop PostgreSQL', undo: () => pgTool(asPostgres, join(binDir, 'pg_ctl'), ['-D', data, '-m', 'fast', 'stop']) })
  console.log(`PostgreSQL: a throwaway cluster (${binDir}) on 127.0.0.1:${port}`)
  return `postgres://orchard@127.0.0.1:${port}/postgres`
}

// ---------------------------------------------------------------- the sync server

/** CPU seconds a local process has used so far (Linux /proc, in USER_HZ = 100 ticks a second), or null where it cannot be read. */
function cpuSeconds(pid: number | undefined): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return null
  }
}

// ---------------------------------------------------------------- the workstation

function buildStudio(): OrchardCore {
  const core = createCore({ dataDir: join(work, 'studio'), host: 'cli', firstStart: 'empty' })
  actAs(core, 'manager', 'bench')
  const db = core.context.db
  db.transaction(() => {
    // Ten mentors (level 3, so their commission is not zero), each with nine sellers.
    const member = db.prepare(`INSERT INTO members (id, name, invite_code, mentor_id, level, join_date, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, '2026-09-01', 'active', 'x', 'x')`)
    for (let i = 0; i < MEMBERS; i++) member.run(`m${i}`, `会员${i}`, `M${String(i).padStart(6, '0')}`, i < MENTORS ? null : `m${i % MENTORS}`, i < MENTORS ? 3 : 1 + (i % 3))
    const product = db.prepare(
      `INSERT INTO products (id, sku, name, category, list_price_fen, sale_price_fen, price_floor_fen, commission_bp, mentor_commission_bp, created_at, updated_at) VALUES (?, ?, ?, ?, 19900, 12900, 9900, 0, 0, 'x', 'x')`,
    )
    for (let i = 0; i < 40; i++) product.run(`p${i}`, `SKU-${i}`, `商品${i}`, ['美妆', '母婴', '食品', '家居'][i % 4])
    const order = db.prepare(
      `INSERT INTO orders (id, order_no, source, status, placed_at, member_id, total_fen, refunded_fen, created_at, updated_at) VALUES (?, ?, 'manual', 'paid', ?, ?, ?, 0, ?, ?)`,
    )
    const line = db.prepare(`INSERT INTO order_lines (id, order_id, line_no, product_id, sku, name, quantity, unit_price_fen, amount_fen) VALUES (?, ?, 1, ?, ?, ?, 1, ?, ?)`)
    const start = Date.parse('2026-11-01T00:00:00Z')
    for (let o = 0; o < ORDERS; o++) {
      const at = new Date(start + o * 60_000).toISOString()
      const amount = 5_900 + (o % 97) * 100
      const seller = MENTORS + (o % (MEMBERS - MENTORS))
      order.run(`o${o}`, `SO-${o}`, at, `m${seller}`, amount, at, at)
      line.run(`o${o}-1`, `o${o}`, `p${o % 40}`, `SKU-${o % 40}`, `商品${o % 40}`, amount, amount)
    }
  })()
  return core
}

// ---------------------------------------------------------------- COPY

/** The server's stored columns for an entry (seq, received_at and the status are the table's defaults). */
const COPY_COLUMNS = [
  'team',
  'id',
  'member_code',
  'kind',
  'amount_fen',
  'source_type',
  'source_key',
  'reverses_id',
  'scheme_id',
  'scheme_version',
  'period',
  'occurred_at',
  'memo',
  'origin_device',
  'pushed_by',
] as const

/** One row in COPY's text format. */
function copyLine(values: unknown[]): string {
  return (
    values
      .map((v) => (v == null ? '\\N' : String(v).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')))
      .join('\t') + '\n'
  )
}

// ---------------------------------------------------------------- the run

async function main(): Promise<void> {
  rmSync(work, { recursive: true, force: true })
  mkdirSync(work, { recursive: true })
  const adminUrl = await postgres()
  const serverDb = await createDatabase(adminUrl)
  cleanups.push({ what: 'drop the server database', undo: () => serverDb.drop() })
  const copyDb = await createDatabase(adminUrl)
  cleanups.push({ what: 'drop the COPY database', undo: () => copyDb.drop() })

  console.log(`building a studio with ${ENTRIES.toLocaleString()} ledger entries …`)
  const core = buildStudio()
  cleanups.push({ what: 'close the studio', undo: () => core.close() })
  await core.invoke('schemes', 'save', { name: '标准两级', rules: { tiers: 2, sellerBp: [1000, 1200, 1500], mentorBp: [0, 200, 300] } })
  const posted = await core.invoke('ledger', 'post', {})
  if (posted.entries !== ENTRIES) throw new Error(`posted ${posted.entries} entries, expected ${ENTRIES}`)
  core.context.db.pragma('wal_checkpoint(TRUNCATE)')

  const server = await spawnServer(join(work, 'server'), serverDb.databaseUrl, cleanups)
  console.log(`sync server: ${server.url} (pid ${server.child.pid}), PostgreSQL database ${new URL(serverDb.databaseUrl).pathname.slice(1)}`)

  // The push, timed from the workstation's own steps: first request to last batch marked accepted.
  let pushStart = 0
  let pushEnd = 0
  let batches = 0
  const onStep = (step: SyncStep) => {
    if (step === 'push.request') {
      if (!pushStart) pushStart = performance.now()
      batches++
    } else if (step === 'push.marked') pushEnd = performance.now()
  }

  const syncTimes: number[] = []
  const acceptRates: number[] = []
  for (let r = 0; r < RUNS; r++) {
    const team = `bench-${r + 1}`
    const { code } = await server.admin<{ code: string }>('POST', '/v1/admin/enrolment-codes', { team })
    await stopSyncLoop(core.context)
    const enrolled = await core.invoke('sync', 'enrol', { server: server.url, code, deviceName: '前台' })
    if (enrolled.pending !== ENTRIES) throw new Error(`enrolled with ${enrolled.pending} entries pending, expected ${ENTRIES}`)
    // The loop as a host runs it (its idle timers out of the way); syncNow is the console's 同步 button.
    await startSyncLoop(core.context, { onStep, idleMs: 3_600_000, watchMs: 3_600_000 })
    pushStart = pushEnd = batches = 0
    const serverCpu = cpuSeconds(server.child.pid)
    const cpu = process.cpuUsage()
    const t = performance.now()
    const round = await core.invoke('sync', 'syncNow', {})
    const sync = seconds(t)
    const used = process.cpuUsage(cpu)
    const serverUsed = serverCpu == null ? null : (cpuSeconds(server.child.pid) ?? serverCpu) - serverCpu
    if (round.accepted !== ENTRIES || round.pending !== 0 || round.conflicts !== 0) throw new Error(`the sync ended with ${JSON.stringify(round)}`)
    const held = (await server.admin<TeamSummary>('GET', `/v1/admin/summary?team=${team}`)).entries
    if (held !== ENTRIES) throw new Error(`the server holds ${held} entries of team ${team}, expected ${ENTRIES}`)
    const push = (pushEnd - pushStart) / 1000
    syncTimes.push(sync)
    acceptRates.push(held / push)
    console.log(
      `  sync ${r + 1}: ${ENTRIES.toLocaleString()} entries in ${sync.toFixed(3)} s (${(ENTRIES / sync).toFixed(0)} entries/s); push ${push.toFixed(3)} s in ${batches} batches of ≤ ${PUSH_BATCH}, server holds ${held.toLocaleString()} → ${(held / push).toFixed(0)} entries/s accepted` +
        ` (cpu: workstation ${((used.user + used.system) / 1e6).toFixed(2)} s${serverUsed == null ? '' : `, server ${serverUsed.toFixed(2)} s`})`,
    )
  }
  await stopSyncLoop(core.context)

  // The peer: the same rows, as the server stored them, COPYed into the server's own table in a second database.
  const storage = await openStorage({ databaseUrl: copyDb.databaseUrl, poolSize: 1 })
  await migrateServer(storage)
  await storage.close()
  const source = new pg.Client({ connectionString: serverDb.databaseUrl })
  await source.connect()
  const stored = (await source.query({ text: `SELECT ${COPY_COLUMNS.join(', ')} FROM entries WHERE team = 'bench-1' ORDER BY seq`, rowMode: 'array' })).rows as unknown[][]
  await source.end()
  if (stored.length !== ENTRIES) throw new Error(`read ${stored.length} rows back from the server, expected ${ENTRIES}`)

  const client = new pg.Client({ connectionString: copyDb.databaseUrl })
  await client.connect()
  cleanups.push({ what: 'disconnect from the COPY database', undo: () => client.end() })
  const copyTimes: number[] = []
  for (let r = 0; r < RUNS; r++) {
    const team = `copy-${r + 1}`
    await client.query('INSERT INTO teams (name) VALUES ($1)', [team])
    const text = stored.map((row) => copyLine([team, ...row.slice(1)])).join('')
    const t = performance.now()
    await pipeline(Readable.from([text]), client.query(copyFrom(`COPY entries (${COPY_COLUMNS.join(', ')}) FROM STDIN`)))
    const s = seconds(t)
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM entries WHERE team = $1', [team])
    if (Number(rows[0].n) !== ENTRIES) throw new Error(`COPY left ${rows[0].n} rows for ${team}, expected ${ENTRIES}`)
    copyTimes.push(s)
    console.log(`  COPY ${r + 1}: ${ENTRIES.toLocaleString()} rows in ${s.toFixed(3)} s (${(ENTRIES / s).toFixed(0)} rows/s)`)
  }

  const orchard = median(acceptRates)
  const peer = ENTRIES / median(copyTimes)
  const ratio = orchard / peer
  const sync = median(syncTimes)
  console.log(`\nsync of ${ENTRIES.toLocaleString()} entries on loopback: ${sync.toFixed(2)} s (${(ENTRIES / sync).toFixed(0)} entries/s, median of ${RUNS})`)
  console.log(`server accept rate ${orchard.toFixed(0)} entries/s; COPY ${peer.toFixed(0)} rows/s; ${ratio.toFixed(2)}× COPY (goal ≥ ${GOAL}×)`)
  await cleanUp()
  console.log(
    JSON.stringify({ bench: 'sync', unit: 'entries/s', orchard: Math.round(orchard), peer: Math.round(peer), ratio: Number(ratio.toFixed(3)), goal: GOAL, met: ratio >= GOAL }),
  )
}

try {
  await main()
} catch (err) {
  await cleanUp()
  throw err
}
