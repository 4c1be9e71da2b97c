import { z } from 'zod'

/**
 * Members' pages (会员小站) and group live codes (群活码): what a workstation sends the
 * team's server and what it reads back, shared by both ends. The device endpoints sit
 * beside the ledger's under /v1/pages and take the same device token; the public pages a
 * member's phone opens are /m/<token> and /g/<code>.
 *
 *   GET  /v1/pages/config          the address members' phones reach the server at
 *   PUT  /v1/pages/team            the studio's name and time zone (the pages' "today")
 *   POST /v1/pages/blobs/missing   which of these files (by SHA-256) the server lacks
 *   PUT  /v1/pages/blobs/<sha256>  one file, stored once per team whoever sends it again
 *   POST /v1/pages/packs           runs of packs: a pack replaces the same owner's pack of that day whole
 *   POST /v1/pages/earnings        each member's earnings as the workstation's ledger has them
 *   POST /v1/pages/links           issue (a token's hash) or revoke members' links
 *   POST /v1/pages/groups          groups with their live code's hash, QR images and owner's contact
 *   GET  /v1/pages/ticks           what members ticked on their pages, after a cursor
 *   GET  /v1/pages/scans           live-code scans per group, day and referring member
 *   GET  /v1/pages/withdrawals     withdrawal requests members made on their pages, after a cursor
 *   POST /v1/pages/withdrawals/answers  taken into the ledger, or refused with the reason
 *
 * Nothing here carries a customer: packs hold posters, copy and schedules made for
 * posting, earnings are the member's own, and the workstation refuses to publish text
 * that names a customer or holds a phone number (core/memberPages/publish.ts).
 */

/** A member's page token: 32 random bytes, base64url (43 characters). */
export const MEMBER_TOKEN = /^[A-Za-z0-9_-]{43}$/
/** A group's live code: 16 random bytes, base64url (22 characters) — short, so the QR on a poster stays coarse. */
export const LIVE_CODE = /^[A-Za-z0-9_-]{22}$/
export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 in hex')
export const PagesDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
/** An invite code as members carry it across workstations. */
export const MemberCode = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'expected an invite code (letters, digits, - and _)')
/** 'member:<invite code>' or 'group:<the workstation's group id>'. */
export const OwnerKey = z.string().regex(/^(member|group):[A-Za-z0-9_-]{1,64}$/, 'expected member:CODE or group:ID')

/** Text shown on a phone: no control characters (new lines only where `multiline`). */
export const PageText = (max: number, options: { multiline?: boolean; min?: number } = {}) =>
  z
    .string()
    .min(options.min ?? 0)
    .max(max)
    .refine((s) => !(options.multiline ? /(?!\n)\p{Cc}/u : /\p{Cc}/u).test(s), '含控制字符 / contains control characters')

/** File types a page shows, told apart by the bytes too (the server checks both). */
export const BLOB_TYPES = ['image/jpeg', 'image/png', 'video/mp4'] as const
export const BlobType = z.enum(BLOB_TYPES)
export type BlobType = z.infer<typeof BlobType>
/** The largest file a page carries (a 30 s video is well under it). */
export const MAX_BLOB_BYTES = 64 * 1024 * 1024

// ---------------------------------------------------------------- packs

export const PAGE_CHANNELS = ['moments', 'group', 'private'] as const
export const PAGE_CHANNEL_LABELS: Record<(typeof PAGE_CHANNELS)[number], string> = { moments: '朋友圈', group: '群聊', private: '私聊' }

export const PackImageWire = z.object({
  kind: z.enum(['poster', 'comparison', 'collage', 'liveCode']),
  product: PageText(120),
  /** The file as made (tap to view, long-press to save). */
  full: Sha256,
  /** The same picture sized for a phone's screen. */
  phone: Sha256,
})

