import type { Customer } from '../../../../src-shared/schemas'
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
