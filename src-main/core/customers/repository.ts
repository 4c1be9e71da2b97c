import type { z } from 'zod'
import { OrchardError } from '../../../src-shared/errors'
import type { Customer, CustomerBulkInput, CustomerInput, CustomerListQuery } from '../../../src-shared/schemas'
import { REL_CLASSES } from '../../../src-shared/vocabulary'
import type { Db } from '../db/connection'
import { buildSearchQuery } from '../db/searchText'
import { CUSTOMER_COLUMNS, CUSTOMER_PHONES, CUSTOMER_TAGS, CUSTOMERS, toCustomer, type CustomerRow } from '../db/tables/customers'
import { insertRow, insertRowIfNew } from '../db/tables/table'
import { newId } from '../ids'
import { maskPhone, PHONE_NAME } from '../permissions'
import { recordChange, refuseMaskedValue, type ChangeWriter } from '../records/changes'
import { searchIndexLag, type SearchIndexLag } from './searchIndex'
import { normalizePhone } from './phone'

// The customer table's row and mapper are declared once in the table layer; the customer modules reach them here.
export { CUSTOMER_COLUMNS, toCustomer, type CustomerRow }

type ListQuery = z.output<typeof CustomerListQuery>
type Input = z.output<typeof CustomerInput>

/** Each sortable field and the index whose order it is (ties broken by rowid, as the index does). */
const SORTS: Record<ListQuery['sort']['field'], { column: string; index: string }> = {
  name: { column: 'c.name', index: 'customers_name' },
  createdAt: { column: 'c.created_at', index: 'customers_created' },
  updatedAt: { column: 'c.updated_at', index: 'customers_updated' },
  lastPurchaseAt: { column: 'c.last_purchase_at', index: 'customers_last_purchase' },
  totalSpentFen: { column: 'c.total_spent_fen', index: 'customers_total_spent' },
  orderCount: { column: 'c.order_count', index: 'customers_order_count' },
}

/**
 * A page is read by walking the sort column's index and skipping non-matches when
 * matches are dense enough that a page is found within this many index steps;
 * otherwise the matches are collected first and sorted.
 */
const MAX_SCAN_STEPS = 150_000

/** What a search matches in a row the search index has not caught up with (see searchIndex.ts). */
const TAIL_MATCH = `(c.name LIKE @like ESCAPE '\\' OR c.wechat_id LIKE @like ESCAPE '\\' OR c.phones LIKE @like ESCAPE '\\' OR c.notes LIKE @like ESCAPE '\\')`

interface Condition {
  /** SQL over `c`; `probe` is the same test written so SQLite will not drive the query from it. */
  sql: string
  probe: string
}

/** The customer list's filters (everything of a list query but its sort and page), as SQL over `c`. */
export type CustomerFilter = Omit<ListQuery, 'sort' | 'offset' | 'limit'>

export interface CustomerConditions {
  conditions: Condition[]
  params: Record<string, unknown>
  search: ReturnType<typeof buildSearchQuery>
  lag: SearchIndexLag | null
}

/**
 * A list query's filters as conditions over `c` (customers) and their parameters:
 * the list pages through them, an export of the filtered customers writes them all.
 */
export interface MatchOptions {
  /** false: a search does not match on phones (roles that see them masked). */
  matchPhones?: boolean
}

