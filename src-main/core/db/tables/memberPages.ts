import type { PackJob } from '../../../../src-shared/contracts/materials'
import { bool, decodeFields, defineTable, int, nullableText, text, type RowOf } from './table'

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

/**
 * A group's live code (群活码): stable once made, served by the team's server. `pushed_hash`:
 * a fingerprint of what the server last took for the group (null: not yet, or to send again).
 */
export const GROUP_LIVE_CODES = defineTable(
  'group_live_codes',
  {
    group_id: text(),
    code: text(),
    created_at: text(),
    pushed_hash: nullableText(),
  },
  {
    groupId: 'group_id',
    code: 'code',
    createdAt: 'created_at',
  },
)

export type GroupLiveCodeRow = RowOf<typeof GROUP_LIVE_CODES>

/** A group's live code scans on a day, by the member code it was shared with (`ref`, '' for none): the server's counts. */
export const GROUP_SCAN_COUNTS = defineTable('group_scan_counts', { group_id: text(), day: text(), ref: text(), scans: int() }, { groupId: 'group_id', day: 'day', ref: 'ref', scans: 'scans' })

/**
 * The group owner's own WeChat QR code (我的二维码) behind a live code: the picture kept
 * here (`file`) and what it reads (`payload`). One per group, replaced by a new upload.
 */
export const GROUP_CONTACT_QR = defineTable(
  'group_contact_qr',
  {
    group_id: text(),
    file: text(),
    payload: text(),
    uploaded_at: text(),
    created_by: nullableText(),
  },
  {
    groupId: 'group_id',
    file: 'file',
    payload: 'payload',
    uploadedAt: 'uploaded_at',
    createdBy: 'created_by',
  },
)

/**
 * A pack run the members' pages hold (core/memberPages/exchange.ts): on which server, when
 * and how much went up. Its fields are the run's publication as the pack list shows it.
 */
export const PACK_PUBLICATIONS = defineTable(
  'pack_publications',
  {
    job_id: text(),
    server_id: text(),
    published_at: text(),
    packs: int(),
    files: int(),
    uploaded: int(),
  },
  {
    at: 'published_at',
    packs: 'packs',
    files: 'files',
  },
)

export type PackPublicationRow = RowOf<typeof PACK_PUBLICATIONS>

export const toPackPublication = (row: PackPublicationRow): NonNullable<PackJob['published']> => decodeFields(PACK_PUBLICATIONS, row)

/** The member pages exchange's own row (one, id 1): where the pages are, the server's cursors and the last exchange. */
export const MEMBER_PAGE_STATE = defineTable(
  'member_page_state',
  {
    id: int<1>(),
    public_url: nullableText(),
    server_id: nullableText(),
    ticks_cursor: int(),
    withdrawals_cursor: int(),
    last_exchange_at: nullableText(),
    last_error_code: nullableText(),
    last_error_message: nullableText(),
    last_error_at: nullableText(),
  },
  { publicUrl: 'public_url', serverId: 'server_id', ticksCursor: 'ticks_cursor', withdrawalsCursor: 'withdrawals_cursor', lastExchangeAt: 'last_exchange_at' },
)
export type MemberPageStateRow = RowOf<typeof MEMBER_PAGE_STATE>