export const PackContent = z.object({
  images: z.array(PackImageWire).max(120),
  videos: z.array(z.object({ product: PageText(120), sha256: Sha256, bytes: z.number().int().nonnegative() })).max(30),
  copy: z
    .array(z.object({ channel: z.enum(PAGE_CHANNELS), product: PageText(120), tone: PageText(20).nullable(), text: PageText(2000, { multiline: true, min: 1 }) }))
    .max(400),
  /** The day's plan: the evening-before preview and the three peaks; each is a line of the checklist. */
  schedule: z
    .array(
      z.object({
        key: z.string().regex(/^[a-z0-9-]{1,20}$/),
        day: PagesDay,
        from: z.string().regex(/^\d{2}:\d{2}$/),
        to: z.string().regex(/^\d{2}:\d{2}$/),
        title: PageText(40, { min: 1 }),
        what: PageText(600),
      }),
    )
    .max(12),
})
export type PackContent = z.infer<typeof PackContent>

export const PublishedPack = z.object({
  ownerKey: OwnerKey,
  kind: z.enum(['member', 'group']),
  /** Whose page shows it: the member, or the group's owner. */
  memberCode: MemberCode,
  /** The member's or the group's name. */
  title: PageText(80, { min: 1 }),
  day: PagesDay,
  content: PackContent,
})
export type PublishedPack = z.infer<typeof PublishedPack>

export const PublishPacksRequest = z.object({
  runs: z
    .array(
      z.object({
        /** The pack job's id on the workstation. */
        runId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
        /** When the run was asked for: of two runs for the same owner and day, the later one's pack stays. */
        runCreatedAt: z.iso.datetime({ offset: true }),
        /** Earlier runs this one replaced in its folder: their packs leave the pages whole. */
        replaces: z.array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/)).max(50),
        packs: z.array(PublishedPack).max(5000),
      }),
    )
    .min(1)
    .max(20),
})
export type PublishPacksRequest = z.infer<typeof PublishPacksRequest>

export const PublishPacksResponse = z.object({
  /** Packs now on the pages. */
  stored: z.number().int(),
  /** Packs left out because a later run's pack for the same owner and day is there already. */
  superseded: z.number().int(),
  /** Packs of replaced runs taken off. */
  withdrawn: z.number().int(),
})
export type PublishPacksResponse = z.infer<typeof PublishPacksResponse>

export const MissingBlobsRequest = z.object({ sha256: z.array(Sha256).max(20000) })
export const MissingBlobsResponse = z.object({ missing: z.array(Sha256) })

// ---------------------------------------------------------------- the team

export const TeamPagesSettings = z.object({
  studioName: PageText(60),
  timeZone: z.string().regex(/^[A-Za-z_+\-/0-9]{1,64}$/),
})
export const PagesConfig = z.object({
  /** Where members' phones reach this server (its --public-url), or null: the address the workstation uses. */
  publicUrl: z.string().nullable(),
})

// ---------------------------------------------------------------- earnings

const Fen = z.number().int().safe()
/**
 * A member's money as the workstation's ledger has it when it publishes. `settlement` is
 * the frozen / withdrawable / requested / paid split once the ledger settles commission;
 * null until then, and the page shows the statuses alone.
 */
export const MemberEarnings = z.object({
  asOf: z.iso.datetime({ offset: true }),
  totals: z.object({ earnedFen: Fen, pendingFen: Fen, approvedFen: Fen, paidFen: Fen }),
  statements: z
    .array(z.object({ period: z.string().regex(/^\d{4}-\d{2}$/), entries: z.number().int().nonnegative(), earnedFen: Fen, pendingFen: Fen, approvedFen: Fen, paidFen: Fen }))
    .max(12),
  settlement: z
    .object({
      frozenFen: Fen,
      withdrawableFen: Fen,
      requestedFen: Fen,
      paidFen: Fen,
      /** The studio's smallest withdrawal; with `account`, the page offers a request once withdrawable reaches it. */
      minWithdrawalFen: Fen.optional(),
      /** Where a request from the page is paid (the member's own account, masked), or null: none yet, so no request. */
      account: PageText(60).nullable().optional(),
    })
    .nullable(),
})
export type MemberEarnings = z.infer<typeof MemberEarnings>

