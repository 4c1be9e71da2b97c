import { spawn } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { SYNCED_RECORDS } from '../src-shared/recordsProtocol'
import { createCore, type OrchardCore } from '../src-main/core/api'
import { readRecords } from '../src-main/core/records/sync'
import { startSyncLoop, stopSyncLoop } from '../src-main/core/sync'
import { createDatabase } from '../src-server/testDatabases'
import { testPostgres } from '../src-server/testPostgres'
import { writeCsvFile } from './lib/csvFile'
import { writeCustomersCsv } from './lib/customersCsv'
import { spawnServer, type Cleanups } from './lib/serverProcess'

/**
 * A new workstation joining a team that already has its book, on the team server over a
 * real PostgreSQL (DATABASE_URL, else a throwaway cluster started by the tests' helper;
 * PGlite only when neither can be had, and the output says so):
 *
 *  - peer: workstation A imports 100,000 customers and 50,000 orders with `orchard import`,
 *    each file its own process as an operator runs it, timed whole. A then pushes them to the server with `orchard sync --once` (not timed);
 *  - orchard: a fresh workstation B, enrolled, runs `orchard sync --once` — the snapshot
 *    of the team's records, page by page, written here without change rows, and the
 *    changes after it — timed whole, as the operator waits for it. B must then hold every
 *    record A holds, field by field for a sample, and the count of each kind is printed.
 *    Goal: ≤ 2× the import.
 *  - records-propagation: A and B open with their background loops running as the console
 *    runs them (default rhythm: B keeps a records pull waiting on the server, A pushes a
 *    save shortly after it is made); 200 edits of one field on A, one after another, each
 *    timed from the save until B reads the new value. Goal: p95 ≤ 2 s.
 *
 *   npm run bench -- records
 */
// The sizes the goal is set for; smaller ones only to try the bench itself out.
const CUSTOMERS = Number(process.env.RECORDS_BENCH_CUSTOMERS) || 100_000
const ORDERS = CUSTOMERS / 2
const EDITS = Number(process.env.RECORDS_BENCH_EDITS) || 200
const GOAL = 2
const PROPAGATION_GOAL_S = 2
/** The loops as the console runs them: their defaults (a round every minute, the outbox looked at every 3 s, a pull waiting on the server). */
const LOOP = {}
const work = join(import.meta.dirname, '.work', 'records')
const bin = join(import.meta.dirname, '..', 'bin', 'orchard.mjs')

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

const seconds = (from: number) => (performance.now() - from) / 1000

/** A database for the server: real PostgreSQL when one can be had, else PGlite in the server's folder. */
async function database(): Promise<{ url: string | undefined; label: string }> {
  try {
    const pg = await testPostgres()
    cleanups.push({ what: 'stop PostgreSQL', undo: () => pg.stop() })
    const db = await createDatabase(pg.adminUrl)
    cleanups.push({ what: 'drop the database', undo: () => db.drop() })
    return { url: db.databaseUrl, label: process.env.DATABASE_URL ? `PostgreSQL at DATABASE_URL` : 'PostgreSQL (a throwaway cluster)' }
  } catch (err) {
    console.log(`没有可用的 PostgreSQL，改用 PGlite / no PostgreSQL could be started (${(err as Error).message.split('\n')[0]}): FALLING BACK TO PGlite`)
    return { url: undefined, label: 'PGlite (fallback: no PostgreSQL)' }
  }
}

/** `orchard …` as an operator runs it, in its own process; its output (JSON with --json). */
function orchard(dataDir: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, '--data-dir', dataDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString()))
    child.stderr.on('data', (c: Buffer) => (err += c.toString()))
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`orchard ${args.join(' ')} exited ${code}: ${err || out}`))))
  })
}

/** Orders of the customers in the book (by their phones' row numbers), one line each, as a studio's export has them. */
async function writeOrdersCsv(path: string, rows: number, customers: number): Promise<void> {
  await writeCsvFile(path, '订单号,下单时间,状态,客户,手机,商品名称,数量,单价', orders())
  function* orders() {
    for (let i = 0; i < rows; i++) {
      const c = (i * 37) % customers
      const digits = `13${String((c * 7919) % 1_000_000_000).padStart(9, '0')}`
      yield [`BENCH-${String(i).padStart(6, '0')}`, `2026-10-${String((i % 28) + 1).padStart(2, '0')} 10:00`, '已付款', `客户${c}`, digits, `商品${i % 50}`, String((i % 3) + 1), '59.00'].join(',')
    }
  }
}

