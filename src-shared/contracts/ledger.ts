import { z } from 'zod'
import { WritePath } from '../filePaths'
import { command, query } from '../contractKit'
import { LedgerEntryKind, LedgerSourceType, LedgerStatus } from '../ledgerWire'
import { Day, Fen, Id, IsoTime, Ok, Page, Paging } from '../schemas'

/**
 * The commission ledger on the workstation: schemes with their compliance check,
 * posting, statements and the team's payable summary, membership fees, group buys
 * and members' payout accounts. contract.ts spreads these into the one table.
 */

export const Period = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected YYYY-MM')
/** Basis points: 1250 = 12.5 %. */
export const Bp = z.number().int().min(0).max(10_000)
/** A rate for each member level (1, 2, 3). */
export const LevelRates = z.tuple([Bp, Bp, Bp])

// ---------------------------------------------------------------- schemes
export const SchemeRules = z.object({
  /**
   * How many people a sale pays: the seller (1), or the seller and their mentor (2).
   * Accepted up to 9 here only so the compliance check can explain why more than
   * two is refused; posting never pays more than two whatever a scheme says.
   */
  tiers: z.number().int().min(1).max(9),
  /** The seller's rate, by the seller's level. */
  sellerBp: LevelRates,
  /** The mentor's rate on an apprentice's sale, by the mentor's level (tier 2). */
  mentorBp: LevelRates,
  /** Rates by product category, overriding the defaults above. */
  categories: z
    .array(z.object({ category: z.string().min(1).max(40), sellerBp: LevelRates, mentorBp: LevelRates }))
    .max(200)
    .default([]),
  /** Use the rates set on each product (products screen) where they are not zero. */
  useProductRates: z.boolean().default(true),
  /** Money paid for each recruit (拉人头). Anything above zero is refused by the compliance check. */
  perRecruitFen: Fen.min(0).default(0),
  /** A share of membership fees paid to the recruiter (入门费计酬). Refused above zero. */
  feeShareBp: Bp.default(0),
  /** Whether joining requires paying a fee or buying goods (入门费). Refused when true. */
  joinFeeRequired: z.boolean().default(false),
})
export type SchemeRules = z.infer<typeof SchemeRules>

export const ComplianceFinding = z.object({
  code: z.string(),
  severity: z.enum(['blocking', 'warning']),
  /** Plain Chinese first, then English. */
  title: z.string(),
  explanation: z.string(),
  /** The part of the scheme it is about ('tiers', 'perRecruitFen', 'categories.2.sellerBp' …). */
  field: z.string(),
})
export type ComplianceFinding = z.infer<typeof ComplianceFinding>

export const SchemeVersion = z.object({
  schemeId: Id,
  version: z.number().int().positive(),
  name: z.string(),
  rules: SchemeRules,
  note: z.string(),
  createdAt: IsoTime,
  createdBy: z.string(),
})
export const Scheme = z.object({
  id: Id,
  name: z.string(),
  active: z.boolean(),
  version: z.number().int().positive(),
  rules: SchemeRules,
  updatedAt: IsoTime,
})
export type Scheme = z.infer<typeof Scheme>

export const SchemeSaveInput = z.object({
  /** Absent: a new scheme. */
  id: Id.optional(),
  name: z.string().trim().min(1).max(60),
  rules: SchemeRules,
  /** Why it changed, for the version history. */
  note: z.string().max(200).default(''),
  /** Make it the scheme new sales are posted with. */
  activate: z.boolean().default(true),
})

// ---------------------------------------------------------------- entries
export const LedgerEntry = z.object({
  id: z.string(),
  memberId: Id.nullable(),
  memberCode: z.string(),
  memberName: z.string().nullable(),
  kind: LedgerEntryKind,
  amountFen: Fen,
  sourceType: LedgerSourceType,
  sourceKey: z.string(),
  reversesId: z.string().nullable(),
  schemeId: z.string().nullable(),
  schemeVersion: z.number().int().nullable(),
  /** Base and rate the amount was computed from (commission entries posted here). */
  baseFen: Fen.nullable(),
  rateBp: z.number().int().nullable(),
  period: Period,
  occurredAt: IsoTime,
  memo: z.string(),
  status: LedgerStatus,
  origin: z.enum(['local', 'remote']),
  orderId: Id.nullable(),
  orderNo: z.string().nullable(),
  synced: z.boolean(),
  createdAt: IsoTime,
})
export type LedgerEntry = z.infer<typeof LedgerEntry>

export const EntryQuery = z
  .object({
    memberId: Id.optional(),
    period: Period.optional(),
    status: LedgerStatus.optional(),
    kind: LedgerEntryKind.optional(),
    orderId: Id.optional(),
    ...Paging,
  })
  .default({ offset: 0, limit: 50 })

/** Money by status; `earnedFen` counts everything but rejected entries and fees. */
export const StatusTotals = z.object({
  entries: z.number().int(),
  earnedFen: Fen,
  pendingFen: Fen,
  approvedFen: Fen,
  paidFen: Fen,
  rejectedFen: Fen,
  /** Earned and not paid yet: what the studio still owes. */
  owedFen: Fen,
})
export type StatusTotals = z.infer<typeof StatusTotals>

export const MemberTotals = StatusTotals.extend({ memberId: Id.nullable(), memberCode: z.string(), memberName: z.string().nullable(), level: z.number().int().nullable() })

export const Summary = z.object({
  period: Period.nullable(),
  totals: StatusTotals,
  /** Membership fees received in the period (paid in, never commissionable). */
  feesFen: Fen,
  members: z.array(MemberTotals),
})
export type Summary = z.infer<typeof Summary>

