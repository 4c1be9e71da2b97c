/**
 * Members' pages (会员小站) and group live codes (群活码), served by the team's server:
 * this workstation's part of the contract. contract.ts spreads these into the one table
 * every host serves.
 *
 * Stable for the console: names are added, never renamed.
 */
import { z } from 'zod'
import { ReadPath } from '../filePaths'
import { command, query } from '../contractKit'
import { Day, Empty, Id, IsoTime } from '../schemas'

export const MemberPageLink = z.object({
  memberId: Id,
  /** https://…/m/<token>, or null: never issued, or revoked. */
  url: z.string().nullable(),
  issuedAt: IsoTime.nullable(),
  revokedAt: IsoTime.nullable(),
  /** The server has not confirmed the latest issue or revocation yet (offline): it goes at the next sync. */
  pending: z.boolean(),
  /** The link as a QR (PNG data: URL), to show, print or send. */
  qr: z.string().nullable(),
})
export type MemberPageLink = z.infer<typeof MemberPageLink>

export const LiveCodeInfo = z.object({
  groupId: Id,
  /** https://…/g/<code>: never changes, whichever QR image is behind it. */
  url: z.string().nullable(),
  qr: z.string().nullable(),
  /** The server has not taken the group's latest QR images, owner or size yet. */
  pending: z.boolean(),
  /** Scans of the last 30 days: per day, and per member whose poster carried the code. */
  scans: z.object({
    total: z.number().int(),
    days: z.array(z.object({ day: Day, scans: z.number().int() })),
    refs: z.array(z.object({ code: z.string(), name: z.string().nullable(), scans: z.number().int() })),
  }),
  /** The owner's personal WeChat QR, shown when no group code can be scanned. */
  contact: z.object({ thumb: z.string(), uploadedAt: IsoTime }).nullable(),
})
export type LiveCodeInfo = z.infer<typeof LiveCodeInfo>

export const PagesPublishRun = z.object({
  jobId: Id,
  date: Day,
  packs: z.number().int(),
  /** Files the packs name; `uploaded` of them were new to the server (the rest it held already). */
  files: z.number().int(),
  uploaded: z.number().int(),
  uploadedBytes: z.number().int(),
})

export const PagesPublishResult = z.object({
  runs: z.array(PagesPublishRun),
  /** Packs a later run had put on the pages already (this one's were left out). */
  superseded: z.number().int(),
  /** Runs that could not go (text naming a customer, a file changed since): they wait for a person. */
  refused: z.array(z.object({ jobId: Id, date: Day, code: z.string(), message: z.string() })),
})
export type PagesPublishResult = z.infer<typeof PagesPublishResult>

/** What one exchange with the server did (a sync round runs one after the ledger). */
export const PagesRound = z.object({
  packs: z.number().int(),
  uploaded: z.number().int(),
  links: z.number().int(),
  groups: z.number().int(),
  earnings: z.number().int(),
  /** Ticks received and logged as the members' share events. */
  ticks: z.number().int(),
  /** The exchange failed (the ledger's round is not affected); it is tried again next round. */
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
})
export type PagesRound = z.infer<typeof PagesRound>

export const PagesStatus = z.object({
  /** A team server is set up: links, live codes and publishing can work. */
  enrolled: z.boolean(),
  publicUrl: z.string().nullable(),
  lastExchangeAt: IsoTime.nullable(),
  lastError: z.object({ code: z.string(), message: z.string(), at: IsoTime }).nullable(),
})

export const memberPagesContract = {
  memberPages: {
    status: query(Empty, PagesStatus),
    /** A member's link (会员小站) as this workstation holds it. */
    link: query(z.object({ memberId: Id }), MemberPageLink),
    /** Issues the member's link, or with `reissue` a new one (the old one stops at once). */
    issueLink: command(z.object({ memberId: Id, reissue: z.boolean().default(false) }), MemberPageLink),
    /** The link answers 404 from now on. */
    revokeLink: command(z.object({ memberId: Id }), MemberPageLink),
    liveCode: query(z.object({ groupId: Id }), LiveCodeInfo),
    /** Gives the group its live code (once; the same code from then on). */
    makeLiveCode: command(z.object({ groupId: Id }), LiveCodeInfo),
    /** The group owner's personal WeChat QR (a screenshot of their 我的二维码 page). */
    uploadContact: command(
      z.object({ groupId: Id, path: ReadPath.optional(), dataBase64: z.string().max(20_000_000).optional(), fileName: z.string().max(200).optional() }),
      LiveCodeInfo,
    ),
    /**
     * Publishes finished pack runs to the team's server: one run, a day's runs, or every
     * run of yesterday on that is not there yet. Declared a query like sync.syncNow: it
     * waits on the network and must not hold up the studio's other writes.
     */
    publish: query(z.object({ jobId: Id.optional(), date: Day.optional() }).default({}), PagesPublishResult),
  },
} as const

export const memberPagesEvents = {} as const
