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
  /** The team's current version. */
  version: z.number().int().positive(),
  /** The current version's rules; null when this workstation does not hold it (see `blocked`). */
  rules: SchemeRules.nullable(),
  updatedAt: IsoTime,
  /**
   * The version this workstation posts sales with: the current one; the last one the team
   * server accepted while the current one waits for it (see `waiting`); null (none) when the
   * current one is blocked here or no version of the scheme has been accepted yet.
   */
  usedVersion: z.number().int().positive().nullable(),
  /** Why the current version is not used here (中文 / English): the compliance check refused it, or it has not arrived. */
  blocked: z.string().nullable(),
  /** Why the current version is not used yet (中文 / English): saved on this enrolled workstation, it takes effect once the team server accepts it. */
  waiting: z.string().nullable(),
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
  /** The month the entry counts in here: its own, or the first open one when its own was closed (an adjustment). */
  bookedPeriod: Period,
})
export type LedgerEntry = z.infer<typeof LedgerEntry>

export const EntryQuery = z
  .object({
    memberId: Id.optional(),
    period: Period.optional(),
    status: LedgerStatus.optional(),
    kind: LedgerEntryKind.optional(),
    orderId: Id.optional(),
    /** Earnings only, as the summary's figures count them: no membership fees, no withdrawals. */
    earnings: z.boolean().optional(),
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

/**
 * A member's month: the balance it opens with (everything booked before it, rejected
 * entries excluded), the month's own entries, the adjustments booked into it (entries
 * that belong to a month closed before they arrived — each names its month in
 * `period`), and the balance it closes with. Withdrawals are among the entries (they
 * lower the balance); `totals` count earnings only.
 */
export const Statement = z.object({
  member: z.object({ id: Id.nullable(), code: z.string(), name: z.string().nullable(), level: z.number().int().nullable() }),
  period: Period,
  /** Whether the month is closed (its figures no longer change). */
  closed: z.boolean(),
  openingFen: Fen,
  entries: z.array(LedgerEntry),
  adjustments: z.array(LedgerEntry),
  /** What the adjustments add up to (rejected ones excluded). */
  adjustmentsFen: Fen,
  /** Withdrawals booked in the month (negative) and what came back of them. */
  withdrawnFen: Fen,
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
  /** Of them, corrections of commission posted with a scheme version the team refused, to the team's version. */
  rerated: z.number().int(),
  byKind: z.record(z.string(), z.object({ entries: z.number().int(), amountFen: Fen })),
  /** Orders not posted yet and why (no member, an open group buy, no scheme). */
  held: z.object({
    unattributed: z.number().int(),
    groupBuyOpen: z.number().int(),
    noScheme: z.boolean(),
    /** Why the active scheme posts nothing here (中文 / English), naming it and its blocked or waiting version; null when there is none or it is used. */
    schemeBlocked: z.string().nullable(),
    /** Sales were posted with the last version the team accepted, not the active scheme's current one, which waits for the team server (中文 / English); null otherwise. */
    schemeWaiting: z.string().nullable(),
  }),
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

// ---------------------------------------------------------------- month close
export const PeriodClose = z.object({
  period: Period,
  closedAt: IsoTime,
  closedBy: z.string(),
  /** What the month held when it was closed. */
  entries: z.number().int(),
  earnedFen: Fen,
})
export type PeriodClose = z.infer<typeof PeriodClose>

/** What closing a month would lock, and whether it can be closed now. */
export const ClosePreview = z.object({
  period: Period,
  lastClosed: Period.nullable(),
  /** The months this close locks (every open month up to `period`), with what each holds. */
  months: z.array(z.object({ period: Period, entries: z.number().int(), earnedFen: Fen, members: z.number().int(), adjustments: z.number().int() })),
  entries: z.number().int(),
  earnedFen: Fen,
  /** Where anything that arrives later for these months is booked. */
  adjustmentsInto: Period,
  /** Orders changed since the last posting (the close posts them first). */
  unpostedOrders: z.number().int(),
  /** Orders waiting for a group buy: they post when it is decided, as adjustments if their month is closed by then. */
  groupBuyOpen: z.number().int(),
  blockers: z.array(z.object({ code: z.string(), message: z.string() })),
  canClose: z.boolean(),
})
export type ClosePreview = z.infer<typeof ClosePreview>

// ---------------------------------------------------------------- settlement (结算)
export const SettlementSettings = z.object({
  /** Days commission stays frozen after the order was completed or delivered (售后期). */
  windowDays: z.number().int().min(0).max(90),
  /** The smallest withdrawal a member may ask for. */
  minWithdrawalFen: Fen.min(0).max(100_000_000),
})
export type SettlementSettings = z.infer<typeof SettlementSettings>

/** A member's money now: frozen (after-sales window), withdrawable, requested (not paid yet), paid. */
export const Balance = z.object({
  memberId: Id.nullable(),
  memberCode: z.string(),
  memberName: z.string().nullable(),
  level: z.number().int().nullable(),
  frozenFen: Fen,
  withdrawableFen: Fen,
  requestedFen: Fen,
  paidFen: Fen,
  /** When the next frozen commission becomes withdrawable. */
  nextReleaseAt: IsoTime.nullable(),
})
export type Balance = z.infer<typeof Balance>

export const WITHDRAWAL_STATUSES = ['requested', 'approved', 'rejected', 'batched', 'paid', 'failed'] as const
export const WithdrawalStatus = z.enum(WITHDRAWAL_STATUSES)
export const Withdrawal = z.object({
  id: Id,
  memberId: Id.nullable(),
  memberCode: z.string(),
  memberName: z.string().nullable(),
  amountFen: Fen,
  /** Masked: the full number appears only in the payout file. */
  account: z.object({ id: Id, kind: z.enum(PAYOUT_KINDS), holder: z.string(), bank: z.string().nullable(), masked: z.string() }).nullable(),
  /** Entered here, or arrived from another workstation through the team's server. */
  origin: z.enum(['local', 'remote']),
  requestedAt: IsoTime,
  requestedBy: z.string(),
  note: z.string(),
  status: WithdrawalStatus,
  decidedAt: IsoTime.nullable(),
  decidedBy: z.string().nullable(),
  reason: z.string().nullable(),
  batchId: Id.nullable(),
  batchNo: z.string().nullable(),
  lineNo: z.number().int().nullable(),
  settledAt: IsoTime.nullable(),
})
export type Withdrawal = z.infer<typeof Withdrawal>

export const WithdrawalRequestInput = z.object({
  memberId: Id,
  amountFen: Fen.positive().max(100_000_000),
  /** One of the member's payout accounts; may be left out when the member has exactly one. */
  accountId: Id.optional(),
  note: z.string().trim().max(200).default(''),
})
export const WithdrawalDecisionInput = z.object({
  id: Id,
  approve: z.boolean(),
  /** Required to turn a request down. */
  reason: z.string().trim().max(200).default(''),
  /** A request from another workstation gets one of the member's accounts here. */
  accountId: Id.optional(),
})

export const PayoutChannel = z.enum(PAYOUT_KINDS)
export const PayoutBatch = z.object({
  id: Id,
  batchNo: z.string(),
  channel: PayoutChannel,
  status: z.enum(['open', 'paid', 'partly_failed']),
  totalFen: Fen,
  lines: z.number().int(),
  createdAt: IsoTime,
  createdBy: z.string(),
  exportedAt: IsoTime.nullable(),
  markedAt: IsoTime.nullable(),
  markedBy: z.string().nullable(),
})
export type PayoutBatch = z.infer<typeof PayoutBatch>
export const PayoutBatchDetail = PayoutBatch.omit({ lines: true }).extend({ lines: z.array(Withdrawal) })
export type PayoutBatchDetail = z.infer<typeof PayoutBatchDetail>

export const ledgerContract = {
  ledger: {
    /** Posts every order, refund, fee and approved rule action not in the ledger yet. Running it again posts nothing new. */
    post: command(z.object({}).strict().optional().default({}), PostResult),
    summary: query(z.object({ period: Period.optional() }).default({}), Summary),
    statement: query(z.object({ memberId: Id, period: Period }), Statement),
    entries: query(EntryQuery, Page(LedgerEntry)),
    entry: query(z.object({ id: z.string() }), EntryDetail),
    export: command(LedgerExportInput, z.object({ fileName: z.string(), path: z.string(), rows: z.number().int() })),
    /** Months closed so far, newest first. */
    periods: query(z.object({}).strict().optional().default({}), z.array(PeriodClose)),
    /** What closing a month would lock. */
    closePreview: query(z.object({ period: Period }), ClosePreview),
    /** Closes the month and every open month before it (posting first); never reopened. */
    close: command(z.object({ period: Period }), z.object({ closed: z.array(PeriodClose), posted: PostResult })),
  },
  settlement: {
    settings: query(z.object({}).strict().optional().default({}), SettlementSettings),
    saveSettings: command(SettlementSettings, SettlementSettings),
    /** Every member's frozen / withdrawable / requested / paid money now, or one member's. */
    balances: query(z.object({ memberId: Id.optional() }).default({}), z.array(Balance)),
  },
  withdrawals: {
    list: query(z.object({ memberId: Id.optional(), status: z.array(WithdrawalStatus).optional() }).default({}), z.array(Withdrawal)),
    request: command(WithdrawalRequestInput, Withdrawal),
    decide: command(WithdrawalDecisionInput, Withdrawal),
  },
  payoutBatches: {
    list: query(z.object({}).strict().optional().default({}), z.array(PayoutBatch)),
    get: query(z.object({ id: z.string().min(1) }), PayoutBatchDetail),
    /** All approved requests to accounts of the channel, or the ones named. */
    create: command(z.object({ channel: PayoutChannel, withdrawalIds: z.array(Id).max(1000).optional() }), PayoutBatchDetail),
    /** The batch's payout file (CSV or XLSX) in the channel's layout, with full account numbers. */
    export: command(z.object({ id: z.string().min(1), format: z.enum(['csv', 'xlsx']), path: WritePath.optional() }), z.object({ fileName: z.string(), path: z.string(), rows: z.number().int() })),
    /** Paid, or partly failed: the failed lines' money returns to withdrawable. */
    mark: command(
      z.object({ id: z.string().min(1), failed: z.array(z.object({ withdrawalId: z.string().min(1), reason: z.string().trim().max(200).default('') })).max(1000).default([]) }),
      PayoutBatchDetail,
    ),
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

