import type { LedgerEntry, Statement, StatusTotals, Summary } from '../../../src-shared/contracts/ledger'
import { OrchardError } from '../../../src-shared/errors'
import type { Db } from '../db/connection'
import { LEDGER_ENTRY_COLUMNS, LEDGER_ENTRY_FROM, toLedgerEntry, type LedgerEntryListRow } from '../db/tables/ledger'
import { closedThrough } from './entries'

/**
 * Money by status. `earned` is everything but rejected entries, membership fees (paid
 * in by members, never commission) and withdrawals (money going out, not earned);
 * `owed` is earned and not paid. Callers leave fees and withdrawals out of the rows.
 */
const TOTALS = `COUNT(*) AS entries,
  COALESCE(SUM(CASE WHEN e.status <> 'rejected' THEN e.amount_fen END), 0) AS earnedFen,
  COALESCE(SUM(CASE WHEN e.status = 'pending' THEN e.amount_fen END), 0) AS pendingFen,
  COALESCE(SUM(CASE WHEN e.status = 'approved' THEN e.amount_fen END), 0) AS approvedFen,
  COALESCE(SUM(CASE WHEN e.status = 'paid' THEN e.amount_fen END), 0) AS paidFen,
  COALESCE(SUM(CASE WHEN e.status = 'rejected' THEN e.amount_fen END), 0) AS rejectedFen,
  COALESCE(SUM(CASE WHEN e.status IN ('pending', 'approved') THEN e.amount_fen END), 0) AS owedFen`

/** Earnings only: fees and withdrawals are other money. */
const EARNINGS = `e.kind <> 'membership_fee' AND e.kind <> 'withdrawal'`

/** The team's payables for a month (as booked here: a closed month's late entries count in the month they were booked into). */
export function summary(db: Db, period: string | undefined): Summary {
  const where = period ? `e.booked_period = ? AND ${EARNINGS}` : EARNINGS
  const args = period ? [period] : []
  const totals = db.prepare(`SELECT ${TOTALS} FROM ledger_entries e WHERE ${where}`).get(...args) as StatusTotals
  const members = db
    .prepare(
      `SELECT m.id AS memberId, t.code AS memberCode, m.name AS memberName, m.level, t.* FROM (
         SELECT e.member_code AS code, ${TOTALS} FROM ledger_entries e WHERE ${where} GROUP BY e.member_code COLLATE NOCASE
       ) t LEFT JOIN members m ON m.invite_code = t.code
       ORDER BY t.owedFen DESC, t.code`,
    )
    .all(...args) as (StatusTotals & { memberId: string | null; memberCode: string; memberName: string | null; level: number | null; code?: string })[]
  const fees = db
    .prepare(`SELECT COALESCE(SUM(amount_fen), 0) AS n FROM ledger_entries e WHERE e.kind = 'membership_fee' AND e.status <> 'rejected'${period ? ' AND e.booked_period = ?' : ''}`)
    .get(...args) as { n: number }
  return {
    period: period ?? null,
    totals,
    feesFen: fees.n,
    members: members.map(({ code: _code, ...m }) => m),
  }
}

function memberById(db: Db, id: string) {
  const m = db.prepare('SELECT id, invite_code AS code, name, level FROM members WHERE id = ? OR invite_code = ?').get(id, id) as
    | { id: string; code: string; name: string; level: number }
    | undefined
  if (!m) throw new OrchardError('not_found', `没有这位会员 / no such member: ${id}`, { field: 'memberId', value: id })
  return m
}

/**
 * A member's statement for a month: the balance it opens with, the month's own entries,
 * the adjustments booked into it for months closed before they arrived, and where it
 * closes. Withdrawals are entries (they lower the balance); the totals count earnings.
 */
