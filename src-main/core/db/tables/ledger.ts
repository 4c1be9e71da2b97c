import type { z } from 'zod'
import type { GroupBuy, LedgerEntry, PayoutAccount, PayoutBatch, PeriodClose, Scheme, SchemeVersion, Withdrawal } from '../../../../src-shared/contracts/ledger'
import { SchemeRules } from '../../../../src-shared/contracts/ledger'
import type { LedgerEntryWire, LedgerStatus } from '../../../../src-shared/ledgerWire'
import { blob, bool, columnList, decodeFields, defineTable, int, nullableInt, nullableText, object, text, type RowOf } from './table'

/** A closed month: what it held when it was closed (`members`: the member codes it paid, JSON). */
export const LEDGER_CLOSES = defineTable(
  'ledger_closes',
  {
    period: text(),
    closed_at: text(),
    closed_by: text(),
    entries: int(),
    earned_fen: int(),
    members: text(),
  },
  {
    period: 'period',
    closedAt: 'closed_at',
    closedBy: 'closed_by',
    entries: 'entries',
    earnedFen: 'earned_fen',
  },
)

export const PAYOUT_BATCHES = defineTable(
  'payout_batches',
  {
    id: text(),
    batch_no: text(),
    channel: text<PayoutBatch['channel']>(),
    status: text<PayoutBatch['status']>(),
    total_fen: int(),
    lines: int(),
    created_at: text(),
    created_by: text(),
    exported_at: nullableText(),
    marked_at: nullableText(),
    marked_by: nullableText(),
  },
  {
    batchNo: 'batch_no',
    channel: 'channel',
    status: 'status',
    totalFen: 'total_fen',
    lines: 'lines',
    createdAt: 'created_at',
    createdBy: 'created_by',
    exportedAt: 'exported_at',
    markedAt: 'marked_at',
    markedBy: 'marked_by',
  },
)

export type LedgerCloseRow = RowOf<typeof LEDGER_CLOSES>
export type PayoutBatchRow = RowOf<typeof PAYOUT_BATCHES>

/** The columns a PeriodClose is read from. */
export const PERIOD_CLOSE_COLUMNS = Object.values(LEDGER_CLOSES.fields).join(', ')

/** A closed month as a PeriodClose is read from it (PERIOD_CLOSE_COLUMNS). */
export type PeriodCloseRow = Pick<LedgerCloseRow, (typeof LEDGER_CLOSES.fields)[keyof typeof LEDGER_CLOSES.fields]>

export const toPeriodClose = (row: PeriodCloseRow): PeriodClose => decodeFields(LEDGER_CLOSES, row)

export const toPayoutBatch = (row: PayoutBatchRow): PayoutBatch => ({ id: row.id, ...decodeFields(PAYOUT_BATCHES, row) })

/**
 * A commission scheme: its name and the version new sales are posted with. Which scheme
 * is active is the studio's setting (studio_settings.active_scheme); the `active` column
 * is an older copy of it that nothing reads.
 */
export const COMMISSION_SCHEMES = defineTable(
  'commission_schemes',
  {
    id: text(),
    name: text(),
    current_version: int(),
    active: bool(),
    created_at: text(),
    updated_at: text(),
  },
  {
    name: 'name',
    currentVersion: 'current_version',
  },
)

/** A saved version of a scheme: never edited (entries name the version they were computed with). */
export const COMMISSION_SCHEME_VERSIONS = defineTable(
  'commission_scheme_versions',
  {
    scheme_id: text(),
    version: int(),
    name: text(),
    rules: object<SchemeRules>(),
    note: text(),
    created_at: text(),
    created_by: text(),
    id: nullableText(),
    saved_at: nullableText(),
    updated_at: nullableText(),
  },
  {
    schemeId: 'scheme_id',
    version: 'version',
    name: 'name',
    rules: 'rules',
    note: 'note',
    savedAt: 'saved_at',
    createdBy: 'created_by',
  },
)

