import type { ClosePreview, PeriodClose, PostResult } from '../../../src-shared/contracts/ledger'
import { OrchardError } from '../../../src-shared/errors'
import type { CoreContext } from '../context'
import type { Db } from '../db/connection'
import { LEDGER_CLOSES, PERIOD_CLOSE_COLUMNS, toPeriodClose, type PeriodCloseRow } from '../db/tables/ledger'
import { insertRow } from '../db/tables/table'
import { actorOf, appendAudit } from '../audit/audit'
import { closedThrough, nextPeriod } from './entries'
import { postLedger } from './posting'

/** The studio's current month (YYYY-MM) in its time zone. */
export function currentPeriod(ctx: CoreContext): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: ctx.timezone(), year: 'numeric', month: '2-digit' }).format(ctx.clock.now()).slice(0, 7)
}

export function listCloses(db: Db): PeriodClose[] {
  return (db.prepare(`SELECT ${PERIOD_CLOSE_COLUMNS} FROM ledger_closes ORDER BY period DESC`).all() as PeriodCloseRow[]).map(toPeriodClose)
}

/** What the months a close locks hold, per month: entries and what they earn (rejected entries, fees and withdrawals left out of earned). */
function monthFigures(db: Db, from: string | null, through: string) {
  return db
    .prepare(
      `SELECT booked_period AS period, COUNT(*) AS entries,
              COALESCE(SUM(CASE WHEN status <> 'rejected' AND kind <> 'withdrawal' THEN amount_fen END), 0) AS earnedFen,
              COUNT(DISTINCT member_code) AS members,
              COALESCE(SUM(CASE WHEN period < booked_period THEN 1 END), 0) AS adjustments
         FROM ledger_entries
        WHERE kind <> 'membership_fee' AND booked_period <= ? ${from ? 'AND booked_period >= ?' : ''}
        GROUP BY booked_period ORDER BY booked_period`,
    )
    .all(...(from ? [through, from] : [through])) as { period: string; entries: number; earnedFen: number; members: number; adjustments: number }[]
}

/**
 * What closing `period` would lock, and whether it may be closed: the month is over in
 * the studio's time zone and not closed yet. Closing a month locks every open month up
 * to it (closes run in order, so "the first open month" is always one month).
 */
export function closePreview(ctx: CoreContext, period: string): ClosePreview {
  const db = ctx.db
  const last = closedThrough(db)
  const from = last ? nextPeriod(last) : null
  const months = last && period <= last ? [] : monthFigures(db, from, period)
  const blockers: ClosePreview['blockers'] = []
  const current = currentPeriod(ctx)
  if (last && period <= last) {
    blockers.push({ code: 'already_closed', message: `${period} 已结账（已结至 ${last}）/ ${period} is closed already (closed through ${last})` })
  }
  if (period >= current) {
    blockers.push({ code: 'month_not_over', message: `${period} 还没有结束（今天属于 ${current}）/ ${period} is not over yet (today is in ${current})` })
  }
  const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n
  const unposted = count(
    `SELECT COUNT(*) AS n FROM orders o LEFT JOIN ledger_posted_orders p ON p.order_id = o.id
      WHERE o.member_id IS NOT NULL AND o.status <> 'pending'
        AND (p.state IS NULL OR p.state <> o.status || ':' || o.refunded_fen || ':' || COALESCE(o.member_id, '') || ':' || o.updated_at)`,
  )
  const groupBuyOpen = count(`SELECT COUNT(*) AS n FROM group_buy_orders g JOIN group_buys b ON b.id = g.group_buy_id WHERE b.status = 'open'`)
  // The months with entries, and the month named (closing it is the point even when it is empty).
  const locks = blockers.some((b) => b.code === 'already_closed') ? [] : [...new Set([...months.map((m) => m.period), period])]
  return {
    period,
    lastClosed: last,
    months: locks.map((p) => {
      const m = months.find((x) => x.period === p)
      return { period: p, entries: m?.entries ?? 0, earnedFen: m?.earnedFen ?? 0, members: m?.members ?? 0, adjustments: m?.adjustments ?? 0 }
    }),
    entries: months.reduce((n, m) => n + m.entries, 0),
    earnedFen: months.reduce((n, m) => n + m.earnedFen, 0),
    adjustmentsInto: nextPeriod(period),
    unpostedOrders: unposted,
    groupBuyOpen,
    blockers,
    canClose: blockers.length === 0,
  }
}

/**
 * Closes `period` and every open month before it: posts what is waiting first (so the
 * months hold everything imported), then records each month with what it holds. From
 * then on nothing is booked into them: a late order, a refund or a cancellation that
 * belongs there is posted into the first open month as an adjustment naming its month.
 * A closed month is never reopened (a trigger refuses it).
 */
export function closePeriod(ctx: CoreContext, period: string): { closed: PeriodClose[]; posted: PostResult } {
  const before = closePreview(ctx, period)
  if (!before.canClose) {
    throw new OrchardError('period_not_closable', `不能结账：${before.blockers.map((b) => b.message.split(' / ')[0]).join('；')} / cannot close: ${before.blockers.map((b) => b.message.split(' / ')[1] ?? b.code).join('; ')}`, {
      field: 'period',
      value: period,
      blockers: before.blockers,
    })
  }
  const posted = postLedger(ctx)
  const db = ctx.db
  const now = ctx.clock.now()
  const actor = actorOf(ctx)
  const preview = closePreview(ctx, period)
  db.transaction(() => {
    const perMember = db.prepare(
      `SELECT member_code AS code, COUNT(*) AS entries, COALESCE(SUM(CASE WHEN status <> 'rejected' AND kind <> 'withdrawal' THEN amount_fen END), 0) AS earnedFen
         FROM ledger_entries WHERE booked_period = ? AND kind <> 'membership_fee' GROUP BY member_code COLLATE NOCASE ORDER BY member_code`,
    )
    // Months without entries are closed with the others (the last one closed is the line), not recorded one by one.
    for (const m of preview.months) {
      if (m.entries || m.period === period) {
        insertRow(db, LEDGER_CLOSES, { period: m.period, closed_at: now.toISOString(), closed_by: actor.name, entries: m.entries, earned_fen: m.earnedFen, members: JSON.stringify(perMember.all(m.period)) })
      }
    }
    appendAudit(
      db,
      actor,
      {
        kind: 'ledger.period_closed',
        entity: 'ledger_period',
        entityId: null,
        summary: `结账至 ${period}（${preview.months.map((m) => m.period).join('、')}），此后的调整记入 ${preview.adjustmentsInto} / closed through ${period}`,
        after: { months: preview.months, adjustmentsInto: preview.adjustmentsInto },
      },
      now,
    )
  })()
  return { closed: listCloses(db).filter((c) => preview.months.some((m) => m.period === c.period)), posted }
}
