import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { createCore } from '../src-main/core/api'
import { CustomerWriter, planCustomers } from '../src-main/core/imports/customers'
import { detectFormat, suggestedMapping } from '../src-main/core/imports/fields'
import { ImportJob } from '../src-main/core/imports/job'
import { openTable } from '../src-main/core/imports/read'
import { DateReader } from '../src-main/core/imports/values'
import { writeCustomersCsv } from './lib/customersCsv'

/**
 * Importing 100,000 customers from CSV, against the sqlite3 shell's `.import` of
 * the same file into a plain table. Orchard's time includes everything an operator
 * waits for: decoding, parsing, the column mapping, validation and normalisation
 * (phones to E.164, classes, segments, tags), duplicate checks against the studio
 * and within the file, and the write with its phone and tag indexes.
 *
 *   node --import tsx bench/import.bench.ts
 */
const ROWS = 100_000
const RUNS = 5
const work = join(import.meta.dirname, '.work', 'import')
mkdirSync(work, { recursive: true })
const csv = join(work, `customers-${ROWS}.csv`)

async function bestOf(n: number, label: string, fn: () => Promise<void> | void): Promise<number> {
  let best = Infinity
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    await fn()
    const s = (performance.now() - t) / 1000
    console.log(`  ${label} run ${i + 1}: ${s.toFixed(3)} s`)
    best = Math.min(best, s)
  }
  return best
}

if (!existsSync(csv)) await writeCustomersCsv(csv, ROWS)
console.log(`customers CSV: ${ROWS} rows, ${(statSync(csv).size / 1024 / 1024).toFixed(1)} MB (${csv})`)

const peerDb = join(work, 'peer.db')
const peer = await bestOf(RUNS, 'sqlite3 .import', () => {
  rmSync(peerDb, { force: true })
  execFileSync('sqlite3', [peerDb, '-cmd', '.mode csv', `.import ${csv} customers`])
})
const peerRows = Number(execFileSync('sqlite3', [peerDb, 'SELECT COUNT(*) FROM customers']).toString().trim())
if (peerRows !== ROWS) throw new Error(`sqlite3 imported ${peerRows} rows, expected ${ROWS}`)

let run = 0
const orchard = await bestOf(RUNS, 'orchard imports.run', async () => {
  const dataDir = join(work, `orchard-${run++ % 2}`)
  rmSync(dataDir, { recursive: true, force: true })
  const core = createCore({ dataDir, host: 'test', firstStart: 'empty' })
  try {
    const result = (await core.call('imports.run', { entity: 'customers', path: csv, mode: 'all-or-nothing' })) as {
      committed: boolean
      inserted: number
      errorCount: number
      errors: unknown[]
    }
    if (!result.committed || result.inserted !== ROWS) {
      throw new Error(`import did not commit all rows: ${JSON.stringify({ ...result, errors: result.errors.slice(0, 3) })}`)
    }
  } finally {
    await core.close()
  }
})

/**
 * The write alone, for reading the ratio: the same 100,000 customers, validated
 * beforehand (not timed), written by the import's own writer into a fresh studio
 * in one transaction — the rows, the phone and tag rows, the list's indexes and the
 * commit. Whatever reading and validating cost, an import cannot beat this.
 */
async function validatedRows(): Promise<unknown[]> {
  const dataDir = join(work, 'orchard-validate')
  rmSync(dataDir, { recursive: true, force: true })
  const core = createCore({ dataDir, host: 'test', firstStart: 'empty' })
  try {
    const reader = await openTable(csv)
    const format = detectFormat('customers', reader.headers, 'auto', reader.fileName)
    const job = new ImportJob(core.context.db, reader, suggestedMapping('customers', format, reader.headers), format, new DateReader('Asia/Shanghai'), new Date().toISOString(), async () => {})
    const plan = await planCustomers(job)
    if (plan.inserted !== ROWS || job.errors.length) throw new Error(`validation gave ${plan.inserted} new customers and ${job.errors.length} errors`)
    return plan.inserts
  } finally {
    await core.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}
const validated = await validatedRows()
const writeAlone = await bestOf(RUNS, 'write alone (rows validated beforehand)', async () => {
  const dataDir = join(work, `orchard-${run++ % 2}`)
  rmSync(dataDir, { recursive: true, force: true })
  const core = createCore({ dataDir, host: 'test', firstStart: 'empty' })
  try {
    const db = core.context.db
    // As the import writes: its foreign keys are checked once for all rows by the writer.
    db.pragma('foreign_keys = OFF')
    db.transaction(() => {
      const writer = new CustomerWriter(db, new Date().toISOString(), ROWS)
      writer.insert(validated)
      writer.finish([])
    })()
    db.pragma('foreign_keys = ON')
    const written = (db.prepare('SELECT COUNT(*) AS n FROM customers').get() as { n: number }).n
    if (written !== ROWS) throw new Error(`the writer wrote ${written} customers, expected ${ROWS}`)
  } finally {
    await core.close()
  }
})
rmSync(join(work, 'orchard-0'), { recursive: true, force: true })
rmSync(join(work, 'orchard-1'), { recursive: true, force: true })

const ratio = Number((orchard / peer).toFixed(2))
console.log(`sqlite3 .import of ${ROWS} rows into a plain table: ${peer.toFixed(3)} s (best of ${RUNS})`)
console.log(`orchard import (decode, parse, validate, normalise, dedupe, write with indexes): ${orchard.toFixed(3)} s (best of ${RUNS}, including opening a fresh studio)`)
console.log(`the write alone, rows validated beforehand: ${writeAlone.toFixed(3)} s = ${(writeAlone / peer).toFixed(2)}× the peer (reading and validating add ${(orchard - writeAlone).toFixed(3)} s)`)
console.log(`ratio ${ratio} (goal ≤ 3)`)
console.log(JSON.stringify({ bench: 'import', unit: 's', orchard: Number(orchard.toFixed(3)), peer: Number(peer.toFixed(3)), ratio, goal: 3, met: ratio <= 3 }))
