import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { z } from 'zod'
import { contract, methodNames } from '../../../src-shared/contract'
import type { MethodDef } from '../../../src-shared/contractKit'
import { createCore, type OrchardCore } from '../../../src-main/core/api'
import { actAs } from '../../../src-main/core/lifecycle/lifecycle.testkit'
import { startBrowserHost, type BrowserHost } from '../../../src-main/host/server'

/**
 * Every contract method, 1,000 payloads a run, over HTTP through the browser host, as a
 * manager, an operator or a trainer. Whatever arrives: never a 5xx, never 'internal', and a
 * call that answers with an error has written nothing — neither to the database nor into
 * the data folder.
 *
 * Payloads are shaped like the method's input (its own keys, with values from a pool of
 * real ids and dates, hostile paths and text, odd numbers and nested junk) often enough to
 * get past validation into the handlers. A few methods do seconds of work or reach the
 * network when a call is valid (reseeding, rendering whole packs and kits, enrolling with a
 * server); they get malformed payloads only, and their valid paths have tests of their own.
 */
const RUNS = 1000
const HEAVY = new Set(['demo.seed', 'demo.clear', 'sync.enrol', 'packs.generate', 'packs.start', 'kits.generate', 'kits.preview'])
/** Errors that record something on purpose: a wrong PIN counts towards the lock. */
const WRITES_ON_PURPOSE = new Set(['pin_wrong', 'profile_locked'])

let dir: string
let core: OrchardCore
let host: BrowserHost
let reader: Database.Database
const ids: string[] = []
const files: string[] = []

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-fuzz-'))
  const staticDir = join(dir, 'renderer')
  mkdirSync(staticDir)
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>果园</title>')
  core = createCore({ dataDir: join(dir, 'data'), host: 'browser', firstStart: 'empty', clock: { now: () => new Date('2026-11-20T04:00:00Z') } })
  host = await startBrowserHost({ core, staticDir })
  // Its start-up upkeep (the day's backup, care planning) writes; the payloads come after it.
  await host.ready
  // A small studio with one of everything, so ids in the payloads point at something.
  actAs(core, 'manager', '陈姐')
  const member = await core.invoke('members', 'create', { name: '小王', inviteCode: 'WANG01', phone: '13900139000' })
  const customer = await core.invoke('customers', 'create', { name: '王芳', phones: ['13800138000'], addresses: ['浙江省杭州市西湖区文三路 1 号'], ownerMemberId: member.id })
  const product = await core.invoke('products', 'create', { sku: 'MZ-001', name: '双抗精华', category: '美妆', listPriceFen: 19900, salePriceFen: 12900, priceFloorFen: 9900 })
  const group = await core.invoke('groups', 'create', { name: '宝妈好物分享群', theme: '母婴', ownerMemberId: member.id })
  const backup = await core.invoke('backups', 'create', {})
  ids.push(member.id, customer.id, product.id, group.id, backup.fileName, 'WANG01', 'MZ-001')
  for (const p of core.context.db.prepare('SELECT id FROM profiles').pluck().all() as string[]) ids.push(p)
  mkdirSync(core.paths.staging, { recursive: true })
  const csv = join(core.paths.staging, 'customers.csv')
  writeFileSync(csv, '姓名,手机\n李娜,13700137000\n坏号,12345\n')
  files.push(csv, join(core.paths.dataDir, 'ledger.key'), core.paths.database, '/etc/passwd', '../../ledger.key', 'x\u0000y', '%2e%2e%2fledger.key')
  reader = new Database(core.paths.database, { readonly: true })
})
afterAll(async () => {
  reader?.close()
  await host?.close()
  await core?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** Cheap and complete enough: any commit by the core bumps data_version for this other connection; files by name and size. */
function fingerprint(): string {
  const version = reader.pragma('data_version', { simple: true })
  const listing: string[] = []
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (!/orchard\.db(-wal|-shm)$/.test(e.name)) listing.push(`${p}:${statSync(p).size}`)
    }
  }
  walk(core.paths.dataDir)
  return `${version}|${listing.sort().join(',')}`
}

