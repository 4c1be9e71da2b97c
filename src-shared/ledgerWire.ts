import { z } from 'zod'

/**
 * The commission ledger as it travels between a workstation and the team's
 * server. An entry's id derives from its source, beneficiary and kind (see
 * core/ledger), so the same sale posted on two workstations is the same entry
 * and the server stores it once. Amounts are integer fen, signed: a reversal
 * carries the opposite sign of the entry it reverses. Entries are never edited;
 * only their status moves (pending → approved → paid, or rejected), and the
 * server decides it.
 */
/**
 * `withdrawal` moves money out of a member's balance: negative when a member asks to
 * withdraw, positive when the request is turned down or its payout failed.
 */
export const LEDGER_ENTRY_KINDS = ['sale_commission', 'mentor_commission', 'membership_fee', 'penalty', 'bonus', 'reversal', 'withdrawal'] as const
export const LedgerEntryKind = z.enum(LEDGER_ENTRY_KINDS)
export type LedgerEntryKind = z.infer<typeof LedgerEntryKind>

/** Where an entry came from; `key` is natural (order number + line, refund id …), never a workstation's row id. */
export const LEDGER_SOURCE_TYPES = ['order_line', 'refund', 'group_buy', 'membership_fee', 'rule_action', 'correction', 'withdrawal'] as const
export const LedgerSourceType = z.enum(LEDGER_SOURCE_TYPES)

export const LEDGER_STATUSES = ['pending', 'approved', 'paid', 'rejected'] as const
export const LedgerStatus = z.enum(LEDGER_STATUSES)
export type LedgerStatus = z.infer<typeof LedgerStatus>

const Uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'expected a UUID')
const Fen = z.number().int().safe()
const IsoTime = z.iso.datetime({ offset: true })

export const LedgerEntryWire = z.object({
  id: Uuid,
  /** The member who is paid (or charged). Members are identified across workstations by their invite code. */
  memberCode: z.string().min(1).max(40),
  kind: LedgerEntryKind,
  amountFen: Fen,
  sourceType: LedgerSourceType,
  sourceKey: z.string().min(1).max(200),
  /** For a reversal: the entry it reverses. */
  reversesId: Uuid.nullable(),
  schemeId: z.string().max(64).nullable(),
  schemeVersion: z.number().int().nonnegative().nullable(),
  /** The accounting period the entry belongs to, in the studio's time zone. */
  period: z.string().regex(/^\d{4}-\d{2}$/),
  /** When the business event happened (the sale, the refund), as the workstation recorded it. */
  occurredAt: IsoTime,
  /** One line a person can read in a statement. */
  memo: z.string().max(500),
  /** The workstation that first posted it. */
  deviceId: z.string().max(64),
})
export type LedgerEntryWire = z.infer<typeof LedgerEntryWire>

/** A status change the server made; `seq` is the server's own order, the only cursor a workstation uses. */
export const LedgerStatusChange = z.object({
  entryId: Uuid,
  status: LedgerStatus,
  seq: z.number().int().positive(),
  changedAt: IsoTime,
  note: z.string().max(500).nullable(),
})
export type LedgerStatusChange = z.infer<typeof LedgerStatusChange>