export type CommissionSchemeRow = RowOf<typeof COMMISSION_SCHEMES>
export type SchemeVersionRow = RowOf<typeof COMMISSION_SCHEME_VERSIONS>

/** A scheme as SCHEME_SELECT reads it: the scheme, whether it is the studio's active one, and its current version's rules (null: not held here, SCHEME_LIST_SELECT only). */
export type SchemeRow = Pick<CommissionSchemeRow, 'id' | 'name' | 'current_version' | 'updated_at'> & { active: number; rules: string | null }

// Which scheme is active is the studio's setting (shared with the team: only one ever is).
export const SCHEME_SELECT = `SELECT s.id, s.name, s.current_version, s.id IS (SELECT active_scheme FROM studio_settings) AS active, s.updated_at, v.rules
  FROM commission_schemes s JOIN commission_scheme_versions v ON v.scheme_id = s.id AND v.version = s.current_version`

/** Every scheme, its current version's rules or null where this workstation does not hold that version (the compliance check refused it). */
export const SCHEME_LIST_SELECT = SCHEME_SELECT.replace(' JOIN ', ' LEFT JOIN ')

/**
 * `blocked`: why a current version not held here is not used; `waiting`: why the current
 * version is not used yet and `usedVersion` the one used meanwhile (the caller knows them).
 */
export function toScheme(row: SchemeRow, held: { blocked?: string; waiting?: string; usedVersion?: number | null } = {}): Scheme {
  const f = decodeFields(COMMISSION_SCHEMES, row)
  return {
    id: row.id,
    name: f.name,
    active: row.active === 1,
    version: f.currentVersion,
    rules: row.rules === null ? null : SchemeRules.parse(JSON.parse(row.rules)),
    updatedAt: row.updated_at,
    usedVersion: row.rules === null ? null : held.waiting === undefined ? f.currentVersion : (held.usedVersion ?? null),
    blocked: row.rules === null ? (held.blocked ?? null) : null,
    waiting: row.rules === null ? null : (held.waiting ?? null),
  }
}

/** A version as the scheme's history shows it: when the manager saved it (migration 0028 filled it for older versions). */
export function toSchemeVersion(row: SchemeVersionRow): z.infer<typeof SchemeVersion> {
  const f = decodeFields(COMMISSION_SCHEME_VERSIONS, row)
  return {
    schemeId: f.schemeId,
    version: f.version,
    name: f.name,
    rules: SchemeRules.parse(f.rules),
    note: f.note,
    createdAt: f.savedAt ?? row.created_at,
    createdBy: f.createdBy,
  }
}

/**
 * The commission ledger's entries. Their fields are the entry as it travels to the team's
 * server (LedgerEntryWire); where it is booked, its status and its outbox mark are this
 * workstation's.
 */
export const LEDGER_ENTRIES = defineTable(
  'ledger_entries',
  {
    id: text(),
    member_code: text(),
    kind: text<LedgerEntryWire['kind']>(),
    amount_fen: int(),
    source_type: text<LedgerEntryWire['sourceType']>(),
    source_key: text(),
    reverses_id: nullableText(),
    scheme_id: nullableText(),
    scheme_version: nullableInt(),
    base_fen: nullableInt(),
    rate_bp: nullableInt(),
    period: text(),
    booked_period: text(),
    occurred_at: text(),
    memo: text(),
    device_id: text(),
    origin: text<'local' | 'remote'>(),
    order_id: nullableText(),
    status: text<LedgerStatus>(),
    status_seq: int(),
    status_note: nullableText(),
    pending_sync: bool(),
    created_at: text(),
  },
  {
    id: 'id',
    memberCode: 'member_code',
    kind: 'kind',
    amountFen: 'amount_fen',
    sourceType: 'source_type',
    sourceKey: 'source_key',
    reversesId: 'reverses_id',
    schemeId: 'scheme_id',
    schemeVersion: 'scheme_version',
    period: 'period',
    occurredAt: 'occurred_at',
    memo: 'memo',
    deviceId: 'device_id',
  },
)

