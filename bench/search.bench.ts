import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { createCore } from '../src-main/core/api'
import { completeSearchIndex } from '../src-main/core/customers/searchIndex'
import { openDatabase } from '../src-main/core/db/connection'
import { seedDemoStudio } from '../src-main/core/demo/seed'
import { writeInternal } from '../src-main/core/settings/settings'

/**
 * Customer list pages and Chinese substring search over 1,000,000 customers: p95
 * latency through the core API. The peer is the plain way to search: LIKE '%q%'
 * over the same columns.
 */
const work = join(import.meta.dirname, '.work', 'search-1m')
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
const p95 = (samples: number[]) => {
  const s = [...samples].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]
}
async function measure(input: Record<string, unknown>, n = 200): Promise<{ p95: number; total: number }> {
  let total = 0
  for (let i = 0; i < 10; i++) total = ((await core.call('customers.list', input)) as { total: number }).total
  const samples: number[] = []
  for (let i = 0; i < n; i++) {
    // page through the results as a person scrolling does
    const t = performance.now()
    await core.call('customers.list', { ...input, offset: (i % 5) * 50, limit: 50 })
    samples.push(performance.now() - t)
  }
  return { p95: p95(samples), total }
}
function measureLike(q: string, n = 20): number {
  const stmt = db.prepare(
    `SELECT id, name FROM customers WHERE name LIKE @q OR wechat_id LIKE @q OR phones LIKE @q OR notes LIKE @q ORDER BY created_at DESC LIMIT 50`,
  )
  const samples: number[] = []
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    stmt.all({ q: `%${q}%` })
    samples.push(performance.now() - t)
  }
  return p95(samples)
}

const topTag = (db.prepare('SELECT tag FROM customer_tags GROUP BY tag ORDER BY COUNT(*) DESC LIMIT 1').get() as { tag: string }).tag
const aPhone = (db.prepare('SELECT phone FROM customer_phones LIMIT 1 OFFSET 123456').get() as { phone: string }).phone
const cases: [string, Record<string, unknown>][] = [
  ['first page, newest first', {}],
  ['class A + segment, by total spent', { relClass: ['A'], segment: ['bargain'], sort: { field: 'totalSpentFen', dir: 'desc' } }],
  ['by last purchase', { sort: { field: 'lastPurchaseAt', dir: 'desc' } }],
  [`tag ${topTag}`, { tags: [topTag] }],
  ['search 王 (1 char)', { search: '王' }],
  ['search 王芳 (2 chars)', { search: '王芳' }],
  ['search 王芳 by total spent', { search: '王芳', sort: { field: 'totalSpentFen', dir: 'desc' } }],
  ['search 张晓燕 (3 chars)', { search: '张晓燕' }],
  [`search phone fragment ${aPhone.slice(-8, -2)}`, { search: aPhone.slice(-8, -2) }],
]
console.log(`customers: ${(db.prepare('SELECT COUNT(*) AS n FROM customers').get() as { n: number }).n.toLocaleString()}`)
console.log('query                                  p95 ms    matches')
let worst = 0
for (const [label, input] of cases) {
  const r = await measure(input)
  worst = Math.max(worst, r.p95)
  console.log(`${label.padEnd(38)} ${r.p95.toFixed(2).padStart(7)} ${r.total.toLocaleString().padStart(10)}`)
}
const peer = Math.max(measureLike('王'), measureLike('王芳'), measureLike('张晓燕'), measureLike(aPhone.slice(-8, -2)))
console.log(`LIKE '%q%' scan, p95 of the same searches: ${peer.toFixed(1)} ms`)
core.close()
const orchard = Number(worst.toFixed(2))
console.log(JSON.stringify({ bench: 'search', unit: 'ms p95', orchard, peer: Number(peer.toFixed(2)), ratio: Number((orchard / peer).toFixed(3)), goal: 25, met: orchard <= 25 }))