export const Statement = z.object({
  member: z.object({ id: Id.nullable(), code: z.string(), name: z.string().nullable(), level: z.number().int().nullable() }),
  period: Period,
  /** Earned before the period (all periods before it, rejected entries excluded). */
  openingFen: Fen,
  entries: z.array(LedgerEntry),
  closingFen: Fen,
  totals: StatusTotals,
  feesFen: Fen,
})
export type Statement = z.infer<typeof Statement>

export const EntryDetail = z.object({
  entry: LedgerEntry,
  /** Entries that reverse it (refunds, overturned actions). */
  reversals: z.array(LedgerEntry),
  order: z
    .object({
      id: Id,
      orderNo: z.string(),
      status: z.string(),
      placedAt: IsoTime,
      totalFen: Fen,
      refundedFen: Fen,
      lines: z.array(z.object({ lineNo: z.number().int(), sku: z.string(), name: z.string(), quantity: z.number().int(), amountFen: Fen })),
    })
    .nullable(),
})

export const PostResult = z.object({
  orders: z.number().int(),
  entries: z.number().int(),
  byKind: z.record(z.string(), z.object({ entries: z.number().int(), amountFen: Fen })),
  /** Orders not posted yet and why (no member, an open group buy, no scheme). */
  held: z.object({ unattributed: z.number().int(), groupBuyOpen: z.number().int(), noScheme: z.boolean() }),
  durationMs: z.number(),
})
export type PostResult = z.infer<typeof PostResult>

// ---------------------------------------------------------------- fees, group buys, payout accounts
export const MembershipFee = z.object({
  id: Id,
  memberId: Id,
  memberName: z.string().nullable(),
  amountFen: Fen,
  paidOn: Day,
  note: z.string(),
  createdAt: IsoTime,
})
export const MembershipFeeInput = z.object({
  memberId: Id,
  amountFen: Fen.positive().max(100_000_000),
  paidOn: Day,
  note: z.string().max(200).default(''),
})

export const GroupBuy = z.object({
  id: Id,
  name: z.string(),
  status: z.enum(['open', 'succeeded', 'failed']),
  minParticipants: z.number().int(),
  closesAt: IsoTime,
  orderCount: z.number().int(),
  decidedAt: IsoTime.nullable(),
})
export const GroupBuyInput = z.object({
  name: z.string().trim().min(1).max(60),
  minParticipants: z.number().int().min(2).max(1000),
  closesAt: IsoTime,
  orderIds: z.array(Id).max(5000).default([]),
})

export const PAYOUT_KINDS = ['bank', 'wechat', 'alipay'] as const
export const PayoutAccount = z.object({
  id: Id,
  memberId: Id,
  kind: z.enum(PAYOUT_KINDS),
  holder: z.string(),
  /** Masked: **** 1234 — the number itself never leaves the core. */
  masked: z.string(),
  bank: z.string().nullable(),
  updatedAt: IsoTime,
})
export const PayoutAccountInput = z.object({
  id: Id.optional(),
  memberId: Id,
  kind: z.enum(PAYOUT_KINDS),
  holder: z.string().trim().min(1).max(40),
  /** Card number or account id; stored encrypted. */
  account: z.string().trim().min(4).max(64),
  bank: z.string().trim().max(40).nullable().default(null),
})

export const LedgerExportInput = z.object({
  report: z.enum(['summary', 'statement']),
  format: z.enum(['csv', 'xlsx', 'pdf']),
  period: Period,
  memberId: Id.optional(),
  /** Where to write it (the CLI and the desktop's save dialog); absent: into the data folder's exports/. */
  path: WritePath.optional(),
})

export const ledgerContract = {
  ledger: {
    /** Posts every order, refund, fee and approved rule action not in the ledger yet. Running it again posts nothing new. */
    post: command(z.object({}).strict().optional().default({}), PostResult),
    summary: query(z.object({ period: Period.optional() }).default({}), Summary),
    statement: query(z.object({ memberId: Id, period: Period }), Statement),
    entries: query(EntryQuery, Page(LedgerEntry)),
    entry: query(z.object({ id: z.string() }), EntryDetail),
    export: command(LedgerExportInput, z.object({ fileName: z.string(), path: z.string(), rows: z.number().int() })),
  },
  schemes: {
    list: query(z.object({}).strict().optional().default({}), z.array(Scheme)),
    versions: query(z.object({ id: Id }), z.array(SchemeVersion)),
    /** The compliance panel: what is wrong with these rules, in plain Chinese, before saving. */
    check: query(z.object({ rules: SchemeRules }), z.array(ComplianceFinding)),
    /** Saves a new version (blocking findings refuse the save with the findings in details). */
    save: command(SchemeSaveInput, Scheme),
  },
  fees: {
    list: query(z.object({ memberId: Id.optional() }).default({}), z.array(MembershipFee)),
    record: command(MembershipFeeInput, MembershipFee),
  },
  groupBuys: {
    list: query(z.object({}).strict().optional().default({}), z.array(GroupBuy)),
    create: command(GroupBuyInput, GroupBuy),
    /** Succeeded: its orders are posted. Failed: every order is refunded in full (and its commission reversed). */
    decide: command(z.object({ id: Id, outcome: z.enum(['succeeded', 'failed']) }), GroupBuy),
  },
  payouts: {
    list: query(z.object({ memberId: Id }), z.array(PayoutAccount)),
    save: command(PayoutAccountInput, PayoutAccount),
    remove: command(z.object({ id: Id }), Ok),
  },
} as const

export const ledgerEvents = {} as const
