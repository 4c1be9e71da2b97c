import { createHash } from 'node:crypto'
import type { CareChannel } from '../../../src-shared/contracts/lifecycle'
import type { FollowUpChannel } from '../../../src-shared/schemas'
import type { Db } from '../db/connection'
import { CARE_TASKS, type CareTaskTableRow } from '../db/tables/lifecycle'
import { insertRowIfNew } from '../db/tables/table'
import { addDays, dayIn, instantOf } from '../../../src-shared/time'

/**
 * A customer's next follow-up as care: the day a follow-up record names is a task in the
 * care calendar for the member who owns the customer; when that day has passed with the
 * task still open, the hourly planning round adds the same follow-up to the member's
 * mentor (师父) and to a manager — escalation is two more tasks in the same calendar, seen
 * where each of them reads their tasks, closed with the follow-up itself.
 *
 * Ids are derived from the record (and, for an escalation, whom it goes to), as the
 * planner's are: a round run twice, or on another workstation, makes each task once.
 */

export const FOLLOW_UP_PLAN = { id: 'follow-up', name: '客户跟进 / Customer follow-up' } as const
/** Follow-ups fall due when the working day has started, like a plan's later steps. */
const WORKDAY_START = '10:00'

const CARE_CHANNEL: Record<FollowUpChannel, CareChannel> = { wechat: 'private', call: 'call', in_person: 'offline', group: 'group', other: 'private' }

export function followUpTaskId(followUpId: string, step: 'due' | 'mentor' | 'manager'): string {
  return createHash('sha1').update(`${FOLLOW_UP_PLAN.id}|${step}|${followUpId}`).digest('base64url')
}

/** What sets one follow-up task apart from another; the rest is the same for all of them. */
type FollowUpTask = Pick<
  CareTaskTableRow,
  'id' | 'step_id' | 'trigger' | 'occurrence_at' | 'customer_id' | 'follow_up_id' | 'owner_kind' | 'owner_id' | 'owner_name' | 'channel' | 'title' | 'script' | 'due_at' | 'due_day' | 'created_at'
>

/** Writes a follow-up's task, light and open, unless a round already made it; 1 when it was written. */
function insertFollowUpTask(db: Db, task: FollowUpTask): number {
  return insertRowIfNew(db, CARE_TASKS, {
    ...task,
    plan_id: FOLLOW_UP_PLAN.id,
    plan_name: FOLLOW_UP_PLAN.name,
    member_id: null,
    group_id: null,
    purpose: 'light',
    status: 'open',
    note: '',
    done_at: null,
    done_by: null,
  })
}

/** A staff profile of `role` for a subject: the same one every time (each customer keeps "their" operator or manager). */
function profileFor(db: Db, role: 'operator' | 'manager', subject: string): { id: string; name: string } | null {
  const profiles = db.prepare('SELECT id, name FROM profiles WHERE role = ? ORDER BY created_at, id').all(role) as { id: string; name: string }[]
  if (!profiles.length) return null
  let h = 0x811c9dc5
  for (let i = 0; i < subject.length; i++) h = Math.imul(h ^ subject.charCodeAt(i), 0x01000193) >>> 0
  return profiles[h % profiles.length]
}

export interface FollowUpFacts {
  id: string
  customerId: string
  customerName: string
  ownerMemberId: string | null
  channel: FollowUpChannel
  summary: string
  followedAt: string
  nextDay: string
}