export function customerConditions(db: Db, q: CustomerFilter, timezoneOffset = '+08:00', options: MatchOptions = {}): CustomerConditions {
  const conditions: Condition[] = []
  const params: Record<string, unknown> = {}
  const inList = (name: string, values: readonly string[]) =>
    values.map((v, i) => {
      params[`${name}${i}`] = v
      return `@${name}${i}`
    }).join(', ')

  let search: ReturnType<typeof buildSearchQuery> = null
  let lag: SearchIndexLag | null = null
  if (q.search) {
    search = buildSearchQuery(q.search)
    if (search) {
      params.match = search.match
      let sql = `c.rowid IN (SELECT rowid FROM ${search.table} WHERE ${search.table} MATCH @match)`
      lag = searchIndexLag(db)
      if (lag.pending > 0) {
        // Rows the index has not reached yet are read directly.
        params.like = search.like
        params.watermark = lag.watermark
        sql = `(${sql} OR (c.rowid > @watermark AND ${TAIL_MATCH}))`
      }
      conditions.push({ sql, probe: sql })
      if (options.matchPhones === false) {
        // The index holds phones with the rest: keep only rows the text matches outside them.
        params.like = search.like
        // A customer named by their phone (an order import without a buyer name) is not found by that name either.
        // Nor by a WeChat id, which such a role sees masked as well.
        const text = `((c.name LIKE @like ESCAPE '\\' AND c.name NOT GLOB '*[0-9][0-9][0-9][0-9][0-9][0-9][0-9]*') OR c.notes LIKE @like ESCAPE '\\')`
        conditions.push({ sql: text, probe: text })
      }
    }
  }
  if (q.relClass?.length) {
    const list = inList('cls', q.relClass)
    conditions.push({ sql: `c.rel_class IN (${list})`, probe: `+c.rel_class IN (${list})` })
  }
  if (q.segment?.length) {
    const list = inList('seg', q.segment)
    // Segments are indexed after the class (customers_class): without a class filter, every class.
    const classes = q.relClass?.length ? '' : `c.rel_class IN (${REL_CLASSES.map((c) => `'${c}'`).join(', ')}) AND `
    conditions.push({ sql: `${classes}c.segment IN (${list})`, probe: `+c.segment IN (${list})` })
  }
  if (q.rfm?.length) {
    const list = inList('rfm', q.rfm)
    conditions.push({ sql: `c.rfm_segment IN (${list})`, probe: `+c.rfm_segment IN (${list})` })
  }
  q.tags?.forEach((tag, i) => {
    // Every chosen tag must be present.
    params[`tag${i}`] = tag
    conditions.push({
      sql: `c.id IN (SELECT customer_id FROM customer_tags WHERE tag = @tag${i})`,
      probe: `EXISTS (SELECT 1 FROM customer_tags t WHERE t.tag = @tag${i} AND t.customer_id = c.id)`,
    })
  })
  if (q.owner === 'none') conditions.push({ sql: 'c.owner_member_id IS NULL', probe: '+c.owner_member_id IS NULL' })
  else if (q.owner) {
    params.owner = q.owner
    conditions.push({ sql: 'c.owner_member_id = @owner', probe: '+c.owner_member_id = @owner' })
  }
  if (q.lastPurchase?.never) conditions.push({ sql: 'c.last_purchase_at IS NULL', probe: '+c.last_purchase_at IS NULL' })
  if (q.lastPurchase?.from) {
    params.lpFrom = new Date(`${q.lastPurchase.from}T00:00:00${timezoneOffset}`).toISOString()
    conditions.push({ sql: 'c.last_purchase_at >= @lpFrom', probe: '+c.last_purchase_at >= @lpFrom' })
  }
  if (q.lastPurchase?.to) {
    params.lpTo = new Date(new Date(`${q.lastPurchase.to}T00:00:00${timezoneOffset}`).getTime() + 86_400_000).toISOString()
    conditions.push({ sql: 'c.last_purchase_at < @lpTo', probe: '+c.last_purchase_at < @lpTo' })
  }

  return { conditions, params, search, lag }
}

/**
 * The customer list: filters, sort and a page, planned for a million rows.
 * Counting and paging are planned separately, because the fastest way to count
 * (an index or the search index alone) is rarely the fastest way to find the
 * first 50 rows in the chosen order (walking the sort index while matches are
 * dense). Search goes through the FTS indexes (see searchText.ts).
 */
