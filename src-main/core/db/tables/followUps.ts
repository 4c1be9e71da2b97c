import type { FollowUp } from '../../../../src-shared/schemas'
import { columnList, decodeFields, defineTable, nullableText, text, type RowOf } from './table'

/** A customer's follow-up: how the studio reached them, and the day of the next one. */
export const CUSTOMER_FOLLOW_UPS = defineTable(
  'customer_follow_ups',
  {
    id: text(),
    customer_id: text(),
    owner_member_id: nullableText(),
    channel: text<FollowUp['channel']>(),
    summary: text(),
    followed_at: text(),
    next_day: nullableText(),
    by_profile_id: nullableText(),
    by_name: text(),
    created_at: text(),
  },
  {
    customerId: 'customer_id',
    channel: 'channel',
    summary: 'summary',
    followedAt: 'followed_at',
    nextDay: 'next_day',
    ownerMemberId: 'owner_member_id',
    byName: 'by_name',
  },
)

export type FollowUpTableRow = RowOf<typeof CUSTOMER_FOLLOW_UPS>
/** A follow-up as the lists read it: the row, its owner's name and the status of the task of its next day. */
export type FollowUpRow = FollowUpTableRow & { owner_name: string | null; task_status: 'open' | 'done' | 'skipped' | null }

/** The columns of a FollowUpRow over FOLLOW_UP_FROM. */
export const FOLLOW_UP_COLUMNS = `${columnList(CUSTOMER_FOLLOW_UPS, 'f')}, m.name AS owner_name,
    (SELECT t.status FROM care_tasks t WHERE t.follow_up_id = f.id AND t.trigger = 'follow_up') AS task_status`
export const FOLLOW_UP_FROM = 'customer_follow_ups f LEFT JOIN members m ON m.id = f.owner_member_id'

/** A follow-up as the customer's page shows it; `today` (the studio's day) tells an overdue next day. */
export function toFollowUp(row: FollowUpRow, today: string): FollowUp {
  const nextState: FollowUp['nextState'] =
    row.next_day === null ? 'none' : row.task_status && row.task_status !== 'open' ? 'done' : row.next_day < today ? 'overdue' : 'open'
  return {
    id: row.id,
    ...decodeFields(CUSTOMER_FOLLOW_UPS, row),
    ownerName: row.owner_name,
    createdAt: row.created_at,
    nextState,
  }
}
