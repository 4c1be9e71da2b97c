import type { Customer } from '../../../../src-shared/schemas'
import { prepared, type Db } from '../connection'
import { decodeFields, defineTable, int, json, nullableText, text, type RowOf } from './table'

export const CUSTOMERS = defineTable(
  'customers',
  {
    id: text(),
    name: text(),
    wechat_id: nullableText(),
    phones: json<string[]>(),
    addresses: json<string[]>(),
    tags: json<string[]>(),
    rel_class: text<Customer['relClass']>(),
    segment: nullableText<NonNullable<Customer['segment']>>(),
    owner_member_id: nullableText(),
    notes: text(),
    order_count: int(),
    total_spent_fen: int(),
    last_purchase_at: nullableText(),
    rfm_segment: nullableText<NonNullable<Customer['rfmSegment']>>(),
    created_at: text(),
    updated_at: text(),
  },
  {
    name: 'name',
    wechatId: 'wechat_id',
    phones: 'phones',
    addresses: 'addresses',
    tags: 'tags',
    relClass: 'rel_class',
    segment: 'segment',
    ownerMemberId: 'owner_member_id',
    notes: 'notes',
  },
)

/**
 * A customer's phones and tags, each in a row of its own: the indexes a phone lookup and a
 * tag filter read, kept from the customer's JSON lists (a phone belongs to one customer).
 */
export const CUSTOMER_PHONES = defineTable('customer_phones', { phone: text(), customer_id: text() }, { phone: 'phone', customerId: 'customer_id' })
export const CUSTOMER_TAGS = defineTable('customer_tags', { tag: text(), customer_id: text() }, { tag: 'tag', customerId: 'customer_id' })

/**
 * Whose phone and tag rows to write: customers by id (`replace`: their rows are written
 * again, those of a phone or tag no longer listed go), or every customer inserted past a
 * rowid (an import's new customers, which have none yet).
 */
export type CustomersToIndex = { ids: readonly string[]; replace: boolean } | { insertedAfter: number }

/**
 * Writes the customers' phone and tag rows from their JSON lists, one statement per table
 * whatever their number (an import indexes 100k customers at once), in key order so the
 * b-trees grow at their ends. A phone listed twice is written once; a tag too.
 */
export function indexCustomerLists(db: Db, customers: CustomersToIndex): void {
  const [where, param] = 'ids' in customers ? ['c.id IN (SELECT value FROM json_each(?))', JSON.stringify(customers.ids)] : ['c.rowid > ?', customers.insertedAfter]
  if ('ids' in customers && customers.replace) {
    for (const table of [CUSTOMER_PHONES, CUSTOMER_TAGS]) prepared(db, `DELETE FROM ${table.name} WHERE customer_id IN (SELECT value FROM json_each(?))`).run(param)
  }
  prepared(db, `INSERT INTO ${CUSTOMER_PHONES.name} (phone, customer_id) SELECT DISTINCT j.value, c.id FROM customers c, json_each(c.phones) j WHERE ${where} ORDER BY 1, 2`).run(param)
  prepared(db, `INSERT OR IGNORE INTO ${CUSTOMER_TAGS.name} (tag, customer_id) SELECT j.value, c.id FROM customers c, json_each(c.tags) j WHERE ${where} ORDER BY 1, 2`).run(param)
}

export type CustomerTableRow = RowOf<typeof CUSTOMERS>
/** A customer as the lists read it: the row and its owner's name. */
export type CustomerRow = CustomerTableRow & { owner_name: string | null }

/** The columns of a CustomerRow over `customers c LEFT JOIN members m ON m.id = c.owner_member_id`. */
export const CUSTOMER_COLUMNS = `${Object.keys(CUSTOMERS.columns).map((c) => `c.${c}`).join(', ')}, m.name AS owner_name`

export function toCustomer(row: CustomerRow): Customer {
  return {
    id: row.id,
    ...decodeFields(CUSTOMERS, row),
    ownerName: row.owner_name,
    orderCount: row.order_count,
    totalSpentFen: row.total_spent_fen,
    lastPurchaseAt: row.last_purchase_at,
    rfmSegment: row.rfm_segment,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/** How far the customers' search index is built (one row): customers past the watermark's rowid are indexed on the next search. */
export const SEARCH_INDEX_STATE = defineTable('search_index_state', { id: int<1>(), watermark: int() }, { watermark: 'watermark' })
