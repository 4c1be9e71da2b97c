/**
 * Customer list pages and Chinese substring search over 1,000,000 customers: p95
 * latency through the core API (core.call('customers.list'), as the console asks).
 * The peer is the plain way to search: LIKE '%q%' over the same columns, a full scan.
 *
 * The studio is built once into bench/.work/search-1m/ and reused afterwards.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { CustomerListQuery } from '../src-shared/schemas'
import { renderTable } from '../src-main/cli/table'
import { createCore } from '../src-main/core/api'
import { completeSearchIndex } from '../src-main/core/customers/searchIndex'
import { openDatabase } from '../src-main/core/db/connection'
import { seedDemoStudio } from '../src-main/core/demo/seed'
import { writeInternal } from '../src-main/core/settings/settings'

const GOAL_MS = 25
const ITERATIONS = 200
const WARM_UP = 10
const PEER_ITERATIONS = 20

const work = join(import.meta.dirname, '.work', 'search-1m')
// Written last: a build interrupted half-way is rebuilt, not measured.
const ready = join(work, 'READY')
if (!existsSync(ready)) {
  rmSync(work, { recursive: true, force: true })
  mkdirSync(work, { recursive: true })
  console.log('building a studio of 1,000,000 customers (once; reused afterwards)…')
  const t = performance.now()
  const db = openDatabase(join(work, 'orchard.db'))
  seedDemoStudio(db, { scale: 500, now: new Date('2026-11-20T04:00:00Z'), timezone: 'Asia/Shanghai' })
  writeInternal(db, 'initialized', true)
  completeSearchIndex(db)
  db.close()
  mkdirSync(ready)
  console.log(`built in ${((performance.now() - t) / 1000).toFixed(0)} s`)
}

const core = createCore({ dataDir: work, host: 'test', firstStart: 'empty' })
const db = core.context.db

function p95(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]
}

/** p95 of 50-row pages through the core API, paging through the first results as a person scrolling does. */
async function measure(query: CustomerListQuery): Promise<{ p95: number; total: number }> {
  let total = 0
  for (let i = 0; i < WARM_UP; i++) total = ((await core.call('customers.list', query)) as { total: number }).total
  const samples: number[] = []
  for (let i = 0; i < ITERATIONS; i++) {
    const t = performance.now()
    await core.call('customers.list', { ...query, offset: (i % 5) * 50, limit: 50 })
    samples.push(performance.now() - t)
  }
  return { p95: p95(samples), total }
}

const likeScan = db.prepare(
  `SELECT id, name FROM customers
    WHERE name LIKE @q OR wechat_id LIKE @q OR phones LIKE @q OR notes LIKE @q
    ORDER BY created_at DESC LIMIT 50`,
)
/** The same search as a plain LIKE '%q%' scan (fewer rounds: each one reads every row). */
function measureLike(q: string): number {
  likeScan.all({ q: `%${q}%` })
  const samples: number[] = []
  for (let i = 0; i < PEER_ITERATIONS; i++) {
    const t = performance.now()
    likeScan.all({ q: `%${q}%` })
    samples.push(performance.now() - t)
  }
  return p95(samples)
}

const customers = (db.prepare('SELECT COUNT(*) AS n FROM customers').get() as { n: number }).n
const topTag = (db.prepare('SELECT tag FROM customer_tags GROUP BY tag ORDER BY COUNT(*) DESC LIMIT 1').get() as { tag: string }).tag
const somePhone = (db.prepare('SELECT phone FROM customer_phones LIMIT 1 OFFSET ?').get(Math.floor(customers / 8)) as { phone: string }).phone
const phoneFragment = somePhone.slice(-8, -2)

const cases: { label: string; query: CustomerListQuery; search?: string }[] = [
  { label: 'first page, newest first', query: {} },
  { label: 'class A + 务实羊毛党, by total spent', query: { relClass: ['A'], segment: ['bargain'], sort: { field: 'totalSpentFen', dir: 'desc' } } },
  { label: '务实羊毛党 alone, by name', query: { segment: ['bargain'], sort: { field: 'name', dir: 'asc' } } },
  { label: 'by last purchase', query: { sort: { field: 'lastPurchaseAt', dir: 'desc' } } },
  { label: `tag ${topTag}`, query: { tags: [topTag] } },
  { label: 'search 王 (1 character)', query: { search: '王' }, search: '王' },
  { label: 'search 王芳 (2 characters)', query: { search: '王芳' }, search: '王芳' },
  { label: 'search 王芳, by total spent', query: { search: '王芳', sort: { field: 'totalSpentFen', dir: 'desc' } } },
  { label: 'search 张晓燕 (3 characters)', query: { search: '张晓燕' }, search: '张晓燕' },
  { label: `search phone fragment ${phoneFragment}`, query: { search: phoneFragment }, search: phoneFragment },
]

console.log(`customers: ${customers.toLocaleString()}; ${ITERATIONS} pages per query after ${WARM_UP} warm-up calls`)
const rows: string[][] = []
let worst = 0
let peer = 0
for (const { label, query, search } of cases) {
  const r = await measure(query)
  worst = Math.max(worst, r.p95)
  const like = search === undefined ? undefined : measureLike(search)
  if (like !== undefined) peer = Math.max(peer, like)
  rows.push([label, r.p95.toFixed(2), r.total.toLocaleString(), like === undefined ? '' : like.toFixed(1)])
  console.log(`  ${label}: ${r.p95.toFixed(2)} ms`)
}
console.log('\n' + renderTable(['query', 'p95 ms', 'matches', "LIKE '%q%' p95 ms"], rows, 60))
await core.close()

const orchard = Number(worst.toFixed(2))
const peerP95 = Number(peer.toFixed(2))
console.log(`worst p95 through the core API: ${orchard} ms (goal ≤ ${GOAL_MS} ms); worst LIKE '%q%' scan: ${peerP95} ms`)
console.log(
  JSON.stringify({ bench: 'search', unit: 'ms p95', orchard, peer: peerP95, ratio: Number((orchard / peerP95).toFixed(3)), goal: GOAL_MS, met: orchard <= GOAL_MS }),
)
