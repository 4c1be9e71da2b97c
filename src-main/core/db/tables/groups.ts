import type { Group } from '../../../../src-shared/schemas'
import { decodeFields, defineTable, int, nullableText, text, type RowOf } from './table'

export const GROUPS = defineTable(
  'groups',
  {
    id: text(),
    name: text(),
    owner_member_id: nullableText(),
    theme: text(),
    notes: text(),
    created_at: text(),
    updated_at: text(),
    mass_send_allowance: int(),
  },
  {
    name: 'name',
    ownerMemberId: 'owner_member_id',
    theme: 'theme',
    notes: 'notes',
    massSendAllowance: 'mass_send_allowance',
  },
)

/** Who is in a group: its members and its customers, each since the day they joined. */
export const GROUP_MEMBERS = defineTable('group_members', { group_id: text(), member_id: text(), joined_at: text() }, { groupId: 'group_id', memberId: 'member_id', joinedAt: 'joined_at' })
export const GROUP_CUSTOMERS = defineTable('group_customers', { group_id: text(), customer_id: text(), joined_at: text() }, { groupId: 'group_id', customerId: 'customer_id', joinedAt: 'joined_at' })

export type GroupTableRow = RowOf<typeof GROUPS>
/** A group as the lists read it: the row, its owner's name and its counts. */
export type GroupRow = GroupTableRow & { owner_name: string | null; member_count: number; customer_count: number }

/**
 * Columns of a GroupRow over `groups g LEFT JOIN members m` (the owner). Counts come from
 * the join tables' primary keys (group_id first), so no table is scanned.
 */
export const GROUP_COLUMNS = `${Object.keys(GROUPS.columns).map((c) => `g.${c}`).join(', ')}, m.name AS owner_name,
  (SELECT COUNT(*) FROM group_members gm WHERE gm.group_id = g.id) AS member_count,
  (SELECT COUNT(*) FROM group_customers gc WHERE gc.group_id = g.id) AS customer_count`

export function toGroup(row: GroupRow): Group {
  return {
    id: row.id,
    ...decodeFields(GROUPS, row),
    ownerName: row.owner_name,
    memberCount: row.member_count,
    customerCount: row.customer_count,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}