const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Record<string, any> } })._zod.def

/** The fields a method's input takes, reached through optional/default/pipe wrappers. */
function shapeOf(schema: z.ZodType): Record<string, z.ZodType> {
  const def = defOf(schema)
  if (def.type === 'object') return def.shape
  if (def.innerType) return shapeOf(def.innerType)
  if (def.type === 'pipe') return shapeOf(def.in)
  if (def.type === 'union') return Object.assign({}, ...(def.options as z.ZodType[]).map(shapeOf))
  return {}
}

/** A value of roughly the field's own type (an enum's members, numbers, booleans, nested objects), or anything at all. */
function valueFor(schema: z.ZodType, depth = 0): fc.Arbitrary<unknown> {
  const def = defOf(schema)
  const typed = (): fc.Arbitrary<unknown> | null => {
    switch (def.type) {
      case 'enum':
        return fc.constantFrom(...(Object.values(def.entries) as unknown[]))
      case 'literal':
        return fc.constantFrom(...(def.values as unknown[]))
      case 'string':
        // Mostly strings that pass as an id, a day, a month or a name; hostile ones come from the pool.
        return fc.oneof(fc.constantFrom(...ids), fc.constantFrom('2026-11-20', '2026-11', '2026-11-20T04:00:00.000Z', '王芳', '宝妈', 'Asia/Shanghai', 'https://shop.example.cn/i/'), fc.constantFrom(...files))
      case 'boolean':
        return fc.boolean()
      case 'number':
        return fc.oneof(fc.integer({ min: -5, max: 100_000 }), fc.constantFrom(0, 1, 2, 1999, 12900, -1, 1e308, 0.5))
      case 'array':
        return depth < 3 ? fc.array(valueFor(def.element, depth + 1), { maxLength: 3 }) : null
      case 'object':
        return depth < 3 ? fc.record(Object.fromEntries(Object.entries(def.shape as Record<string, z.ZodType>).map(([k, v]) => [k, valueFor(v, depth + 1)])), { requiredKeys: [] }) : null
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
        return valueFor(def.innerType, depth)
      case 'pipe':
        return valueFor(def.in, depth)
      case 'union':
        return fc.oneof(...(def.options as z.ZodType[]).map((o) => valueFor(o, depth + 1)))
      default:
        return null
    }
  }
  const own = typed()
  return own ? fc.oneof({ weight: 6, arbitrary: own }, { weight: 1, arbitrary: value() }) : value()
}

const scalar = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.constantFrom(...ids),
    fc.constantFrom(...files),
    fc.constantFrom('2026-11-20', '2026-11', '2026-13', '2026-02-30', '2026-11-20T04:00:00Z', '', ' ', 'csv', 'xlsx', 'pdf', 'customers', 'orders', 'products'),
    fc.constantFrom('13800138000', '+8613800138000', 'https://evil.example/feed', 'http://evil.example', 'Mars/Olympus', 'Asia/Shanghai', '=HYPERLINK("x")', '<script>alert(1)</script>'),
    fc.constantFrom('__proto__', 'constructor', 'toString', '\u0000', '\u202e', '😀'.repeat(50), 'x'.repeat(5000)),
    fc.string({ maxLength: 24 }),
    fc.integer(),
    fc.constantFrom(0, -1, 1, 2, 99, 1e308, -1e308, Number.MAX_SAFE_INTEGER, 0.5),
    fc.boolean(),
    fc.constant(null),
  )
