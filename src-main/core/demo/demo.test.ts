import { EventEmitter } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createCore } from '../api'
import { fixedClock } from '../clock'
import { refreshCustomerStats } from '../customers/derived'
import type { CoreContext } from '../context'
import { openDatabase, type Db } from '../db/connection'
import { dataPaths } from '../paths'
import { readInternal } from '../settings/settings'
import { listBackups } from '../backups/backups'
import { demoHandlers, prepareFirstStart, seedDemoStudio } from './handlers'

const NOW = new Date('2026-11-23T07:15:00Z')
const TZ = 'Asia/Shanghai'

let dir: string
const opened: Db[] = []
const open = (name: string) => {
  const db = openDatabase(join(dir, name))
  opened.push(db)
  return db
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-demo-'))
})
afterEach(() => {
  for (const db of opened.splice(0)) if (db.open) db.close()
  rmSync(dir, { recursive: true, force: true })
})

function contextFor(db: Db, events: { event: string; payload: unknown }[] = []): CoreContext {
  const bus = new EventEmitter()
  const ctx: CoreContext = {
    db,
    paths: dataPaths(dir),
    clock: fixedClock(NOW.toISOString()),
    host: 'test',
    session: { profileId: null, role: null, name: null },
    keyStore: { dataKey: () => Buffer.alloc(32) },
    version: 'test',
    emit: (event, payload) => {
      events.push({ event, payload })
      bus.emit(event, payload)
    },
    timezone: () => TZ,
    reopen: () => undefined,
  }
  return ctx
}

const TABLES = ['members', 'products', 'customers', 'customer_phones', 'customer_tags', 'groups', 'group_members', 'group_customers', 'orders', 'order_lines']
function dump(db: Db): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {}
  for (const t of TABLES) out[t] = db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all()
  return out
}

