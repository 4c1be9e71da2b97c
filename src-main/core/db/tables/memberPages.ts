import { bool, defineTable, nullableText, text, type RowOf } from './table'

/**
 * A member's page link (会员小站): the token stays here so the kit and the statement can
 * print the link again; the server keeps only its hash. `pushed`: the server has it.
 */
export const MEMBER_PAGE_LINKS = defineTable(
  'member_page_links',
  {
    member_id: text(),
    token: nullableText(),
    token_hash: text(),
    issued_at: text(),
    revoked_at: nullableText(),
    pushed: bool(),
  },
  {
    memberId: 'member_id',
    issuedAt: 'issued_at',
    revokedAt: 'revoked_at',
  },
)

export type MemberPageLinkRow = RowOf<typeof MEMBER_PAGE_LINKS>
