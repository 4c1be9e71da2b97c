import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ORCHARD_BIN, runOrchard } from './run'

let dir: string
let members: string[]
/** Each member's pack folder, named for the person: 王芳-9UBKDQ. */
let folders: string[]
let products: string[]
/** The studio's today, as its own clock and time zone say: the demo's prices and orders lie before it. */
let today: string
const dataDir = () => join(dir, 'data')
const orchard = (...args: string[]) => runOrchard(args, dataDir())
const ARGS = () => ['packs', 'generate', '--date', today, '--members', members.join(','), '--templates', 'clean-white,red-promo', '--products', products.join(','), '--out', join(dir, 'out'), '--json']

/** Items the database says are done, and the files on disk. */
function state() {
  const db = new Database(join(dataDir(), 'orchard.db'), { readonly: true })
  try {
    return db.prepare('SELECT COUNT(*) AS n, COUNT(DISTINCT job_id) AS jobs FROM job_items WHERE done_at IS NOT NULL').get() as { n: number; jobs: number }
  } finally {
    db.close()
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-cli-packs-'))
  expect(orchard('demo', 'seed', '--json').code).toBe(0)
  today = (JSON.parse(orchard('info', '--json').out) as { today: string }).today
  const db = new Database(join(dataDir(), 'orchard.db'), { readonly: true })
  const active = db.prepare(`SELECT name, invite_code FROM members WHERE status = 'active' ORDER BY join_date LIMIT 3`).all() as { name: string; invite_code: string }[]
  members = active.map((m) => m.invite_code)
  folders = active.map((m) => `${m.name}-${m.invite_code}`)
  // A best seller with buyer photos (a collage) and two more with competitor prices (comparisons).
  const withPhotos = db.prepare('SELECT p.sku FROM products p WHERE p.id IN (SELECT product_id FROM buyer_photos) ORDER BY p.sku LIMIT 1').pluck().get() as string
  const withPrices = db.prepare('SELECT p.sku FROM products p WHERE p.id IN (SELECT product_id FROM price_comparisons) AND p.sku <> ? ORDER BY p.sku LIMIT 2').pluck().all(withPhotos) as string[]
  products = [withPhotos, ...withPrices]
  db.close()
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('orchard packs generate', () => {
  it('survives kill -9 at random points: resumed, it finishes with every file whole, none twice, no temporary left', async () => {
    let kills = 0
    let finished = false
    for (let round = 0; round < 3 && !finished; round++) {
      const before = existsSync(join(dataDir(), 'orchard.db')) ? state().n : 0
      const child = spawn(process.execPath, [ORCHARD_BIN, ...ARGS(), '--data-dir', dataDir()], { stdio: 'ignore' })
      const exited = once(child, 'exit')
      // Wait until this run has finished something, then kill it a random moment later.
      while (child.exitCode === null && state().n <= before) await sleep(40)
      await sleep(Math.floor(Math.random() * 120))
      if (child.exitCode === null && child.kill('SIGKILL')) kills++
      await exited
      // A resumed run that got to the end before its kill leaves nothing more to resume.
      finished = child.exitCode === 0
    }
    expect(kills).toBeGreaterThan(0)
    if (!finished) {
      const r = orchard(...ARGS())
      expect(r.code, r.err).toBe(0)
      expect(JSON.parse(r.out)).toMatchObject({ status: 'done', members: 3, resumed: true })
    }
    // Every planned file is on disk, whole, under its own name; nothing else is there.
    const db = new Database(join(dataDir(), 'orchard.db'), { readonly: true })
    const planned = db.prepare('SELECT file, kind FROM job_items ORDER BY seq').all() as { file: string; kind: string }[]
    db.close()
    const kinds = new Set(planned.map((p) => p.kind))
    for (const k of ['poster', 'comparison', 'collage', 'copy', 'checklist', 'calendar', 'manifest']) expect(kinds).toContain(k)
    for (const name of folders) {
      const folder = join(dir, 'out', name)
      const mine = planned.filter((p) => p.file.startsWith(`${name}/`)).map((p) => p.file.slice(name.length + 1))
      // 3 products × 2 templates at least, and copy, checklist, calendar, manifest
      expect(mine.length).toBeGreaterThanOrEqual(10)
      expect(readdirSync(folder).sort()).toEqual([...mine].sort())
      const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as { files: { file: string; sha256: string }[] }
      expect(manifest.files.map((f) => f.file).sort()).toEqual(mine.filter((f) => f !== 'manifest.json').sort())
      for (const f of manifest.files) expect(createHash('sha256').update(readFileSync(join(folder, f.file))).digest('hex')).toBe(f.sha256)
    }
    // One job, each item produced once.
    expect(state()).toEqual({ n: planned.length, jobs: 1 })
  }, 120_000)

  it('refuses a new run into a folder holding another run’s packs, and replaces them whole with --replace', () => {
    const out = join(dir, 'out')
    const before = readdirSync(join(out, folders[0])).sort()
    // The same day with one product fewer: without --replace nothing is touched.
    const fewer = ['packs', 'generate', '--date', today, '--members', members.join(','), '--templates', 'clean-white', '--products', products[0], '--out', out, '--json']
    const refused = orchard(...fewer)
    expect(refused.code).toBe(2)
    expect(JSON.parse(refused.out).error).toMatchObject({ code: 'packs_exist', details: { field: 'out', value: out } })
    expect(readdirSync(join(out, folders[0])).sort()).toEqual(before)
    const replaced = orchard(...fewer, '--replace')
    expect(replaced.code, replaced.err).toBe(0)
    // The folder now holds exactly what the new manifest lists: no poster of the run before.
    const manifest = JSON.parse(readFileSync(join(out, folders[0], 'manifest.json'), 'utf8')) as { files: { file: string }[] }
    expect(readdirSync(join(out, folders[0])).sort()).toEqual([...manifest.files.map((f) => f.file), 'manifest.json'].sort())
    expect(manifest.files.filter((f) => f.file.endsWith('.jpg')).every((f) => f.file.startsWith(`01-${products[0]}-`))).toBe(true)
  }, 120_000)

  it('blocks a pack whose product is missing with a located error, and prints nothing but JSON', () => {
    const r = orchard('packs', 'generate', '--date', today, '--products', 'NOPE', '--json')
    expect(r.code).toBe(2)
    expect(JSON.parse(r.out).error).toMatchObject({ code: 'not_found', details: { field: 'products.0', value: 'NOPE' } })
    expect(existsSync(join(dir, 'out', 'NOPE'))).toBe(false)
  })
})