export const PublishEarningsRequest = z.object({
  members: z.array(z.object({ memberCode: MemberCode, earnings: MemberEarnings })).min(1).max(5000),
})

// ---------------------------------------------------------------- links

export const LinkChangesRequest = z.object({
  changes: z
    .array(
      z.object({
        memberCode: MemberCode,
        memberName: PageText(80, { min: 1 }),
        /** SHA-256 of the new token (its link replaces the member's earlier one), or null: revoke the member's link. */
        tokenHash: Sha256.nullable(),
      }),
    )
    .min(1)
    .max(5000),
})
export type LinkChangesRequest = z.infer<typeof LinkChangesRequest>
export const LinkChangesResponse = z.object({ applied: z.number().int() })

// ---------------------------------------------------------------- live codes

export const LiveGroupWire = z.object({
  /** The workstation's group id. */
  groupKey: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  /** SHA-256 of the group's live code. */
  codeHash: Sha256,
  name: PageText(80, { min: 1 }),
  ownerCode: MemberCode.nullable(),
  ownerName: PageText(80).nullable(),
  /** People in the group now: WeChat stops joining by scan beyond GROUP_SCAN_LIMIT. */
  memberCount: z.number().int().nonnegative().max(100000),
  /** The group's WeChat QR images (the whole set: what is not listed leaves). */
  images: z.array(z.object({ sha256: Sha256, uploadedAt: z.iso.datetime({ offset: true }), expiresAt: z.iso.datetime({ offset: true }) })).max(50),
  /** The owner's personal WeChat QR, shown when no group code can be scanned. */
  contactSha256: Sha256.nullable(),
})
export type LiveGroupWire = z.infer<typeof LiveGroupWire>
export const PublishGroupsRequest = z.object({ groups: z.array(LiveGroupWire).min(1).max(2000) })

// ---------------------------------------------------------------- what flows back

export const MAX_TICKS_PAGE = 2000
export const TicksQuery = z.object({
  after: z.coerce.number().int().nonnegative().default(0),
  limit: z.coerce.number().int().min(1).max(MAX_TICKS_PAGE).default(500),
})
export const MemberTick = z.object({
  id: z.string().uuid(),
  seq: z.number().int().positive(),
  memberCode: z.string(),
  ownerKey: z.string(),
  day: PagesDay,
  itemKey: z.string(),
  label: z.string(),
  tickedAt: z.string(),
})
export type MemberTick = z.infer<typeof MemberTick>
export const TicksResponse = z.object({ ticks: z.array(MemberTick), more: z.boolean() })

export const ScansQuery = z.object({ since: PagesDay })
export const ScanCount = z.object({ groupKey: z.string(), day: PagesDay, ref: z.string(), scans: z.number().int().nonnegative() })
export type ScanCount = z.infer<typeof ScanCount>
export const ScansResponse = z.object({ scans: z.array(ScanCount) })

// ---------------------------------------------------------------- withdrawals asked for on the page

export const MAX_WITHDRAWALS_PAGE = 500
export const WithdrawalsQuery = z.object({
  after: z.coerce.number().int().nonnegative().default(0),
  limit: z.coerce.number().int().min(1).max(MAX_WITHDRAWALS_PAGE).default(200),
})
export const PageWithdrawal = z.object({
  id: z.string().uuid(),
  seq: z.number().int().positive(),
  memberCode: z.string(),
  amountFen: z.number().int().positive(),
  requestedAt: z.string(),
})
export type PageWithdrawal = z.infer<typeof PageWithdrawal>
export const WithdrawalsResponse = z.object({ withdrawals: z.array(PageWithdrawal), more: z.boolean() })
/** What the workstation made of each request: taken into the ledger, or refused with the reason the page shows. */
export const WithdrawalAnswersRequest = z.object({
  answers: z
    .array(z.object({ id: z.string().uuid(), status: z.enum(['taken', 'refused']), message: PageText(300) }))
    .min(1)
    .max(MAX_WITHDRAWALS_PAGE),
})
export type WithdrawalAnswersRequest = z.infer<typeof WithdrawalAnswersRequest>
