import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DashboardSummary, GroupInput } from '../../../src-shared/schemas'
import { openDatabase, type Db } from '../db/connection'
import { createGroup } from '../groups/handlers'
import { systemWriter } from '../records/changes'
import { dashboardSummary } from './handlers'

let dir: string
let db: Db
// 01:00 on 2026-11-21 in Shanghai.
const now = new Date('2026-11-20T17:00:00Z')

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-dashboard-'))
  db = openDatabase(join(dir, 'orchard.db'))
})
afterEach(() => {
  db.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('dashboard', () => {
  it('shows 30 studio-local days, zero-filled, on an empty studio', () => {
    const summary = DashboardSummary.parse(dashboardSummary(db, now, 'Asia/Shanghai'))
    expect(summary.sales30d).toHaveLength(30)
    expect(summary.sales30d[0].day).toBe('2026-10-23')
    expect(summary.sales30d[29].day).toBe('2026-11-21')
    expect(summary.sales30d.every((d) => d.amountFen === 0 && d.orders === 0)).toBe(true)
    expect(summary.salesTotal30dFen).toBe(0)
    expect(summary.counts).toEqual({ customers: 0, groups: 0, products: 0, members: 0, orders: 0, unattributedOrders: 0 })
  })

  it('puts net sales on their local day and leaves out cancelled and pending orders', () => {
    const order = db.prepare(
      `INSERT INTO orders (id, order_no, source, status, placed_at, total_fen, refunded_fen, created_at, updated_at)
       VALUES (?, ?, 'manual', ?, ?, ?, ?, @t, @t)`.replace('@t, @t', "'2026-11-20T00:00:00Z', '2026-11-20T00:00:00Z'"),
    )
    order.run('o1', 'N1', 'paid', '2026-11-20T16:10:00.000Z', 10_000, 0) // 00:10 on the 21st locally
    order.run('o2', 'N2', 'partially_refunded', '2026-11-20T15:50:00.000Z', 8_000, 3_000) // 23:50 on the 20th
    order.run('o3', 'N3', 'cancelled', '2026-11-20T15:00:00.000Z', 9_000, 0)
    order.run('o4', 'N4', 'pending', '2026-11-20T15:00:00.000Z', 9_000, 0)
    order.run('o5', 'N5', 'paid', '2026-09-01T15:00:00.000Z', 9_000, 0) // outside the window
    db.prepare(`INSERT INTO customers (id, name, created_at, updated_at) VALUES ('c1', '老客户', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')`).run()
    db.prepare(`INSERT INTO customers (id, name, created_at, updated_at) VALUES ('c2', '新客户', '2026-11-19T00:00:00Z', '2026-11-19T00:00:00Z')`).run()
    createGroup(systemWriter(db, now, 'console'), GroupInput.parse({ name: '宝妈好物分享 1 群', theme: '母婴' }))

    const summary = DashboardSummary.parse(dashboardSummary(db, now, 'Asia/Shanghai'))
    const byDay = Object.fromEntries(summary.sales30d.map((d) => [d.day, d]))
    expect(byDay['2026-11-21']).toEqual({ day: '2026-11-21', amountFen: 10_000, orders: 1 })
    expect(byDay['2026-11-20']).toEqual({ day: '2026-11-20', amountFen: 5_000, orders: 1 })
    expect(summary.salesTotal30dFen).toBe(15_000)
    expect(summary.counts).toMatchObject({ customers: 2, groups: 1, orders: 5, unattributedOrders: 5 })
    expect(summary.newestCustomers.map((c) => c.name)).toEqual(['新客户', '老客户'])
    expect(summary.topGroups.map((g) => g.name)).toEqual(['宝妈好物分享 1 群'])
  })
})