export type LedgerEntryRow = RowOf<typeof LEDGER_ENTRIES>

/** The columns an entry is sent from. */
export const LEDGER_ENTRY_WIRE_COLUMNS = Object.values(LEDGER_ENTRIES.fields).join(', ')

/** An entry as LEDGER_ENTRY_WIRE_COLUMNS reads it. */
export type LedgerEntryWireRow = Pick<LedgerEntryRow, (typeof LEDGER_ENTRIES.fields)[keyof typeof LEDGER_ENTRIES.fields]>

export const toLedgerEntryWire = (row: LedgerEntryWireRow): LedgerEntryWire => decodeFields(LEDGER_ENTRIES, row)

/** An entry as the ledger's lists read it (LEDGER_ENTRY_FROM): the row, its member and its order's number. */
export type LedgerEntryListRow = LedgerEntryRow & { member_id: string | null; member_name: string | null; order_no: string | null }

/** The columns of a LedgerEntryListRow over LEDGER_ENTRY_FROM. */
export const LEDGER_ENTRY_COLUMNS = `${columnList(LEDGER_ENTRIES, 'e')}, m.id AS member_id, m.name AS member_name, o.order_no AS order_no`
export const LEDGER_ENTRY_FROM = 'ledger_entries e LEFT JOIN members m ON m.invite_code = e.member_code LEFT JOIN orders o ON o.id = e.order_id'

/** An entry as the ledger's screens show it: synced once the team's server has it (never its device). */
export function toLedgerEntry(row: LedgerEntryListRow): LedgerEntry {
  const f = decodeFields(LEDGER_ENTRIES, row)
  return {
    id: f.id,
    memberId: row.member_id,
    memberCode: f.memberCode,
    memberName: row.member_name,
    kind: f.kind,
    amountFen: f.amountFen,
    sourceType: f.sourceType,
    sourceKey: f.sourceKey,
    reversesId: f.reversesId,
    schemeId: f.schemeId,
    schemeVersion: f.schemeVersion,
    baseFen: row.base_fen,
    rateBp: row.rate_bp,
    period: f.period,
    occurredAt: f.occurredAt,
    memo: f.memo,
    status: row.status,
    origin: row.origin,
    orderId: row.order_id,
    orderNo: row.order_no,
    synced: row.pending_sync === 0,
    createdAt: row.created_at,
    bookedPeriod: row.booked_period,
  }
}

/** A member's request to be paid out, here or from another workstation (`origin`). */
export const WITHDRAWALS = defineTable(
  'withdrawals',
  {
    id: text(),
    member_code: text(),
    amount_fen: int(),
    account_id: nullableText(),
    origin: text<Withdrawal['origin']>(),
    requested_at: text(),
    requested_by: text(),
    note: text(),
    status: text<Withdrawal['status']>(),
    decided_at: nullableText(),
    decided_by: nullableText(),
    reason: nullableText(),
    batch_id: nullableText(),
    line_no: nullableInt(),
    settled_at: nullableText(),
  },
  {
    memberCode: 'member_code',
    amountFen: 'amount_fen',
    origin: 'origin',
    requestedAt: 'requested_at',
    requestedBy: 'requested_by',
    note: 'note',
    status: 'status',
    decidedAt: 'decided_at',
    decidedBy: 'decided_by',
    reason: 'reason',
    batchId: 'batch_id',
    lineNo: 'line_no',
    settledAt: 'settled_at',
  },
)

export type WithdrawalTableRow = RowOf<typeof WITHDRAWALS>
/** A request as the lists read it (WITHDRAWAL_FROM): the row, its member, its payout account (masked) and its batch's number. */
export type WithdrawalRow = WithdrawalTableRow & {
  member_id: string | null
  member_name: string | null
  account_kind: NonNullable<Withdrawal['account']>['kind'] | null
  account_holder: string | null
  account_bank: string | null
  account_last4: string | null
  batch_no: string | null
}