export function statement(db: Db, memberIdOrCode: string, period: string): Statement {
  const m = memberById(db, memberIdOrCode)
  const opening = db
    .prepare(`SELECT COALESCE(SUM(amount_fen), 0) AS n FROM ledger_entries WHERE member_code = ? AND booked_period < ? AND status <> 'rejected' AND kind <> 'membership_fee'`)
    .get(m.code, period) as { n: number }
  const booked = (
    db
      .prepare(`SELECT ${LEDGER_ENTRY_COLUMNS} FROM ${LEDGER_ENTRY_FROM} WHERE e.member_code = ? AND e.booked_period = ? AND e.kind <> 'membership_fee' ORDER BY e.occurred_at, e.rowid`)
      .all(m.code, period) as LedgerEntryListRow[]
  ).map(toLedgerEntry)
  const entries = booked.filter((e) => e.period >= period)
  const adjustments = booked.filter((e) => e.period < period)
  const sum = (list: LedgerEntry[]) => list.reduce((n, e) => n + (e.status === 'rejected' ? 0 : e.amountFen), 0)
  const totals = db
    .prepare(`SELECT ${TOTALS} FROM ledger_entries e WHERE e.member_code = ? AND e.booked_period = ? AND ${EARNINGS}`)
    .get(m.code, period) as StatusTotals
  const fees = db
    .prepare(`SELECT COALESCE(SUM(amount_fen), 0) AS n FROM ledger_entries WHERE member_code = ? AND booked_period = ? AND kind = 'membership_fee' AND status <> 'rejected'`)
    .get(m.code, period) as { n: number }
  const through = closedThrough(db)
  const closed = through !== null && period <= through
  return {
    member: { id: m.id, code: m.code, name: m.name, level: m.level },
    period,
    closed,
    openingFen: opening.n,
    entries,
    adjustments,
    adjustmentsFen: sum(adjustments),
    withdrawnFen: sum(booked.filter((e) => e.kind === 'withdrawal')),
    closingFen: opening.n + sum(booked),
    totals,
    feesFen: fees.n,
  }
}

export function listEntries(
  db: Db,
  q: { memberId?: string; period?: string; status?: string; kind?: string; orderId?: string; earnings?: boolean; offset: number; limit: number },
): { rows: LedgerEntry[]; total: number } {
  const where: string[] = q.earnings ? [EARNINGS] : []
  const args: unknown[] = []
  if (q.memberId) {
    where.push('e.member_code = ?')
    args.push(memberById(db, q.memberId).code)
  }
  const filters: [string, unknown][] = [
    ['e.booked_period = ?', q.period],
    ['e.status = ?', q.status],
    ['e.kind = ?', q.kind],
    ['e.order_id = ?', q.orderId],
  ]
  for (const [sql, value] of filters) {
    if (value === undefined) continue
    where.push(sql)
    args.push(value)
  }
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : ''
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM ledger_entries e ${clause}`).get(...args) as { n: number }).n
  const rows = (db.prepare(`SELECT ${LEDGER_ENTRY_COLUMNS} FROM ${LEDGER_ENTRY_FROM} ${clause} ORDER BY e.occurred_at DESC, e.rowid DESC LIMIT ? OFFSET ?`).all(...args, q.limit, q.offset) as LedgerEntryListRow[]).map(toLedgerEntry)
  return { rows, total }
}

/** One entry, what reverses it, and the order (with its lines) it came from. */
export function entryDetail(db: Db, id: string) {
  const row = db.prepare(`SELECT ${LEDGER_ENTRY_COLUMNS} FROM ${LEDGER_ENTRY_FROM} WHERE e.id = ?`).get(id) as LedgerEntryListRow | undefined
  if (!row) throw new OrchardError('not_found', `没有这条账目 / no such ledger entry: ${id}`, { field: 'id', value: id })
  const reversals = (db.prepare(`SELECT ${LEDGER_ENTRY_COLUMNS} FROM ${LEDGER_ENTRY_FROM} WHERE e.reverses_id = ? ORDER BY e.rowid`).all(id) as LedgerEntryListRow[]).map(toLedgerEntry)
  let order = null
  if (row.order_id) {
    const o = db.prepare('SELECT id, order_no AS orderNo, status, placed_at AS placedAt, total_fen AS totalFen, refunded_fen AS refundedFen FROM orders WHERE id = ?').get(row.order_id) as
      | { id: string; orderNo: string; status: string; placedAt: string; totalFen: number; refundedFen: number }
      | undefined
    if (o) {
      const lines = db
        .prepare('SELECT line_no AS lineNo, sku, name, quantity, amount_fen AS amountFen FROM order_lines WHERE order_id = ? ORDER BY line_no')
        .all(o.id) as { lineNo: number; sku: string; name: string; quantity: number; amountFen: number }[]
      order = { ...o, lines }
    }
  }
  return { entry: toLedgerEntry(row), reversals, order }
}
