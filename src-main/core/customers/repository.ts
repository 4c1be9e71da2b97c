import type { z } from 'zod'
import { OrchardError } from '../../../src-shared/errors'
import type { Customer, CustomerInput, CustomerListQuery } from '../../../src-shared/schemas'
import type { Db } from '../db/connection'
import { buildSearchQuery } from '../db/searchText'
import { newId } from '../ids'
import { normalizePhone } from './phone'

type ListQuery = z.output<typeof CustomerListQuery>
type Input = z.output<typeof CustomerInput>

export interface CustomerRow {
  id: string
  name: string
  wechat_id: string | null
  phones: string
  addresses: string
  tags: string
  rel_class: 'A' | 'B' | 'C'
  segment: Customer['segment']
  owner_member_id: string | null
  owner_name: string | null
  notes: string
  order_count: number
  total_spent_fen: number
  last_purchase_at: string | null
  rfm_segment: Customer['rfmSegment']
  created_at: string
  updated_at: string
}

export const CUSTOMER_COLUMNS = `c.id, c.name, c.wechat_id, c.phones, c.addresses, c.tags, c.rel_class, c.segment,
  c.owner_member_id, m.name AS owner_name, c.notes, c.order_count, c.total_spent_fen, c.last_purchase_at,
  c.rfm_segment, c.created_at, c.updated_at`

