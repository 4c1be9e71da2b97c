import { createHash } from 'node:crypto'
import type { LedgerEntryKind, LedgerEntryWire } from '../../../src-shared/ledgerWire'
import { workstationId } from '../workstation'
import type { Db } from '../db/connection'

/**
 * An entry's id derives from what it is — its source (natural key: order number and
 * line, refund level, rule action, fee), who it pays and what kind of money it is —
 * so posting the same source again, on this workstation or another one of the team,
 * yields the same id, which both SQLite and the server store once.
 */
export function entryId(sourceType: string, sourceKey: string, memberCode: string, kind: LedgerEntryKind): string {
  const h = createHash('sha256').update(`orchard-ledger\u0000${sourceType}\u0000${sourceKey}\u0000${memberCode.toUpperCase()}\u0000${kind}`).digest('hex')
  // RFC 9562 version 8 (custom) with the variant bits set, so it reads as any other UUID.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/**
 * The one rounding rule of the ledger: commission on `baseFen` at `bp` basis points,
 * rounded half-up to the fen (half away from zero for negative bases), per entry.
 */
export function commissionFen(baseFen: number, bp: number): number {
  if (baseFen < 0) return -commissionFen(-baseFen, bp)
  const product = baseFen * bp
  // Past 2^53 a double no longer holds every integer: the same rule in BigInt.
  if (product > Number.MAX_SAFE_INTEGER) return Number((BigInt(baseFen) * BigInt(bp) + 5000n) / 10000n)
  return Math.floor((product + 5000) / 10000)
}

export interface NewEntry {
  memberCode: string
  kind: LedgerEntryKind
  amountFen: number
  sourceType: LedgerEntryWire['sourceType']
  sourceKey: string
  reversesId: string | null
  schemeId: string | null
  schemeVersion: number | null
  baseFen: number | null
  rateBp: number | null
  period: string
  occurredAt: string
  memo: string
  orderId: string | null
}

/** The month after a YYYY-MM period. */
export function nextPeriod(period: string): string {
  const [y, m] = period.split('-').map(Number)
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`
}

/** The last month a manager closed, or null while every month is open. */
export function closedThrough(db: Db): string | null {
  return (db.prepare('SELECT MAX(period) FROM ledger_closes').pluck().get() as string | null) ?? null
}

/**
 * Where an entry of a period counts on this studio's statements: its own month while
 * that month is open, else the first open month (closes run in order, so that is the
 * month after the last one closed). Read once per run: a close and a posting never
 * interleave (writes are serial).
 */
export function bookedPeriodOf(db: Db): (period: string) => string {
  const closed = closedThrough(db)
  if (!closed) return (period) => period
  const firstOpen = nextPeriod(closed)
  return (period) => (period <= closed ? firstOpen : period)
}

/**
 * Writes local entries, each marked for the outbox in its own row (pending_sync),
 * so an entry and its place in the outbox commit together or not at all, and booked
 * into the first open month when its own month is closed. Run it inside the caller's
 * transaction.
 * Returns the entries that were new (an id already present is skipped).
 */
export function entryWriter(db: Db, deviceId: string, now: string) {
  const insert = db.prepare(
    `INSERT OR IGNORE INTO ledger_entries (id, member_code, kind, amount_fen, source_type, source_key, reverses_id, scheme_id, scheme_version,
       base_fen, rate_bp, period, booked_period, occurred_at, memo, device_id, origin, order_id, pending_sync, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'local', ?, 1, ?)`,
  )
  const booked = bookedPeriodOf(db)
  return (e: NewEntry): string | null => {
    const id = entryId(e.sourceType, e.sourceKey, e.memberCode, e.kind)
    const r = insert.run(
      id,
      e.memberCode,
      e.kind,
      e.amountFen,
      e.sourceType,
      e.sourceKey,
      e.reversesId,
      e.schemeId,
      e.schemeVersion,
      e.baseFen,
      e.rateBp,
      e.period,
      booked(e.period),
      e.occurredAt,
      e.memo,
      deviceId,
      e.orderId,
      now,
    )
    return r.changes === 0 ? null : id
  }
}

/** This workstation's id, generated once and written on every entry it posts. */
export function deviceId(db: Db): string {
  return workstationId(db)
}

/**
 * Period (YYYY-MM) of instants in the studio's time zone. Posting a million lines
 * asks for a few thousand distinct quarter hours (the finest step any zone's offset
 * takes), so answers are kept per quarter hour.
 */
export function periodOf(timezone: string): (iso: string) => string {
  const format = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit' })
  const byQuarter = new Map<number, string>()
  return (iso) => {
    const ms = Date.parse(iso)
    const quarter = Math.floor(ms / 900_000)
    let p = byQuarter.get(quarter)
    if (p === undefined) {
      const parts = format.formatToParts(new Date(ms))
      p = `${parts.find((x) => x.type === 'year')!.value}-${parts.find((x) => x.type === 'month')!.value}`
      byQuarter.set(quarter, p)
    }
    return p
  }
}
