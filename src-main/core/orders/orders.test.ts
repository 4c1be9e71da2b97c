import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MemberInput, OrderListQuery } from '../../../src-shared/schemas'
import { openDatabase, type Db } from '../db/connection'
import { createMember } from '../members/handlers'
import { assignOrders, getOrder, listOrders } from './handlers'
import { systemWriter } from '../records/changes'

let dir: string
let db: Db
const now = new Date('2026-11-20T08:00:00Z')
const list = (q: Parameters<typeof OrderListQuery.parse>[0]) => listOrders(db, OrderListQuery.parse(q), 'Asia/Shanghai')

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-orders-'))
  db = openDatabase(join(dir, 'orchard.db'))
  db.prepare(
    `INSERT INTO products (id, sku, name, brand, category, list_price_fen, sale_price_fen, price_floor_fen, created_at, updated_at)
     VALUES ('p1', 'SP-001', '每日坚果 30 袋', '三只松鼠', '食品生鲜', 16900, 12900, 11900, @t, @t)`,
  ).run({ t: now.toISOString() })
  db.prepare(`INSERT INTO customers (id, name, created_at, updated_at) VALUES ('c1', '陈静', @t, @t)`).run({ t: now.toISOString() })
  const order = db.prepare(
    `INSERT INTO orders (id, order_no, source, status, placed_at, customer_id, member_id, attribution_code, buyer_name, total_fen, created_at, updated_at)
     VALUES (?, ?, 'manual', ?, ?, ?, NULL, ?, ?, ?, ?, ?)`,
  )
  // 2026-11-19T16:30Z is 00:30 on the 20th in Shanghai; 15:30Z is still the 19th there.
  order.run('o1', 'E2026111900000001', 'paid', '2026-11-19T15:30:00.000Z', 'c1', null, '陈静', 25_800, now.toISOString(), now.toISOString())
  order.run('o2', 'E2026112000000002', 'paid', '2026-11-19T16:30:00.000Z', null, 'VIP888', '刘洋', 12_900, now.toISOString(), now.toISOString())
  order.run('o3', 'E2026112000000003', 'cancelled', '2026-11-20T02:00:00.000Z', 'c1', 'SHARE01', '陈静', 12_900, now.toISOString(), now.toISOString())
  db.prepare(
    `INSERT INTO order_lines (id, order_id, line_no, product_id, sku, name, quantity, unit_price_fen, amount_fen)
     VALUES ('l1', 'o1', 1, 'p1', 'SP-001', '每日坚果 30 袋', 2, 12900, 25800)`,
  ).run()
})
afterEach(() => {
  db.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('orders', () => {
  it('lists by studio-local days, status, search and attribution', () => {
    expect(list({}).total).toBe(3)
    expect(list({ from: '2026-11-20', to: '2026-11-20' }).rows.map((o) => o.id)).toEqual(['o3', 'o2'])
    expect(list({ to: '2026-11-19' }).rows.map((o) => o.id)).toEqual(['o1'])
    expect(list({ status: ['cancelled'] }).rows.map((o) => o.id)).toEqual(['o3'])
    expect(list({ search: '陈静' }).total).toBe(2)
    expect(list({ search: '刘洋' }).rows.map((o) => o.id)).toEqual(['o2'])
    expect(list({ search: '00000003' }).rows.map((o) => o.id)).toEqual(['o3'])
    expect(list({ sort: { field: 'totalFen', dir: 'desc' }, limit: 1 }).rows[0]).toMatchObject({ id: 'o1', customerName: '陈静', lineCount: 1 })
  })

  it('shows an order with its lines and their categories', () => {
    const detail = getOrder(db, 'o1')
    expect(detail).toMatchObject({ orderNo: 'E2026111900000001', buyerName: '陈静', lineCount: 1, currency: null, fxRate: null, shippingFen: 0, taxFen: 0 })
    expect(detail.lines).toEqual([
      { id: 'l1', lineNo: 1, productId: 'p1', sku: 'SP-001', name: '每日坚果 30 袋', category: '食品生鲜', quantity: 2, unitPriceFen: 12900, amountFen: 25800, discountFen: 0, refundedFen: null },
    ])
  })

  it('assigns unattributed orders to a member, keeping the code they carried', () => {
    const member = createMember(systemWriter(db, now, 'console'), MemberInput.parse({ name: '王芳' }), 'Asia/Shanghai')
    const open = list({ unattributed: true })
    expect(open.total).toBe(3)
    expect(assignOrders(systemWriter(db, now, 'console'), ['o2', 'o3'], member.id)).toEqual({ updated: 2 })
    expect(list({ unattributed: true }).rows.map((o) => o.id)).toEqual(['o1'])
    expect(list({ memberId: member.id }).rows[0]).toMatchObject({ id: 'o3', memberName: '王芳', attributionCode: 'SHARE01' })
    try {
      assignOrders(systemWriter(db, now, 'console'), ['o1'], 'missing')
      expect.unreachable()
    } catch (err) {
      expect(err).toMatchObject({ code: 'unknown_member', details: { field: 'memberId', value: 'missing' } })
    }
    expect(list({ unattributed: true }).total).toBe(1)
  })
})