const value = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 6, arbitrary: scalar() },
    { weight: 2, arbitrary: fc.array(scalar(), { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('id', 'from', 'to', 'field', 'dir', 'kind', 'name', 'x'), scalar(), { maxKeys: 3 }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  )

/** A payload for `name`: shaped like its input most of the time, anything at all otherwise. */
function payloadFor(name: string): fc.Arbitrary<unknown> {
  const [service, method] = name.split('.')
  const def = (contract as unknown as Record<string, Record<string, MethodDef>>)[service][method]
  // Never null or undefined for these: an empty body is a valid call of a method without input.
  const malformed = fc.oneof(fc.string(), fc.integer(), fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }), fc.boolean())
  if (HEAVY.has(name)) return malformed
  const shape = shapeOf(def.input)
  const shaped = fc
    .tuple(
      // Each field present most of the time, so required ones seldom stop a call at validation.
      fc.record(Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 6, arbitrary: valueFor(v) })]))),
      fc.option(fc.constantFrom('extra', 'constructor'), { nil: undefined, freq: 5 }),
    )
    .map(([fields, extra]) => (extra ? { ...fields, [extra]: 1 } : fields))
  return fc.oneof({ weight: 8, arbitrary: shaped }, { weight: 1, arbitrary: malformed }, { weight: 1, arbitrary: fc.constant({}) })
}

describe('what the fuzzing found', () => {
  it('a workstation not connected to a team server refuses to sync without recording an attempt', async () => {
    const before = fingerprint()
    await expect(core.invoke('sync', 'syncNow', {})).rejects.toMatchObject({ code: 'sync_not_enrolled' })
    expect(fingerprint()).toBe(before)
    expect(await core.invoke('sync', 'status', {})).toMatchObject({ phase: 'unenrolled', lastError: null })
  })
})

describe('every method under fuzzed payloads', () => {
  it(`survives ${RUNS} payloads over HTTP: no 5xx, never internal, nothing written when it says no`, async () => {
    const seen = { calls: 0, errors: 0, ok: 0, byCode: new Map<string, number>() }
    const arbitrary = fc
      .tuple(fc.constantFrom(...methodNames), fc.constantFrom('manager', 'operator', 'trainer') as fc.Arbitrary<'manager' | 'operator' | 'trainer'>)
      .chain(([name, role]) => payloadFor(name).map((payload) => ({ name, role, payload })))
    await fc.assert(
      fc.asyncProperty(arbitrary, async ({ name, role, payload }) => {
        actAs(core, role, { manager: '陈姐', operator: '小周', trainer: '林老师' }[role])
        const before = fingerprint()
        const res = await fetch(`http://127.0.0.1:${host.port}/api/call/${name}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${host.token}` },
          body: JSON.stringify(payload) ?? '{}',
        })
        const text = await res.text()
        seen.calls++
        expect(res.status, `${name} ${text}`).toBeLessThan(500)
        const answer = JSON.parse(text) as { ok: boolean; error?: { code: string; message: string } }
        if (answer.ok) {
          seen.ok++
          return
        }
        seen.errors++
        const code = answer.error!.code
        seen.byCode.set(code, (seen.byCode.get(code) ?? 0) + 1)
        expect(code, `${name} ${JSON.stringify(payload)?.slice(0, 300)} → ${answer.error!.message}`).not.toBe('internal')
        if (WRITES_ON_PURPOSE.has(code)) return
        const after = fingerprint()
        const jobId = (payload as { jobId?: unknown } | null)?.jobId
        if (code === 'cancelled' && after !== before && typeof jobId === 'string') {
          // A job cancelled before it began is recorded cancelled under its id (the console shows it so afterwards): that record, no file, nothing else.
          expect(after.split('|')[1], `${name} left files despite ${code}`).toBe(before.split('|')[1])
          expect(reader.prepare('SELECT status FROM jobs WHERE id = ?').pluck().get(jobId), `${name} wrote despite ${code}`).toBe('cancelled')
          return
        }
        expect(after, `${name} wrote despite ${code}: ${JSON.stringify(payload)?.slice(0, 300)}`).toBe(before)
      }),
      { numRuns: RUNS },
    )
    expect(seen.calls).toBe(RUNS)
    // The payloads reach the handlers, not only the validator.
    expect(seen.ok).toBeGreaterThan(RUNS / 20)
  })
})