describe('the demo studio', () => {
  it('is the same studio, ids included, for the same seed and moment', () => {
    const a = open('a.db')
    const b = open('b.db')
    seedDemoStudio(a, { now: NOW, timezone: TZ, seed: 7 })
    seedDemoStudio(b, { now: NOW, timezone: TZ, seed: 7 })
    expect(dump(a)).toEqual(dump(b))
    const c = open('c.db')
    seedDemoStudio(c, { now: NOW, timezone: TZ, seed: 8 })
    expect(dump(c).customers).not.toEqual(dump(a).customers)
  })

  it('holds a realistic book: 2,000 customers, 30 groups, 120 products, 200 members, 10,000 orders over 90 days', () => {
    const db = open('demo.db')
    const result = seedDemoStudio(db, { now: NOW, timezone: TZ })
    expect(result).toEqual({ customers: 2000, orders: 10_000 })
    const n = (sql: string) => (db.prepare(sql).get() as { n: number }).n
    expect(n('SELECT COUNT(*) AS n FROM customers')).toBe(2000)
    expect(n('SELECT COUNT(*) AS n FROM groups')).toBe(30)
    expect(n('SELECT COUNT(*) AS n FROM products')).toBe(120)
    expect(n('SELECT COUNT(*) AS n FROM members')).toBe(200)
    expect(n('SELECT COUNT(*) AS n FROM orders')).toBe(10_000)

    // Ids are UUIDv7-shaped.
    const ids = db.prepare('SELECT id FROM customers LIMIT 50').pluck().all() as string[]
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)

    // Relationship classes about 15 / 45 / 40 %.
    const share = (sql: string) => n(sql) / 2000
    expect(share("SELECT COUNT(*) AS n FROM customers WHERE rel_class = 'A'")).toBeGreaterThan(0.11)
    expect(share("SELECT COUNT(*) AS n FROM customers WHERE rel_class = 'A'")).toBeLessThan(0.19)
    expect(share("SELECT COUNT(*) AS n FROM customers WHERE rel_class = 'B'")).toBeGreaterThan(0.4)
    expect(share("SELECT COUNT(*) AS n FROM customers WHERE segment = 'trend'")).toBeGreaterThan(0.16)
    // Chinese names, the common surnames first.
    const surnames = db.prepare('SELECT substr(name, 1, 1) AS s, COUNT(*) AS n FROM customers GROUP BY s ORDER BY n DESC LIMIT 5').all() as { s: string }[]
    expect(surnames.map((r) => r.s).filter((s) => ['王', '李', '张', '刘', '陈'].includes(s)).length).toBeGreaterThanOrEqual(4)
    // Phones are mainland mobiles in E.164, each row indexed for duplicate detection.
    expect(n("SELECT COUNT(*) AS n FROM customers WHERE phones <> '[]' AND json_extract(phones, '$[0]') NOT GLOB '+861[3-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'")).toBe(0)
    expect(n('SELECT COUNT(*) AS n FROM customer_phones')).toBe(n('SELECT COALESCE(SUM(json_array_length(phones)), 0) AS n FROM customers'))
    expect(n('SELECT COUNT(*) AS n FROM customer_tags')).toBe(n('SELECT COALESCE(SUM(json_array_length(tags)), 0) AS n FROM customers'))
    expect(n("SELECT COUNT(*) AS n FROM customer_tags WHERE tag = '宝妈'")).toBeGreaterThan(100)
    expect(n("SELECT COUNT(*) AS n FROM customers WHERE notes <> ''")).toBeGreaterThan(200)

    // Orders: the last 90 days, ending at now, with refunds, cancellations and unattributed ones.
    const span = db.prepare('SELECT MIN(placed_at) AS first, MAX(placed_at) AS last FROM orders').get() as { first: string; last: string }
    expect(Date.parse(span.last)).toBeLessThanOrEqual(NOW.getTime())
    expect(NOW.getTime() - Date.parse(span.last)).toBeLessThan(6 * 3_600_000)
    expect(NOW.getTime() - Date.parse(span.first)).toBeLessThan(91 * 86_400_000)
    const statusShare = (s: string) => n(`SELECT COUNT(*) AS n FROM orders WHERE status = '${s}'`) / 10_000
    expect(statusShare('refunded')).toBeGreaterThan(0.02)
    expect(statusShare('refunded')).toBeLessThan(0.04)
    expect(statusShare('partially_refunded')).toBeGreaterThan(0.012)
    expect(statusShare('cancelled')).toBeGreaterThan(0.012)
    const unattributed = n('SELECT COUNT(*) AS n FROM orders WHERE member_id IS NULL') / 10_000
    expect(unattributed).toBeGreaterThan(0.03)
    expect(unattributed).toBeLessThan(0.05)
    expect(n('SELECT COUNT(*) AS n FROM orders WHERE member_id IS NULL AND attribution_code IS NOT NULL')).toBeGreaterThan(50)
    // An attributed order carries its member's code.
    expect(n('SELECT COUNT(*) AS n FROM orders o JOIN members m ON m.id = o.member_id WHERE o.attribution_code IS NOT m.invite_code')).toBe(0)
    // Totals add up from their lines; refunds never exceed the total.
    expect(
      n('SELECT COUNT(*) AS n FROM orders o WHERE total_fen <> (SELECT SUM(amount_fen) FROM order_lines l WHERE l.order_id = o.id)'),
    ).toBe(0)
    expect(n('SELECT COUNT(*) AS n FROM orders WHERE refunded_fen > total_fen OR (status = \'refunded\' AND refunded_fen <> total_fen)')).toBe(0)
    expect(n('SELECT MAX(c) AS n FROM (SELECT COUNT(*) AS c FROM order_lines GROUP BY order_id)')).toBeLessThanOrEqual(4)
    // Evenings are busier than the small hours (studio time, UTC+8).
    const hour = (h: number) => n(`SELECT COUNT(*) AS n FROM orders WHERE CAST(strftime('%H', placed_at, '+8 hours') AS INTEGER) = ${h}`)
    expect(hour(20)).toBeGreaterThan(hour(3) * 5)

    // Derived figures and RFM are filled in.
    expect(n('SELECT COUNT(*) AS n FROM customers WHERE order_count > 0 AND rfm_segment IS NULL')).toBe(0)
    expect(n('SELECT COUNT(*) AS n FROM customers WHERE order_count > 0')).toBeGreaterThan(1000)

    // Products: sale price between the floor and the list price; commissions 8–20 % and 2–5 %.
    expect(n('SELECT COUNT(*) AS n FROM products WHERE NOT (price_floor_fen <= sale_price_fen AND sale_price_fen <= list_price_fen)')).toBe(0)
    expect(n('SELECT COUNT(*) AS n FROM products WHERE commission_bp NOT BETWEEN 800 AND 2000 OR mentor_commission_bp NOT BETWEEN 200 AND 500')).toBe(0)
    expect(n('SELECT COUNT(DISTINCT category) AS n FROM products')).toBeGreaterThanOrEqual(7)
    expect(n("SELECT COUNT(*) AS n FROM products WHERE facts = ''")).toBe(0)

    // Groups: owned by members who are in them, with members and customers.
    expect(n('SELECT COUNT(*) AS n FROM groups g WHERE NOT EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = g.id AND gm.member_id = g.owner_member_id)')).toBe(0)
    expect(n('SELECT COUNT(*) AS n FROM group_customers')).toBeGreaterThan(1000)
    expect(db.prepare("SELECT name FROM groups WHERE name LIKE '宝妈好物分享%' ORDER BY name").pluck().all()).toEqual([
      '宝妈好物分享 1 群',
      '宝妈好物分享 2 群',
      '宝妈好物分享 3 群',
      '宝妈好物分享 4 群',
    ])
  })

  it('builds the team as one mentor tree: no loops, a few founders at the top, at most five levels deep', () => {
    const db = open('tree.db')
    seedDemoStudio(db, { now: NOW, timezone: TZ })
    const members = db.prepare('SELECT id, mentor_id AS mentorId, level, invite_code AS code, status, join_date AS joinDate FROM members').all() as {
      id: string
      mentorId: string | null
      level: number
      code: string
      status: string
      joinDate: string
    }[]
    const byId = new Map(members.map((m) => [m.id, m]))
    let deepest = 0
    for (const m of members) {
      const seen = new Set<string>()
      let cursor: typeof m | undefined = m
      let depth = 0
      while (cursor) {
        expect(seen.has(cursor.id)).toBe(false)
        seen.add(cursor.id)
        depth++
        const mentor: typeof m | undefined = cursor.mentorId ? byId.get(cursor.mentorId) : undefined
        if (cursor.mentorId) {
          expect(mentor).toBeDefined()
          // A mentor joined before their apprentice.
          expect(mentor!.joinDate <= cursor.joinDate).toBe(true)
        }
        cursor = mentor
      }
      deepest = Math.max(deepest, depth)
    }
    expect(deepest).toBeGreaterThanOrEqual(4)
    expect(deepest).toBeLessThanOrEqual(5)
    const roots = members.filter((m) => !m.mentorId)
    expect(roots.length).toBeGreaterThanOrEqual(3)
    expect(roots.length).toBeLessThan(20)
    expect(roots.filter((m) => m.level === 3).length).toBeGreaterThanOrEqual(3)
    // Invite codes: six characters from the unambiguous alphabet, all different.
    for (const m of members) expect(m.code).toMatch(/^[ABCDEFGHJKMNPQRSTUVWXYZ2-9]{6}$/)
    expect(new Set(members.map((m) => m.code)).size).toBe(200)
    expect(members.filter((m) => m.status === 'active').length).toBeGreaterThan(150)
  })

  it('scales the book: customers and orders grow with the scale', () => {
    const db = open('scaled.db')
    expect(seedDemoStudio(db, { now: NOW, timezone: TZ, scale: 0.25 })).toEqual({ customers: 500, orders: 2500 })
    // Reseeding replaces the studio instead of adding to it.
    expect(seedDemoStudio(db, { now: NOW, timezone: TZ, scale: 0.1 })).toEqual({ customers: 200, orders: 1000 })
    expect((db.prepare('SELECT COUNT(*) AS n FROM customers').get() as { n: number }).n).toBe(200)
    expect((db.prepare('SELECT COUNT(*) AS n FROM members').get() as { n: number }).n).toBe(200)
  })
})