/** The books the run compares: what the imports write (the other shared kinds are the studio's defaults on both). */
const TABLE: Record<string, string> = { customer: 'customers', product: 'products', member: 'members', group: 'groups', order: 'orders' }
const counts = (core: OrchardCore) =>
  Object.fromEntries(Object.entries(TABLE).map(([r, table]) => [r, (core.context.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n]))

// ---------------------------------------------------------------- the run
rmSync(work, { recursive: true, force: true })
mkdirSync(work, { recursive: true })
cleanups.push({ what: 'remove the work folder', undo: () => rmSync(work, { recursive: true, force: true }) })
try {
  const db = await database()
  console.log(`server database: ${db.label}`)
  const server = await spawnServer(join(work, 'server'), db.url, cleanups)
  const shared = new Set<string>(SYNCED_RECORDS)
  const withOrders = shared.has('order')
  console.log(`shared record kinds on this build: ${SYNCED_RECORDS.join(', ')}${withOrders ? '' : ' (orders are not shared yet: only the customers are imported)'}`)

  const customersCsv = join(work, `customers-${CUSTOMERS}.csv`)
  await writeCustomersCsv(customersCsv, CUSTOMERS)
  const ordersCsv = join(work, `orders-${ORDERS}.csv`)
  if (withOrders) await writeOrdersCsv(ordersCsv, ORDERS, CUSTOMERS)

  // Peer: A imports the book with `orchard import`, each file its own process.
  const a = join(work, 'ws-a')
  const b = join(work, 'ws-b')
  await orchard(a, ['sync', 'enrol', '--server', server.url, '--code', await server.code('bench'), '--name', 'A'])
  const importStart = performance.now()
  await orchard(a, ['import', 'customers', customersCsv])
  if (withOrders) await orchard(a, ['import', 'orders', ordersCsv])
  const peer = seconds(importStart)
  console.log(`A: orchard import of ${CUSTOMERS} customers${withOrders ? ` and ${ORDERS} orders` : ''}: ${peer.toFixed(2)} s`)

  const pushStart = performance.now()
  const pushed = JSON.parse(await orchard(a, ['--json', 'sync', '--once'])) as { records: { pushed: number; pending: number } }
  console.log(`A: orchard sync --once pushed ${pushed.records.pushed} record changes in ${seconds(pushStart).toFixed(2)} s (pending after: ${pushed.records.pending})`)

  // Orchard: a fresh B enrols and takes the team's book.
  await orchard(b, ['sync', 'enrol', '--server', server.url, '--code', await server.code('bench'), '--name', 'B'])
  const bootStart = performance.now()
  const round = JSON.parse(await orchard(b, ['--json', 'sync', '--once'])) as { records: { pulled: number; bootstrap?: { records: number; seq: number; ms: number } } }
  const orchardS = seconds(bootStart)
  console.log(`B: orchard sync --once (snapshot and the changes after it): ${orchardS.toFixed(2)} s; records.bootstrap ${JSON.stringify(round.records.bootstrap ?? null)}`)

  const coreA = createCore({ dataDir: a, host: 'cli', firstStart: 'empty' })
  const coreB = createCore({ dataDir: b, host: 'cli', firstStart: 'empty' })
  cleanups.push({ what: 'close A', undo: () => coreA.close() })
  cleanups.push({ what: 'close B', undo: () => coreB.close() })
  const onA = counts(coreA)
  const onB = counts(coreB)
  console.log(`A holds ${JSON.stringify(onA)}; B received ${JSON.stringify(onB)}`)
  for (const r of Object.keys(TABLE)) if (onA[r] !== onB[r]) throw new Error(`B holds ${onB[r]} ${r} records, A ${onA[r]}`)
  const sample = (coreA.context.db.prepare('SELECT id FROM customers ORDER BY random() LIMIT 1000').all() as { id: string }[]).map((r) => r.id)
  const sa = readRecords(coreA.context.db, 'customer', sample)
  const sb = readRecords(coreB.context.db, 'customer', sample)
  for (const id of sample) if (JSON.stringify(sa.get(id)) !== JSON.stringify(sb.get(id))) throw new Error(`customer ${id} differs on B`)
  console.log('B: 1000 customers sampled, identical field by field to A')

  // Propagation: both online on their loops; one edit at a time on A, until B reads it.
  await startSyncLoop(coreA.context, LOOP)
  await startSyncLoop(coreB.context, LOOP)
  cleanups.push({ what: 'stop the loops', undo: async () => (await stopSyncLoop(coreA.context), await stopSyncLoop(coreB.context)) })
  const ids = sample.slice(0, EDITS)
  const readNotes = coreB.context.db.prepare('SELECT notes FROM customers WHERE id = ?').pluck()
  const latencies: number[] = []
  for (let i = 0; i < EDITS; i++) {
    const value = `第 ${i} 次修改`
    const t = performance.now()
    await coreA.invoke('customers', 'update', { id: ids[i], patch: { notes: value } })
    while (readNotes.get(ids[i]) !== value) {
      if (seconds(t) > 120) throw new Error(`edit ${i} did not reach B in 120 s`)
      await new Promise((r) => setTimeout(r, 10))
    }
    latencies.push(seconds(t))
  }
  const sorted = [...latencies].sort((x, y) => x - y)
  const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]
  console.log(
    `propagation of ${EDITS} edits A → B (loops at their defaults: A pushes a save shortly after it, B's pull waits on the server): p50 ${p(0.5).toFixed(3)} s, p95 ${p(0.95).toFixed(3)} s, max ${sorted.at(-1)!.toFixed(3)} s`,
  )

  const ratio = Number((orchardS / peer).toFixed(2))
  console.log(`bootstrap ${orchardS.toFixed(2)} s vs import ${peer.toFixed(2)} s: ratio ${ratio} (goal ≤ ${GOAL}); server on ${db.label}`)
  const p95 = Number(p(0.95).toFixed(3))
  console.log(
    JSON.stringify({ bench: 'records-propagation', unit: 's', orchard: p95, peer: PROPAGATION_GOAL_S, ratio: Number((p95 / PROPAGATION_GOAL_S).toFixed(2)), goal: 1, met: p95 <= PROPAGATION_GOAL_S }),
  )
  console.log(JSON.stringify({ bench: 'records', unit: 's', orchard: Number(orchardS.toFixed(3)), peer: Number(peer.toFixed(3)), ratio, goal: GOAL, met: ratio <= GOAL }))
} finally {
  await cleanUp()
}
