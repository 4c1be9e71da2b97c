import { z } from 'zod'
import { controlCharacter, controlMessage } from './schemas'

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

/** PostgreSQL's INTEGER, the column scheme versions are kept in. */
const MAX_INT4 = 2_147_483_647

/**
 * An entry the team's server may store, field by field: what the wire shape says (a
 * time is a day of the calendar), and what makes it a real entry — a period that is a
 * month (not 2026-13), text without control characters (PostgreSQL refuses a NUL in
 * text, and one such entry once failed every push behind it), a scheme version the
 * column holds, and a reversal that says what it reverses (and only a reversal).
 * The server checks every pushed entry with it and refuses those that fail, alone.
 */
export const StorableEntry = LedgerEntryWire.superRefine((e, ctx) => {
  // Runs after the shape's own checks, whose issues stand: a field that already failed may be anything here.
  const text = (path: keyof LedgerEntryWire, multiline = false) => {
    const value = e[path]
    const found = typeof value === 'string' ? controlCharacter(value, multiline) : null
    if (found) ctx.addIssue({ code: 'custom', path: [path], message: controlMessage(found) })
  }
  text('memberCode')
  text('sourceKey')
  text('schemeId')
  // A memo is read in statements; a line break there is harmless, a NUL is not.
  text('memo', true)
  text('deviceId')
  if (typeof e.period === 'string' && /^\d{4}-\d{2}$/.test(e.period)) {
    const [year, month] = e.period.split('-').map(Number)
    if (!(month >= 1 && month <= 12 && year >= 2000 && year <= 2099)) {
      ctx.addIssue({ code: 'custom', path: ['period'], message: `会计期间应为 2000–2099 年的某月（YYYY-MM）：${e.period} / the period must be a month, YYYY-MM` })
    }
  }
  if (typeof e.schemeVersion === 'number' && e.schemeVersion > MAX_INT4) {
    ctx.addIssue({ code: 'custom', path: ['schemeVersion'], message: `方案版本过大 / scheme version above ${MAX_INT4}` })
  }
  if (typeof e.kind === 'string' && ((e.kind === 'reversal') !== (e.reversesId != null) || (e.reversesId != null && e.reversesId === e.id))) {
    ctx.addIssue({ code: 'custom', path: ['reversesId'], message: '冲回分录必须指明被冲回的另一条分录，其他分录不能有 / a reversal names the other entry it reverses; no other kind does' })
  }
})