describe('first start', () => {
  it('opens a brand-new database on the demo studio once, and never reseeds a studio that was emptied', async () => {
    const db = open('orchard.db')
    const ctx = contextFor(db)
    prepareFirstStart(ctx, 'demo')
    expect((db.prepare('SELECT COUNT(*) AS n FROM customers').get() as { n: number }).n).toBe(2000)
    expect(readInternal(db, 'demo')).toBe(true)

    const events: { event: string; payload: unknown }[] = []
    await demoHandlers.clear({}, contextFor(db, events))
    expect((db.prepare('SELECT COUNT(*) AS n FROM customers').get() as { n: number }).n).toBe(0)
    expect((db.prepare('SELECT COUNT(*) AS n FROM orders').get() as { n: number }).n).toBe(0)
    expect(readInternal(db, 'demo')).toBe(false)
    expect(events.at(-1)).toMatchObject({ event: 'data.changed', payload: { entities: expect.arrayContaining(['customers', 'orders', 'members']) } })
    // The emptied studio was kept as a safety backup.
    expect(listBackups(dataPaths(dir)).map((b) => b.kind)).toEqual(['pre-restore'])

    prepareFirstStart(ctx, 'demo')
    expect((db.prepare('SELECT COUNT(*) AS n FROM customers').get() as { n: number }).n).toBe(0)
  })

  it('starts empty when asked to, and the demo can be seeded later on demand', async () => {
    const db = open('orchard.db')
    prepareFirstStart(contextFor(db), 'empty')
    expect((db.prepare('SELECT COUNT(*) AS n FROM customers').get() as { n: number }).n).toBe(0)
    expect(readInternal(db, 'initialized')).toBe(true)
    expect(readInternal(db, 'demo')).toBe(false)

    const result = await demoHandlers.seed({ seed: 3 }, contextFor(db))
    expect(result).toEqual({ customers: 2000, orders: 10_000 })
    expect(readInternal(db, 'demo')).toBe(true)
    // The search index starts over for the new book (the core catches up after the write).
    expect((db.prepare('SELECT watermark AS n FROM search_index_state').get() as { n: number }).n).toBe(0)
  })
})

describe('the whole demo studio (records and every area)', () => {
  it('shows each customer the figures their orders add up to, the refunds the ledger part adds included', async () => {
    const core = createCore({ dataDir: join(dir, 'studio'), host: 'test', firstStart: 'demo', clock: fixedClock(NOW.toISOString()) })
    try {
      const db = core.context.db
      const figures = () => db.prepare('SELECT id, order_count, total_spent_fen, last_purchase_at FROM customers ORDER BY id').all()
      const shown = figures()
      expect(db.prepare(`SELECT count(*) FROM orders WHERE status = 'partially_refunded'`).pluck().get()).toBeGreaterThan(0)
      refreshCustomerStats(db, 'all')
      expect(figures()).toEqual(shown)
    } finally {
      await core.close()
    }
  })
})