/** The owning member's task for a record's next day (an operator's when the customer has no owning member, or that member left). */
export function planFollowUpTask(db: Db, timezone: string, now: Date, f: FollowUpFacts): void {
  const owner = f.ownerMemberId
    ? (db.prepare("SELECT id, name FROM members WHERE id = ? AND status <> 'left'").get(f.ownerMemberId) as { id: string; name: string } | undefined)
    : undefined
  const staff = owner ? null : profileFor(db, 'operator', f.customerId)
  insertFollowUpTask(db, {
    id: followUpTaskId(f.id, 'due'),
    step_id: 'due',
    trigger: 'follow_up',
    occurrence_at: f.followedAt,
    customer_id: f.customerId,
    follow_up_id: f.id,
    owner_kind: owner ? 'member' : 'operator',
    owner_id: owner?.id ?? staff?.id ?? null,
    owner_name: owner?.name ?? staff?.name ?? null,
    channel: CARE_CHANNEL[f.channel],
    title: `跟进客户 ${f.customerName} / Follow up ${f.customerName}`,
    script: f.summary,
    due_at: new Date(instantOf(timezone, f.nextDay, WORKDAY_START)).toISOString(),
    due_day: f.nextDay,
    created_at: now.toISOString(),
  })
}

/**
 * Closes a customer's open follow-up tasks and their escalations: a new record is the
 * follow-up they asked for. Returns how many it closed.
 */
export function closeFollowUpTasks(db: Db, customerId: string, by: string, now: Date): number {
  return db
    .prepare(
      `UPDATE care_tasks SET status = 'done', note = '已跟进 / followed up', done_at = ?, done_by = ?
        WHERE customer_id = ? AND status = 'open' AND trigger IN ('follow_up', 'follow_up_overdue')`,
    )
    .run(now.toISOString(), by, customerId).changes
}

/**
 * Escalates every follow-up whose day has passed with its task still open: a task for the
 * owning member's mentor (when the member has one who has not left) and one for a manager
 * profile, due the morning after the missed day. Idempotent. Returns the tasks it created.
 */
export function escalateFollowUps(db: Db, timezone: string, now: Date): number {
  const today = dayIn(timezone, now)
  const missed = db
    .prepare(
      `SELECT t.follow_up_id AS followUpId, t.customer_id AS customerId, c.name AS customerName, t.owner_kind AS ownerKind, t.owner_id AS ownerId,
              t.owner_name AS ownerName, t.channel, t.script, t.due_day AS dueDay, t.occurrence_at AS occurrenceAt,
              mentor.id AS mentorId, mentor.name AS mentorName
         FROM care_tasks t
         JOIN customers c ON c.id = t.customer_id
         LEFT JOIN members m ON t.owner_kind = 'member' AND m.id = t.owner_id
         LEFT JOIN members mentor ON mentor.id = m.mentor_id AND mentor.status <> 'left'
        WHERE t.trigger = 'follow_up' AND t.status = 'open' AND t.due_day < ?`,
    )
    .all(today) as {
    followUpId: string
    customerId: string
    customerName: string
    ownerKind: string
    ownerId: string | null
    ownerName: string | null
    channel: CareChannel
    script: string
    dueDay: string
    occurrenceAt: string
    mentorId: string | null
    mentorName: string | null
  }[]
  if (!missed.length) return 0
  let created = 0
  db.transaction(() => {
    for (const f of missed) {
      const day = addDays(f.dueDay, 1)
      const who = f.ownerName ?? '—'
      const base = {
        trigger: 'follow_up_overdue',
        occurrence_at: f.occurrenceAt,
        customer_id: f.customerId,
        follow_up_id: f.followUpId,
        channel: f.channel,
        title: `${who} 未按期跟进客户 ${f.customerName}（${f.dueDay}）/ ${who} missed the follow-up with ${f.customerName} (${f.dueDay})`,
        script: f.script,
        due_at: new Date(instantOf(timezone, day, WORKDAY_START)).toISOString(),
        due_day: day,
        created_at: now.toISOString(),
      } as const
      if (f.mentorId) {
        created += insertFollowUpTask(db, { ...base, id: followUpTaskId(f.followUpId, 'mentor'), step_id: 'mentor', owner_kind: 'mentor', owner_id: f.mentorId, owner_name: f.mentorName })
      }
      const manager = profileFor(db, 'manager', f.customerId)
      created += insertFollowUpTask(db, { ...base, id: followUpTaskId(f.followUpId, 'manager'), step_id: 'manager', owner_kind: 'manager', owner_id: manager?.id ?? null, owner_name: manager?.name ?? null })
    }
  })()
  return created
}
