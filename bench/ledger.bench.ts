import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { createCore } from '../src-main/core/api'
import { fixedClock } from '../src-main/core/clock'
import { actAs } from '../src-main/core/lifecycle/lifecycle.testkit'

/**
 * Posting 1,000,000 order lines into the commission ledger (seller and mentor entries,
 * each marked for the outbox, with the ledger's indexes and append-only triggers),
 * against the floor: a plain prepared INSERT of the very same entry rows, in one
 * transaction, into a table with no index beyond its key.
 *
 *   npm run bench -- ledger
 */
const LINES = 1_000_000
const LINES_PER_ORDER = 2
const MEMBERS = 1000
const work = join(import.meta.dirname, '.work', 'ledger')
rmSync(work, { recursive: true, force: true })
mkdirSync(work, { recursive: true })

const core = createCore({ dataDir: join(work, 'studio'), host: 'test', firstStart: 'empty', clock: fixedClock('2026-11-20T04:00:00Z') })
actAs(core, 'manager', 'bench')
const db = core.context.db

console.log(`building ${LINES.toLocaleString()} order lines …`)
db.transaction(() => {
  const member = db.prepare(`INSERT INTO members (id, name, invite_code, mentor_id, level, join_date, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, '2026-01-01', 'active', 'x', 'x')`)
  for (let i = 0; i < MEMBERS; i++) member.run(`m${i}`, `会员${i}`, `M${i}`, i < 10 ? null : `m${i % 10}`, 1 + (i % 3))
  const product = db.prepare(
    `INSERT INTO products (id, sku, name, category, list_price_fen, sale_price_fen, price_floor_fen, commission_bp, mentor_commission_bp, created_at, updated_at) VALUES (?, ?, ?, ?, 19900, 12900, 9900, ?, ?, 'x', 'x')`,
  )
  for (let i = 0; i < 120; i++) product.run(`p${i}`, `SKU-${i}`, `商品${i}`, ['美妆', '母婴', '食品', '家居'][i % 4], i % 5 === 0 ? 1800 : 0, i % 5 === 0 ? 300 : 0)
  const order = db.prepare(
    `INSERT INTO orders (id, order_no, source, status, placed_at, member_id, total_fen, refunded_fen, created_at, updated_at) VALUES (?, ?, 'manual', ?, ?, ?, ?, ?, ?, ?)`,
  )
  const line = db.prepare(`INSERT INTO order_lines (id, order_id, line_no, product_id, sku, name, quantity, unit_price_fen, amount_fen) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)`)
  const start = Date.parse('2026-08-01T00:00:00Z')
  for (let o = 0; o < LINES / LINES_PER_ORDER; o++) {
    const at = new Date(start + o * 15_000).toISOString()
    const amounts = [12_900 + (o % 97) * 100, 5_900 + (o % 13) * 100]
    const refunded = o % 20 === 0 ? amounts[0] + amounts[1] : o % 20 === 1 ? 3_000 : 0
    order.run(`o${o}`, `SO-${o}`, o % 20 === 0 ? 'refunded' : o % 20 === 1 ? 'partially_refunded' : 'paid', at, `m${o % MEMBERS}`, amounts[0] + amounts[1], refunded, at, at)
    for (let l = 0; l < LINES_PER_ORDER; l++) line.run(`o${o}-${l}`, `o${o}`, l + 1, `p${(o + l) % 120}`, `SKU-${(o + l) % 120}`, `商品${(o + l) % 120}`, amounts[l], amounts[l])
  }
})()
await core.invoke('schemes', 'save', {
  name: '标准两级',
  rules: { tiers: 2, sellerBp: [1000, 1200, 1500], mentorBp: [0, 200, 300], categories: [{ category: '母婴', sellerBp: [800, 900, 1000], mentorBp: [100, 150, 200] }] },
})
db.pragma('wal_checkpoint(TRUNCATE)')

let t = performance.now()
const posted = await core.invoke('ledger', 'post', {})
const orchard = (performance.now() - t) / 1000
console.log(`orchard ledger.post: ${posted.entries.toLocaleString()} entries from ${posted.orders.toLocaleString()} orders in ${orchard.toFixed(2)} s`)
if (posted.orders !== LINES / LINES_PER_ORDER) throw new Error(`posted ${posted.orders} orders, expected ${LINES / LINES_PER_ORDER}`)

const rows = db.prepare('SELECT * FROM ledger_entries ORDER BY rowid').raw().all() as unknown[][]
const columns = (db.prepare('SELECT * FROM ledger_entries LIMIT 1').columns() as { name: string }[]).map((c) => c.name)
await core.close()

const floorDb = new Database(join(work, 'floor.db'))
floorDb.pragma('journal_mode = WAL')
floorDb.pragma('synchronous = NORMAL')
floorDb.exec(`CREATE TABLE entries (${columns.map((c) => (c === 'id' ? 'id TEXT PRIMARY KEY' : c)).join(', ')})`)
const insert = floorDb.prepare(`INSERT INTO entries VALUES (${columns.map(() => '?').join(', ')})`)
t = performance.now()
floorDb.transaction(() => {
  for (const r of rows) insert.run(r)
})()
const peer = (performance.now() - t) / 1000
floorDb.close()
console.log(`floor: prepared INSERT of the same ${rows.length.toLocaleString()} rows in one transaction: ${peer.toFixed(2)} s`)

const ratio = orchard / peer
console.log(`\nledger posting ${(LINES / orchard).toFixed(0)} lines/s; ${ratio.toFixed(2)}× the floor (goal ≤ 2×)`)
console.log(JSON.stringify({ bench: 'ledger', unit: 's', orchard: Number(orchard.toFixed(3)), peer: Number(peer.toFixed(3)), ratio: Number(ratio.toFixed(2)), goal: 2, met: ratio <= 2 }))