export function listCustomers(
  db: Db,
  q: ListQuery,
  timezoneOffset = '+08:00',
  maxScanSteps = MAX_SCAN_STEPS,
  options: MatchOptions = {},
): { rows: Customer[]; total: number } {
  const { conditions, params, search, lag } = customerConditions(db, q, timezoneOffset, options)
  const total = countCustomers(db, conditions, params, search, lag, q)
  const sort = SORTS[q.sort.field]
  const dir = q.sort.dir === 'asc' ? 'ASC' : 'DESC'
  const order = `ORDER BY ${sort.column} ${dir}, c.rowid ${dir}`
  const all = conditions.length ? (db.prepare('SELECT MAX(rowid) AS n FROM customers').get() as { n: number | null }).n ?? 0 : total
  const density = all > 0 ? total / all : 0
  const stepsToFill = density > 0 ? (q.offset + q.limit) / density : Infinity
  const walkSortIndex = conditions.length === 0 || stepsToFill <= maxScanSteps
  const where = conditions.length ? `WHERE ${conditions.map((c) => (walkSortIndex ? c.probe : c.sql)).join(' AND ')}` : ''
  const from = walkSortIndex ? `customers c INDEXED BY ${sort.index}` : 'customers c'
  // A search for a whole name, WeChat id or phone puts the customers it names first (王芳
  // before 王芳芳 and 李王芳), whatever the sort; the rest follow in the sort's order.
  const exact = total === 0 || !q.search ? [] : exactMatches(db, q.search, conditions, params, order, options)
  const exclude = exact.length ? ` ${where ? 'AND' : 'WHERE'} c.id NOT IN (SELECT value FROM json_each(@exactIds))` : ''
  const head = exact.slice(q.offset, q.offset + q.limit)
  const limit = q.limit - head.length
  const rows =
    total === 0 || limit === 0
      ? []
      : (db
          .prepare(
            `SELECT ${CUSTOMER_COLUMNS} FROM ${from} LEFT JOIN members m ON m.id = c.owner_member_id
             ${where}${exclude} ${order} LIMIT @limit OFFSET @offset`,
          )
          .all({ ...params, ...(exact.length ? { exactIds: JSON.stringify(exact.map((r) => r.id)) } : {}), limit, offset: Math.max(0, q.offset - exact.length) }) as CustomerRow[])
  return { rows: [...head, ...rows].map(toCustomer), total }
}

/** The customers (at most 20) a search names exactly among those the filters keep. */
function exactMatches(db: Db, text: string, conditions: Condition[], params: Record<string, unknown>, order: string, options: MatchOptions): CustomerRow[] {
  const term = text.trim()
  if (!term) return []
  const phone = options.matchPhones === false ? null : normalizePhone(term)
  const named = `(c.name = @exactTerm OR c.wechat_id = @exactTerm${phone?.ok ? ' OR c.id IN (SELECT customer_id FROM customer_phones WHERE phone = @exactPhone)' : ''})`
  const where = [named, ...conditions.map((c) => c.sql)].join(' AND ')
  return db
    .prepare(`SELECT ${CUSTOMER_COLUMNS} FROM customers c LEFT JOIN members m ON m.id = c.owner_member_id WHERE ${where} ${order} LIMIT 20`)
    .all({ ...params, exactTerm: term, ...(phone?.ok ? { exactPhone: phone.e164 } : {}) }) as CustomerRow[]
}

