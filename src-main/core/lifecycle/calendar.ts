import type { z } from 'zod'
import type { CalendarQuery, CareCalendar, CareTask } from '../../../src-shared/contracts/lifecycle'
import { OrchardError } from '../../../src-shared/errors'
import type { Db } from '../db/connection'
import { CARE_TASK_COLUMNS, CARE_TASK_FROM, toCareTask, type CareTaskRow } from '../db/tables/lifecycle'
import { addDays, StudioTime } from './studioTime'

/** Open tasks older than this are missed, not overdue: the calendar stops carrying them. */
export const OVERDUE_DAYS = 14
const MAX_OWNERS = 100

/**
 * The moment before which an open task counts as overdue when looking at `date`: now for
 * today, the end of a past day, the start of a future day (only earlier days' tasks).
 */
function overdueMoment(time: StudioTime, date: string, now: Date): string {
  const today = time.dayOf(now.getTime())
  if (date === today) return now.toISOString()
  return new Date(date < today ? time.startOf(addDays(date, 1)) : time.startOf(date)).toISOString()
}

export function careCalendar(db: Db, timezone: string, now: Date, q: z.output<typeof CalendarQuery>): CareCalendar {
  const time = new StudioTime(timezone, now)
  const date = q.date ?? time.dayOf(now.getTime())
  const overdueBefore = overdueMoment(time, date, now)
  const filters: string[] = []
  const params: Record<string, unknown> = { date, overdueBefore }
  if (q.status?.length) {
    filters.push(`t.status IN (${q.status.map((_, i) => `@s${i}`).join(',')})`)
    q.status.forEach((s, i) => (params[`s${i}`] = s))
  }
  if (q.memberId) {
    filters.push('t.member_id = @memberId')
    params.memberId = q.memberId
  }
  if (q.ownerKind) {
    filters.push('t.owner_kind = @ownerKind')
    params.ownerKind = q.ownerKind
  }
  const and = filters.map((f) => ` AND ${f}`).join('')
  const mine = q.ownerId ? ' AND t.owner_id = @ownerId' : ''
  if (q.ownerId) params.ownerId = q.ownerId
  // Two parts, each answered by its own index: the day's tasks (by due day and time), and
  // earlier days' tasks still open (the partial index on open tasks).
  const dayPart = `t.due_day = @date${and}`
  const earlierPart = `t.status = 'open' AND t.due_day < @date AND t.due_day >= @overdueFrom${and}`
  params.overdueFrom = addDays(date, -OVERDUE_DAYS)

  const dayAggregate = `SELECT t.owner_kind AS ownerKind, t.owner_id AS ownerId, MAX(t.owner_name) AS ownerName, COUNT(*) AS total,
            SUM(t.status = 'open') AS open, SUM(t.status = 'done') AS done, SUM(t.status = 'skipped') AS skipped,
            SUM(t.status = 'open' AND t.due_at < @overdueBefore) AS overdue
       FROM care_tasks t WHERE ${dayPart} GROUP BY t.owner_kind, t.owner_id`
  // Earlier days' tasks in the list are open and overdue by definition: only counted.
  const earlierAggregate = `SELECT t.owner_kind AS ownerKind, t.owner_id AS ownerId, MAX(t.owner_name) AS ownerName, COUNT(*) AS total,
            COUNT(*) AS open, 0 AS done, 0 AS skipped, COUNT(*) AS overdue
       FROM care_tasks t WHERE ${earlierPart} GROUP BY t.owner_kind, t.owner_id`
  const merged = new Map<string, CareCalendar['owners'][number]>()
  const parts = q.includeOverdue ? [dayAggregate, earlierAggregate] : [dayAggregate]
  let earlierCount = 0
  for (const part of parts) {
    for (const o of db.prepare(part).all(params) as CareCalendar['owners']) {
      if (part === earlierAggregate && (!q.ownerId || o.ownerId === q.ownerId)) earlierCount += o.total
      const key = `${o.ownerKind}|${o.ownerId ?? ''}`
      const m = merged.get(key)
      if (!m) merged.set(key, { ...o })
      else {
        m.total += o.total
        m.open += o.open
        m.done += o.done
        m.skipped += o.skipped
        m.overdue += o.overdue
        m.ownerName = m.ownerName ?? o.ownerName
      }
    }
  }
  const kindOrder = { manager: 0, operator: 1, trainer: 2, mentor: 3, member: 4 } as const
  const all = [...merged.values()].sort((a, b) => kindOrder[a.ownerKind] - kindOrder[b.ownerKind] || b.overdue - a.overdue || b.open - a.open || b.total - a.total)
  const counted = q.ownerId ? all.filter((o) => o.ownerId === q.ownerId) : all
  const owners = all.slice(0, MAX_OWNERS)
  if (q.ownerId && !owners.some((o) => o.ownerId === q.ownerId)) owners.push(...counted)
  const counts = { total: 0, open: 0, done: 0, skipped: 0, overdue: 0 }
  for (const o of counted) {
    counts.total += o.total
    counts.open += o.open
    counts.done += o.done
    counts.skipped += o.skipped
    counts.overdue += o.overdue
  }

  // Earlier days' open tasks first (oldest first), then the day's by due time (its overdue ones come first by nature).
  // Ties keep the index's order (the order tasks were planned in): sorting thousands of tasks
  // noticed at the same moment by id would cost more than the rest of the query.
  const rows: CareTaskRow[] = []
  if (q.offset < earlierCount) {
    rows.push(
      ...(db
        .prepare(`SELECT ${CARE_TASK_COLUMNS} FROM ${CARE_TASK_FROM} WHERE ${earlierPart}${mine} ORDER BY t.due_day LIMIT @limit OFFSET @offset`)
        .all({ ...params, limit: q.limit, offset: q.offset }) as CareTaskRow[]),
    )
  }
  if (rows.length < q.limit) {
    rows.push(
      ...(db
        .prepare(`SELECT ${CARE_TASK_COLUMNS} FROM ${CARE_TASK_FROM} WHERE ${dayPart}${mine} ORDER BY t.due_at LIMIT @limit OFFSET @offset`)
        .all({ ...params, limit: q.limit - rows.length, offset: Math.max(0, q.offset - earlierCount) }) as CareTaskRow[]),
    )
  }
  return { date, rows: rows.map((r) => toCareTask(r, overdueBefore)), total: counts.total, counts, owners, ownerCount: all.length }
}