/** The columns of a WithdrawalRow over WITHDRAWAL_FROM. */
export const WITHDRAWAL_COLUMNS = `${columnList(WITHDRAWALS, 'w')}, m.id AS member_id, m.name AS member_name,
  a.kind AS account_kind, a.holder AS account_holder, a.bank AS account_bank, a.last4 AS account_last4, b.batch_no AS batch_no`
export const WITHDRAWAL_FROM = `withdrawals w LEFT JOIN members m ON m.invite_code = w.member_code LEFT JOIN payout_accounts a ON a.id = w.account_id
  LEFT JOIN payout_batches b ON b.id = w.batch_id`

/** A request with its account masked: the full number appears only in the payout file. */
export function toWithdrawal(row: WithdrawalRow): Withdrawal {
  return {
    id: row.id,
    memberId: row.member_id,
    memberName: row.member_name,
    ...decodeFields(WITHDRAWALS, row),
    batchNo: row.batch_no,
    account:
      row.account_id && row.account_kind
        ? { id: row.account_id, kind: row.account_kind, holder: row.account_holder ?? '', bank: row.account_bank, masked: `**** ${row.account_last4 ?? ''}` }
        : null,
  }
}

/** This workstation's id (core/workstation.ts), one row made once: every entry, audit record and change it makes carries it. */
export const LEDGER_DEVICE = defineTable('ledger_device', { id: int<1>(), device_id: text() }, { deviceId: 'device_id' })

/** A membership fee a member paid (posted to the ledger as a `membership_fee` entry). */
export const MEMBERSHIP_FEES = defineTable(
  'membership_fees',
  {
    id: text(),
    member_id: text(),
    amount_fen: int(),
    paid_on: text(),
    note: text(),
    created_at: text(),
  },
  {
    memberId: 'member_id',
    amountFen: 'amount_fen',
    paidOn: 'paid_on',
    note: 'note',
    createdAt: 'created_at',
  },
)

/** A group buy (拼团): its orders are posted once it succeeds, refunded in full when it fails. */
export const GROUP_BUYS = defineTable(
  'group_buys',
  {
    id: text(),
    name: text(),
    status: text<z.infer<typeof GroupBuy>['status']>(),
    min_participants: int(),
    closes_at: text(),
    decided_at: nullableText(),
    created_at: text(),
  },
  {
    name: 'name',
    status: 'status',
    minParticipants: 'min_participants',
    closesAt: 'closes_at',
    decidedAt: 'decided_at',
  },
)

/** The orders of a group buy: an order is in one group buy at most. */
export const GROUP_BUY_ORDERS = defineTable('group_buy_orders', { group_buy_id: text(), order_id: text() }, { groupBuyId: 'group_buy_id', orderId: 'order_id' })

/** What each order looked like when it was last posted here (its status, refund, member and time): an order unchanged has nothing new to post. */
export const LEDGER_POSTED_ORDERS = defineTable('ledger_posted_orders', { order_id: text(), state: text() }, { orderId: 'order_id', state: 'state' })

/** A member's payout account: its number sealed with the workstation's data key (`secret`), only its last four digits readable. */
export const PAYOUT_ACCOUNTS = defineTable(
  'payout_accounts',
  {
    id: text(),
    member_id: text(),
    kind: text<z.infer<typeof PayoutAccount>['kind']>(),
    holder: text(),
    bank: nullableText(),
    secret: blob(),
    last4: text(),
    created_at: text(),
    updated_at: text(),
  },
  { id: 'id', memberId: 'member_id', kind: 'kind', holder: 'holder', bank: 'bank', updatedAt: 'updated_at' },
)
export type PayoutAccountRow = RowOf<typeof PAYOUT_ACCOUNTS>