function countCustomers(
  db: Db,
  conditions: Condition[],
  params: Record<string, unknown>,
  search: ReturnType<typeof buildSearchQuery>,
  lag: SearchIndexLag | null,
  q: CustomerFilter,
): number {
  const one = (sql: string, p: Record<string, unknown> = params) => (db.prepare(sql).get(p) as { n: number }).n
  if (conditions.length === 0) return one('SELECT COUNT(*) AS n FROM customers')
  // A lone search or a lone tag is counted in its own index, without touching customer rows.
  if (conditions.length === 1 && search) {
    const indexed = one(`SELECT COUNT(*) AS n FROM ${search.table} WHERE ${search.table} MATCH @match`, { match: params.match })
    if (!lag?.pending) return indexed
    return indexed + one(`SELECT COUNT(*) AS n FROM customers c WHERE c.rowid > @watermark AND ${TAIL_MATCH}`, { watermark: lag.watermark, like: params.like })
  }
  if (conditions.length === 1 && q.tags?.length === 1) {
    return one('SELECT COUNT(*) AS n FROM customer_tags WHERE tag = @tag0', { tag0: params.tag0 })
  }
  return one(`SELECT COUNT(*) AS n FROM customers c WHERE ${conditions.map((c) => c.sql).join(' AND ')}`)
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

export function assertNoDuplicate(db: Db, phones: string[], wechatId: string | null | undefined, selfId: string | null) {
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
  for (const phone of phones) insertRow(db, CUSTOMER_PHONES, { phone, customer_id: id })
  // A tag given twice is one tag.
  for (const tag of tags) insertRowIfNew(db, CUSTOMER_TAGS, { tag, customer_id: id })
}

/** The fields of a customer as the field table names them (what a change compares). */
export function fieldsOf(c: Customer): Record<string, unknown> {
  return {
    name: c.name,
    wechatId: c.wechatId,
    phones: c.phones,
    addresses: c.addresses,
    tags: c.tags,
    relClass: c.relClass,
    segment: c.segment,
    ownerMemberId: c.ownerMemberId,
    notes: c.notes,
  }
}

export function createCustomer(w: ChangeWriter, input: Input): Customer {
  const { db, at: now } = w
  for (const field of ['phones', 'addresses', 'wechatId'] as const) refuseMaskedValue('customer', null, field, input[field])
  const phones = normalizePhones(input.phones)
  const wechatId = input.wechatId?.trim() || null
  const tags = [...new Set(input.tags)]
  return db.transaction(() => {
    assertNoDuplicate(db, phones, wechatId, null)
    assertMember(db, input.ownerMemberId)
    const id = newId()
    const at = now.toISOString()
    insertRow(db, CUSTOMERS, {
      id,
      name: input.name,
      wechat_id: wechatId,
      phones: JSON.stringify(phones),
      addresses: JSON.stringify(input.addresses),
      tags: JSON.stringify(tags),
      rel_class: input.relClass,
      segment: input.segment ?? null,
      owner_member_id: input.ownerMemberId ?? null,
      notes: input.notes,
      order_count: 0,
      total_spent_fen: 0,
      last_purchase_at: null,
      rfm_segment: null,
      created_at: at,
      updated_at: at,
    })
    writeCustomerIndexes(db, id, phones, tags)
    const created = getCustomerRow(db, id)
    recordChange(w, { record: 'customer', id, label: customerLabel(created), op: 'create', after: fieldsOf(created) })
    return created
  })()
}

/** How the audit names a customer: by name, unless the name is their phone number. */
export function customerLabel(c: { name: string }): string {
  return PHONE_NAME.test(c.name) ? maskPhone(c.name.replace(/[\s-]/g, '')) : c.name
}

export function updateCustomer(w: ChangeWriter, id: string, patch: Partial<Input>): Customer {
  const { db, at: now } = w
  for (const field of ['phones', 'addresses', 'wechatId'] as const) refuseMaskedValue('customer', id, field, patch[field])
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
    const updated = getCustomerRow(db, id)
    recordChange(w, { record: 'customer', id, label: customerLabel(updated), op: 'update', before: fieldsOf(current), after: fieldsOf(updated) })
    return updated
  })()
}

/** Erases a customer: the row, its phone and tag index rows (cascade), and the change is recorded. */
export function removeCustomer(w: ChangeWriter, id: string, mergedInto?: string): void {
  w.db.transaction(() => {
    const current = getCustomerRow(w.db, id)
    w.db.prepare('DELETE FROM customers WHERE id = ?').run(id)
    recordChange(w, { record: 'customer', id, label: customerLabel(current), op: 'delete', before: fieldsOf(current), mergedInto })
  })()
}

export type BulkAction = z.output<typeof CustomerBulkInput>['action']

/**
 * One change made to many customers in one transaction: every customer goes through
 * `updateCustomer`, so each changed field is role-checked and recorded like a form's save,
 * and a refusal on any of them takes back the whole run. Customers the action would not
 * change (the tag is already there, the owner is already that member) are left alone.
 */
export function bulkUpdateCustomers(w: ChangeWriter, ids: string[], action: BulkAction): { matched: number; changed: number } {
  return w.db.transaction(() => {
    if (action.kind === 'setOwner') assertMember(w.db, action.memberId)
    let changed = 0
    for (const id of ids) {
      const current = getCustomerRow(w.db, id)
      const patch: Partial<Input> =
        action.kind === 'addTags'
          ? { tags: [...current.tags, ...action.tags.filter((t) => !current.tags.includes(t))] }
          : action.kind === 'removeTags'
            ? { tags: current.tags.filter((t) => !action.tags.includes(t)) }
            : action.kind === 'setOwner'
              ? { ownerMemberId: action.memberId }
              : { relClass: action.relClass }
      const same =
        patch.tags !== undefined
          ? patch.tags.length === current.tags.length
          : patch.ownerMemberId !== undefined
            ? patch.ownerMemberId === current.ownerMemberId
            : patch.relClass === current.relClass
      if (same) continue
      updateCustomer(w, id, patch)
      changed++
    }
    return { matched: ids.length, changed }
  })()
}