export function getTask(db: Db, id: string, now: Date): CareTask {
  const row = db.prepare(`SELECT ${CARE_TASK_COLUMNS} FROM ${CARE_TASK_FROM} WHERE t.id = ?`).get(id) as CareTaskRow | undefined
  if (!row) throw new OrchardError('not_found', `关怀任务不存在 / care task not found: ${id}`, { id })
  return toCareTask(row, now.toISOString())
}

export function completeTasks(db: Db, ids: string[], status: 'done' | 'skipped', note: string, by: string, now: Date): number {
  const missing = ids.filter((id) => !db.prepare('SELECT 1 FROM care_tasks WHERE id = ?').get(id))
  if (missing.length) throw new OrchardError('not_found', `关怀任务不存在 / care tasks not found: ${missing.join(', ')}`, { ids: missing })
  const update = db.prepare('UPDATE care_tasks SET status = ?, note = ?, done_at = ?, done_by = ? WHERE id = ?')
  return db.transaction(() => ids.reduce((n, id) => n + update.run(status, note, now.toISOString(), by, id).changes, 0))()
}

export function reopenTasks(db: Db, ids: string[]): number {
  const update = db.prepare("UPDATE care_tasks SET status = 'open', note = '', done_at = NULL, done_by = NULL WHERE id = ? AND status <> 'open'")
  return db.transaction(() => ids.reduce((n, id) => n + update.run(id).changes, 0))()
}