export function toCustomer(row: CustomerRow): Customer {
  return {
    id: row.id,
    name: row.name,
    wechatId: row.wechat_id,
    phones: JSON.parse(row.phones),
    addresses: JSON.parse(row.addresses),
    tags: JSON.parse(row.tags),
    relClass: row.rel_class,
    segment: row.segment,
    ownerMemberId: row.owner_member_id,
    ownerName: row.owner_name,
    notes: row.notes,
    orderCount: row.order_count,
    totalSpentFen: row.total_spent_fen,
    lastPurchaseAt: row.last_purchase_at,
    rfmSegment: row.rfm_segment,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

const SORT_COLUMNS: Record<ListQuery['sort']['field'], string> = {
  name: 'c.name',
  createdAt: 'c.created_at',
  updatedAt: 'c.updated_at',
  lastPurchaseAt: 'c.last_purchase_at',
  totalSpentFen: 'c.total_spent_fen',
  orderCount: 'c.order_count',
}

/**
 * The customer list: filters, sort and a page, all in SQL so it stays fast on a
 * million rows. Search goes through the FTS indexes (see searchText.ts).
 */
export function listCustomers(db: Db, q: ListQuery, timezoneOffset = '+08:00'): { rows: Customer[]; total: number } {
  const where: string[] = []
  const params: Record<string, unknown> = {}
  if (q.search) {
    const sq = buildSearchQuery(q.search)
    if (sq) {
      where.push(`c.rowid IN (SELECT rowid FROM ${sq.table} WHERE ${sq.table} MATCH @match)`)
      params.match = sq.match
    }
  }
  if (q.relClass?.length) {
    where.push(`c.rel_class IN (SELECT value FROM json_each(@relClass))`)
    params.relClass = JSON.stringify(q.relClass)
  }
  if (q.segment?.length) {
    where.push(`c.segment IN (SELECT value FROM json_each(@segment))`)
    params.segment = JSON.stringify(q.segment)
  }
  if (q.rfm?.length) {
    where.push(`c.rfm_segment IN (SELECT value FROM json_each(@rfm))`)
    params.rfm = JSON.stringify(q.rfm)
  }
  if (q.tags?.length) {
    // Every chosen tag must be present.
    q.tags.forEach((tag, i) => {
      where.push(`c.id IN (SELECT customer_id FROM customer_tags WHERE tag = @tag${i})`)
      params[`tag${i}`] = tag
    })
  }
  if (q.owner === 'none') where.push('c.owner_member_id IS NULL')
  else if (q.owner) {
    where.push('c.owner_member_id = @owner')
    params.owner = q.owner
  }
  if (q.lastPurchase?.never) where.push('c.last_purchase_at IS NULL')
  if (q.lastPurchase?.from) {
    where.push('c.last_purchase_at >= @lpFrom')
    params.lpFrom = new Date(`${q.lastPurchase.from}T00:00:00${timezoneOffset}`).toISOString()
  }
  if (q.lastPurchase?.to) {
    where.push('c.last_purchase_at < @lpTo')
    params.lpTo = new Date(new Date(`${q.lastPurchase.to}T00:00:00${timezoneOffset}`).getTime() + 86_400_000).toISOString()
  }
  const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : ''
  const dir = q.sort.dir === 'asc' ? 'ASC' : 'DESC'
  const nulls = q.sort.field === 'lastPurchaseAt' ? (dir === 'DESC' ? ' NULLS LAST' : ' NULLS FIRST') : ''
  const order = `${SORT_COLUMNS[q.sort.field]} ${dir}${nulls}, c.rowid ${dir}`
  const rows = db
    .prepare(
      `SELECT ${CUSTOMER_COLUMNS} FROM customers c LEFT JOIN members m ON m.id = c.owner_member_id
       ${whereSql} ORDER BY ${order} LIMIT @limit OFFSET @offset`,
    )
    .all({ ...params, limit: q.limit, offset: q.offset }) as CustomerRow[]
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM customers c ${whereSql}`).get(params) as { n: number }).n
  return { rows: rows.map(toCustomer), total }
}

export function getCustomerRow(db: Db, id: string): Customer {
  const row = db
    .prepare(`SELECT ${CUSTOMER_COLUMNS} FROM customers c LEFT JOIN members m ON m.id = c.owner_member_id WHERE c.id = ?`)
    .get(id) as CustomerRow | undefined
  if (!row) throw new OrchardError('not_found', `客户不存在 / customer not found: ${id}`, { id })
  return toCustomer(row)
}

/** Normalises the phones of an input; a bad one is reported with its position and value. */
export function normalizePhones(phones: string[], field = 'phones'): string[] {
  const out: string[] = []
  phones.forEach((raw, i) => {
    const result = normalizePhone(raw)
    if (!result.ok) {
      throw new OrchardError('invalid_phone', `${result.reason}：${raw}`, { field: `${field}.${i}`, value: raw, reason: result.reason })
    }
    if (!out.includes(result.e164)) out.push(result.e164)
  })
  return out
}

function assertNoDuplicate(db: Db, phones: string[], wechatId: string | null | undefined, selfId: string | null) {
  for (const phone of phones) {
    const hit = db.prepare('SELECT p.customer_id AS id, c.name FROM customer_phones p JOIN customers c ON c.id = p.customer_id WHERE p.phone = ?').get(phone) as
      | { id: string; name: string }
      | undefined
    if (hit && hit.id !== selfId) {
      throw new OrchardError('duplicate_phone', `手机号 ${phone} 已属于客户「${hit.name}」/ phone already belongs to another customer`, {
        field: 'phones',
        value: phone,
        customerId: hit.id,
      })
    }
  }
  if (wechatId) {
    const hit = db.prepare('SELECT id, name FROM customers WHERE wechat_id = ?').get(wechatId) as { id: string; name: string } | undefined
    if (hit && hit.id !== selfId) {
      throw new OrchardError('duplicate_wechat', `微信号 ${wechatId} 已属于客户「${hit.name}」/ WeChat id already belongs to another customer`, {
        field: 'wechatId',
        value: wechatId,
        customerId: hit.id,
      })
    }
  }
}

function assertMember(db: Db, memberId: string | null | undefined) {
  if (memberId && !db.prepare('SELECT 1 FROM members WHERE id = ?').get(memberId)) {
    throw new OrchardError('unknown_member', `归属会员不存在 / owning member not found`, { field: 'ownerMemberId', value: memberId })
  }
}

export function writeCustomerIndexes(db: Db, id: string, phones: string[], tags: string[]): void {
  db.prepare('DELETE FROM customer_phones WHERE customer_id = ?').run(id)
  db.prepare('DELETE FROM customer_tags WHERE customer_id = ?').run(id)
  const phone = db.prepare('INSERT INTO customer_phones (phone, customer_id) VALUES (?, ?)')
  for (const p of phones) phone.run(p, id)
  const tag = db.prepare('INSERT OR IGNORE INTO customer_tags (tag, customer_id) VALUES (?, ?)')
  for (const t of tags) tag.run(t, id)
}

export function createCustomer(db: Db, input: Input, now: Date): Customer {
  const phones = normalizePhones(input.phones)
  const wechatId = input.wechatId?.trim() || null
  const tags = [...new Set(input.tags)]
  return db.transaction(() => {
    assertNoDuplicate(db, phones, wechatId, null)
    assertMember(db, input.ownerMemberId)
    const id = newId()
    const at = now.toISOString()
    db.prepare(
      `INSERT INTO customers (id, name, wechat_id, phones, addresses, tags, rel_class, segment, owner_member_id, notes, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(id, input.name, wechatId, JSON.stringify(phones), JSON.stringify(input.addresses), JSON.stringify(tags), input.relClass, input.segment ?? null, input.ownerMemberId ?? null, input.notes, at, at)
    writeCustomerIndexes(db, id, phones, tags)
    return getCustomerRow(db, id)
  })()
}

export function updateCustomer(db: Db, id: string, patch: Partial<Input>, now: Date): Customer {
  return db.transaction(() => {
    const current = getCustomerRow(db, id)
    const phones = patch.phones ? normalizePhones(patch.phones) : current.phones
    const wechatId = patch.wechatId !== undefined ? patch.wechatId?.trim() || null : current.wechatId
    const tags = patch.tags ? [...new Set(patch.tags)] : current.tags
    assertNoDuplicate(db, phones, wechatId, id)
    if (patch.ownerMemberId !== undefined) assertMember(db, patch.ownerMemberId)
    const next = {
      name: patch.name ?? current.name,
      addresses: patch.addresses ?? current.addresses,
      relClass: patch.relClass ?? current.relClass,
      segment: patch.segment !== undefined ? patch.segment : current.segment,
      owner: patch.ownerMemberId !== undefined ? patch.ownerMemberId : current.ownerMemberId,
      notes: patch.notes ?? current.notes,
    }
    db.prepare(
      `UPDATE customers SET name = ?, wechat_id = ?, phones = ?, addresses = ?, tags = ?, rel_class = ?, segment = ?,
         owner_member_id = ?, notes = ?, updated_at = ? WHERE id = ?`,
    ).run(next.name, wechatId, JSON.stringify(phones), JSON.stringify(next.addresses), JSON.stringify(tags), next.relClass, next.segment ?? null, next.owner ?? null, next.notes, now.toISOString(), id)
    writeCustomerIndexes(db, id, phones, tags)
    return getCustomerRow(db, id)
  })()
}
