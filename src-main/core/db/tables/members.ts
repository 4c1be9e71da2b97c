import type { Member } from '../../../../src-shared/schemas'
import { decodeFields, defineTable, int, nullableText, text, type RowOf } from './table'

export const MEMBERS = defineTable(
  'members',
  {
    id: text(),
    name: text(),
    invite_code: text(),
    wechat_id: nullableText(),
    phone: nullableText(),
    mentor_id: nullableText(),
    level: int<Member['level']>(),
    join_date: text(),
    status: text<Member['status']>(),
    fee_paid_fen: int(),
    created_at: text(),
    updated_at: text(),
    left_at: nullableText(),
  },
  {
    name: 'name',
    wechatId: 'wechat_id',
    phone: 'phone',
    inviteCode: 'invite_code',
    mentorId: 'mentor_id',
    level: 'level',
    joinDate: 'join_date',
    status: 'status',
    feePaidFen: 'fee_paid_fen',
  },
)

export type MemberTableRow = RowOf<typeof MEMBERS>
/** A member as the team screens read it: the shared columns, the mentor's name and the member's figures. */
export type MemberRow = Pick<MemberTableRow, 'id' | (typeof MEMBERS.fields)[keyof typeof MEMBERS.fields]> & {
  mentor_name: string | null
  apprentice_count: number
  customer_count: number
  sales_30d_fen: number
  orders_30d: number
}

export function toMember(row: MemberRow): Member {
  return {
    id: row.id,
    ...decodeFields(MEMBERS, row),
    mentorName: row.mentor_name,
    apprenticeCount: row.apprentice_count,
    customerCount: row.customer_count,
    sales30dFen: row.sales_30d_fen,
    orders30d: row.orders_30d,
  }
}
