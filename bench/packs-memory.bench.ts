import { spawn } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { createCore } from '../src-main/core/api'
import { fixedClock } from '../src-main/core/clock'

/**
 * Peak memory of a 1,000-member pack batch: the demo studio grown to 1,000 active
 * members, 10 products, a 1:1 poster per member and product (10,000 posters with
 * each member's QR) plus the comparisons, collages, copy, checklists, calendars and
 * manifests — generated in a fresh process, whose peak resident memory (worker
 * threads included) is compared with the budget the issue sets: 1 GB.
 *
 *   npm run bench -- packs-memory
 */
const MEMBERS = 1000
const BUDGET_MB = 1024
const DATE = '2026-11-24'
const work = join(import.meta.dirname, '.work', 'packs-memory')
rmSync(work, { recursive: true, force: true })
mkdirSync(work, { recursive: true })
const dataDir = join(work, 'studio')

console.log(`preparing a demo studio with ${MEMBERS.toLocaleString()} active members …`)
const core = createCore({ dataDir, host: 'cli', firstStart: 'demo', clock: fixedClock('2026-11-23T04:00:00Z') })
const db = core.context.db
const active = db.prepare(`SELECT COUNT(*) FROM members WHERE status = 'active'`).pluck().get() as number
db.transaction(() => {
  const insert = db.prepare(
    `INSERT INTO members (id, name, invite_code, mentor_id, level, join_date, status, created_at, updated_at) VALUES (?, ?, ?, NULL, 1, '2026-10-01', 'active', '2026-10-01T00:00:00Z', '2026-10-01T00:00:00Z')`,
  )
  for (let i = active; i < MEMBERS; i++) insert.run(`bench-m${i}`, `会员${String(i).padStart(4, '0')}`, `B${String(i).padStart(5, '0')}`)
})()
const products = db.prepare(`SELECT sku FROM products WHERE active = 1 AND stock > 0 ORDER BY sku LIMIT 10`).pluck().all() as string[]
await core.close()

console.log(`generating packs for ${MEMBERS} members × ${products.length} products in a fresh process …`)
const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'lib', 'packsChild.ts'), dataDir, join(work, 'out'), DATE, products.join(',')], {
  stdio: ['ignore', 'pipe', 'inherit'],
})
let output = ''
child.stdout.on('data', (d: Buffer) => (output += d.toString()))
const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
if (code !== 0) throw new Error(`the batch failed (exit ${code}): ${output}`)
const result = JSON.parse(output.trim().split('\n').pop()!) as { job: { status: string; files: number; members: number; bytes: number }; seconds: number; maxRssKb: number }
if (result.job.status !== 'done' || result.job.members !== MEMBERS) throw new Error(`unexpected job: ${JSON.stringify(result.job)}`)
const peakMb = Math.round(result.maxRssKb / 1024)
console.log(
  `orchard: ${result.job.files.toLocaleString()} files (${(result.job.bytes / 1024 / 1024).toFixed(0)} MB) for ${MEMBERS} members in ${result.seconds.toFixed(1)} s ` +
    `(${(result.job.files / result.seconds).toFixed(0)} files/s); peak memory ${peakMb} MB of a ${BUDGET_MB} MB budget`,
)
rmSync(join(work, 'out'), { recursive: true, force: true })
const ratio = Math.round((peakMb / BUDGET_MB) * 1000) / 1000
console.log(JSON.stringify({ bench: 'packs-memory', unit: 'MB peak RSS', orchard: peakMb, peer: BUDGET_MB, ratio, goal: 1, met: ratio < 1 }))
