import { createHash } from 'node:crypto'
import type { CarePlan, CareStep, CareTrigger, CareTriggerSettings } from '../../../src-shared/contracts/lifecycle'
import type { Db } from '../db/connection'
import type { GroupTableRow } from '../db/tables/groups'
import { CARE_TASKS, type CareTaskTableRow } from '../db/tables/lifecycle'
import { insertRowIfNew } from '../db/tables/table'
import type { MemberTableRow } from '../db/tables/members'
import { escalateFollowUps } from '../followUps/tasks'
import { readSettings } from '../settings/settings'
import { listPlans } from './plans'
import { triggerSettings } from '../db/lifecycleSettings'
import { addDays, DAY_MS, StudioTime } from './studioTime'

/**
 * Care planning: finds the trigger occurrences in the data and creates the tasks of the
 * plans they start. A task is created only when it falls due inside the planning window
 * (from `lookbackDays` ago to `horizonDays` ahead): missed care is not invented after the
 * fact, and the calendar shows the coming days.
 *
 * Every task carries a key — plan, step, subject and occurrence — that is unique in the
 * table, so planning is idempotent: run it every hour, twice, or after a restart, and
 * each task exists once. Event triggers (a join, a first sale) occur at their moment.
 * State triggers (outside every group, quiet, a cooling group, quiet apprentices) occur
 * when the state began; a state that began before the window is taken up when noticed
 * (its tasks fall due from now), and the same spell never yields a second set of tasks.
 */

export interface Occurrence {
  trigger: CareTrigger
  /** The member cared for (for group_cooling: none). */
  memberId: string | null
  groupId: string | null
  /** When the trigger fired; steps are offset from here. */
  at: number
  /** What makes this occurrence distinct from the next one of the same subject. */
  key: string
}

interface MemberFacts {
  id: string
  name: string
  inviteCode: string
  mentorId: string | null
  status: string
  joinedAt: number
  inGroup: boolean
  firstGroupName: string | null
  firstSaleAt: number | null
  lastSaleAt: number | null
  lastShareAt: number | null
}

interface OwnerProfile {
  id: string
  name: string
}

export interface PlanRun {
  created: number
  occurrences: Record<string, number>
  from: string
  through: string
  durationMs: number
}

/** How long after the day's start an event-less occurrence (a join date without a time) is placed. */
const MORNING = '09:00'
/** Steps on the days after a trigger fall due when the working day has started. */
const WORKDAY_START = '10:00'

function ms(iso: string | null): number | null {
  return iso === null ? null : Date.parse(iso)
}

/** A member's moment of joining: the record's creation time when it was created that day, else 09:00 on the join date. */
export function joinedAtOf(time: StudioTime, joinDate: string, createdAt: string): number {
  const created = Date.parse(createdAt)
  return time.dayOf(created) === joinDate ? created : time.at(joinDate, MORNING)
}

function loadMembers(db: Db, time: StudioTime, asOf: number): MemberFacts[] {
  const asOfIso = new Date(asOf).toISOString()
  const rows = db
    .prepare(
      `SELECT m.id, m.name, m.invite_code, m.mentor_id, m.status, m.join_date, m.created_at,
              (SELECT g.name FROM group_members gm JOIN groups g ON g.id = gm.group_id WHERE gm.member_id = m.id ORDER BY gm.joined_at LIMIT 1) AS first_group_name
         FROM members m`,
    )
    .all() as (Pick<MemberTableRow, 'id' | 'name' | 'invite_code' | 'mentor_id' | 'status' | 'join_date' | 'created_at'> & { first_group_name: GroupTableRow['name'] | null })[]
  const sales = new Map<string, { first: string; last: string }>()
  for (const r of db
    .prepare(
      `SELECT member_id AS id, MIN(placed_at) AS first, MAX(placed_at) AS last FROM orders
        WHERE member_id IS NOT NULL AND status IN ('paid','partially_refunded') AND placed_at <= ?
        GROUP BY member_id`,
    )
    .iterate(asOfIso) as IterableIterator<{ id: string; first: string; last: string }>)
    sales.set(r.id, r)
  // One index seek per member and type (type, member_id, occurred_at): a year of shares is
  // most of the events table, and grouping it would read every one of them.
  const lastOf = db.prepare('SELECT MAX(occurred_at) FROM member_events WHERE type = ? AND member_id = ? AND occurred_at <= ?').pluck()
  const lastShare = (id: string): string | null => {
    const share = lastOf.get('share', id, asOfIso) as string | null
    const showcase = lastOf.get('showcase', id, asOfIso) as string | null
    return share === null ? showcase : showcase === null || share > showcase ? share : showcase
  }
  return rows.map((r) => {
    const s = sales.get(r.id)
    return {
      id: r.id,
      name: r.name,
      inviteCode: r.invite_code,
      mentorId: r.mentor_id,
      status: r.status,
      joinedAt: joinedAtOf(time, r.join_date, r.created_at),
      inGroup: r.first_group_name !== null,
      firstGroupName: r.first_group_name,
      firstSaleAt: s ? ms(s.first) : null,
      lastSaleAt: s ? ms(s.last) : null,
      lastShareAt: ms(lastShare(r.id)),
    }
  })
}

/**
 * When a member's current quiet spell began — no sale for N days, or no share for M days
 * (DOMAIN: care whenever a member's sales or shares drop; either is the first sign of a
 * withering sapling) — or null while active.
 */
export function quietSince(m: Pick<MemberFacts, 'joinedAt' | 'lastSaleAt' | 'lastShareAt'>, s: CareTriggerSettings, asOf: number): number | null {
  const saleQuiet = (m.lastSaleAt ?? m.joinedAt) + s.quietSaleDays * DAY_MS
  const shareQuiet = (m.lastShareAt ?? m.joinedAt) + s.quietShareDays * DAY_MS
  const since = Math.min(saleQuiet, shareQuiet)
  return since <= asOf ? since : null
}

/** Daily temperature scores per group for the days that matter to the cooling trigger. */
function loadScores(db: Db, fromDay: string, toDay: string): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>()
  for (const r of db
    .prepare('SELECT group_id AS g, day, score FROM group_rituals WHERE day >= ? AND day <= ?')
    .iterate(fromDay, toDay) as IterableIterator<{ g: string; day: string; score: number }>) {
    let days = out.get(r.g)
    if (!days) out.set(r.g, (days = new Map()))
    days.set(r.day, r.score)
  }
  return out
}

/** The average score over `n` days ending on `day` (days nothing was logged count as 0). */
export function averageEnding(days: Map<string, number>, day: string, n: number): number {
  let sum = 0
  for (let i = 0; i < n; i++) sum += days.get(addDays(day, -i)) ?? 0
  return sum / n
}

/** Whether a group counts as cooling on `day` (its last complete day of rituals). */
export function coolingOn(days: Map<string, number>, day: string, s: CareTriggerSettings): boolean {
  const n = s.groupAverageDays
  // Nothing logged across both spans: the temperature is unknown, not cold.
  let logged = false
  for (let i = 0; i < 2 * n && !logged; i++) logged = days.has(addDays(day, -i))
  if (!logged) return false
  const current = averageEnding(days, day, n)
  const previous = averageEnding(days, addDays(day, -n), n)
  return previous - current >= s.groupDropPoints || current < s.groupFloorScore
}

const SPELL_LIMIT_DAYS = 60
/**
 * Quiet spells older than this are not planned for: when Orchard is first installed on a
 * team, its long-dormant members would otherwise flood the first day's calendar with
 * "your sales dropped" calls about drops that happened months ago.
 */
export const DORMANT_DAYS = 30

export function findOccurrences(db: Db, time: StudioTime, s: CareTriggerSettings, asOf: number, members: MemberFacts[]): Occurrence[] {
  const out: Occurrence[] = []
  const active = members.filter((m) => m.status === 'active')
  for (const m of members) {
    if (m.status === 'left') continue
    out.push({ trigger: 'member_joined', memberId: m.id, groupId: null, at: m.joinedAt, key: 'joined' })
    if (m.firstSaleAt !== null) out.push({ trigger: 'first_sale', memberId: m.id, groupId: null, at: m.firstSaleAt, key: 'first-sale' })
  }
  for (const m of active) {
    const outsideFrom = m.joinedAt + s.notInGroupMinutes * 60_000
    if (!m.inGroup && outsideFrom <= asOf) out.push({ trigger: 'not_in_group', memberId: m.id, groupId: null, at: outsideFrom, key: 'outside' })
  }
  const quiet = new Map<string, number>()
  for (const m of active) {
    const since = quietSince(m, s, asOf)
    if (since === null) continue
    quiet.set(m.id, since)
    // A drop is news for a month; a member quiet longer than that is dormant, not dropping.
    if (asOf - since <= DORMANT_DAYS * DAY_MS) out.push({ trigger: 'activity_drop', memberId: m.id, groupId: null, at: since, key: `quiet:${time.dayOf(since)}` })
  }
  // A mentor whose apprentices (at least `apprenticesMin` of them, all still active) have all gone quiet.
  const apprentices = new Map<string, string[]>()
  for (const m of active) if (m.mentorId) apprentices.set(m.mentorId, [...(apprentices.get(m.mentorId) ?? []), m.id])
  const activeIds = new Set(active.map((m) => m.id))
  for (const [mentorId, ids] of apprentices) {
    if (!activeIds.has(mentorId) || ids.length < s.apprenticesMin) continue
    let last = -Infinity
    let all = true
    for (const id of ids) {
      const since = quiet.get(id)
      if (since === undefined) {
        all = false
        break
      }
      last = Math.max(last, since)
    }
    if (all && asOf - last <= DORMANT_DAYS * DAY_MS) out.push({ trigger: 'apprentices_quiet', memberId: mentorId, groupId: null, at: last, key: `apprentices:${time.dayOf(last)}` })
  }
  // Groups: judged on their last complete day (today's rituals are still being logged).
  const lastDay = addDays(time.dayOf(asOf), -1)
  const scores = loadScores(db, addDays(lastDay, -(SPELL_LIMIT_DAYS + 2 * s.groupAverageDays)), lastDay)
  for (const [groupId, days] of scores) {
    if (!coolingOn(days, lastDay, s)) continue
    let start = lastDay
    for (let i = 1; i < SPELL_LIMIT_DAYS && coolingOn(days, addDays(lastDay, -i), s); i++) start = addDays(lastDay, -i)
    // Seen the morning after the first cold day.
    out.push({ trigger: 'group_cooling', memberId: null, groupId, at: time.at(addDays(start, 1), MORNING), key: `cooling:${start}` })
  }
  return out
}

/** When a step falls due: on the trigger's day, hours after it; on a later day, at 10:00 (plus hours) studio time. */
export function dueOf(time: StudioTime, triggerAt: number, step: Pick<CareStep, 'offsetDays' | 'offsetHours'>): number {
  if (step.offsetDays === 0) return triggerAt + step.offsetHours * 3_600_000
  return time.at(addDays(time.dayOf(triggerAt), step.offsetDays), WORKDAY_START) + step.offsetHours * 3_600_000
}

/**
 * The task's id: plan, step, subject and occurrence, hashed to a short fixed width. The
 * same task is always the same row — here, after a restart, and on another workstation.
 */
export function taskKey(planId: string, stepId: string, occ: Pick<Occurrence, 'memberId' | 'groupId' | 'key'>): string {
  const subject = occ.memberId ? `m:${occ.memberId}` : `g:${occ.groupId}`
  return createHash('sha1').update(`${planId}|${stepId}|${subject}|${occ.key}`).digest('base64url')
}

/** Stable spread of subjects over the profiles of one role (each member keeps "their" operator). */
function assign(profiles: OwnerProfile[], subject: string): OwnerProfile | null {
  if (profiles.length === 0) return null
  let h = 0x811c9dc5
  for (let i = 0; i < subject.length; i++) h = Math.imul(h ^ subject.charCodeAt(i), 0x01000193) >>> 0
  return profiles[h % profiles.length]
}

export function renderScript(template: string, vars: Record<string, string | null | undefined>): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => {
    const v = vars[name]
    return v === undefined || v === null || v === '' ? (name in vars ? '' : whole) : v
  })
}

/**
 * Plans the care due between `lookbackDays` before and `horizonDays` after `asOf`.
 * Returns what it created; running it again with the same data creates nothing.
 */
export function planCare(db: Db, timezone: string, asOfDate: Date, plans?: CarePlan[]): PlanRun {
  const started = performance.now()
  const asOf = asOfDate.getTime()
  const time = new StudioTime(timezone, asOfDate)
  const s = triggerSettings(db)
  const today = time.dayOf(asOf)
  const from = addDays(today, -s.lookbackDays)
  const through = addDays(today, s.horizonDays)
  const windowStart = time.startOf(from)
  const windowEnd = time.startOf(addDays(through, 1))
  const activePlans = (plans ?? listPlans(db, true)).filter((p) => p.active && p.steps.length > 0)
  const occurrencesByTrigger: Record<string, number> = {}
  // Customers' missed follow-ups go up to the mentor and a manager whatever plans are active.
  const escalated = escalateFollowUps(db, timezone, asOfDate)
  if (escalated) occurrencesByTrigger.follow_up_overdue = escalated
  if (activePlans.length === 0) return { created: escalated, occurrences: occurrencesByTrigger, from, through, durationMs: performance.now() - started }

  const members = loadMembers(db, time, asOf)
  const byId = new Map(members.map((m) => [m.id, m]))
  const groups = new Map(
    (db.prepare('SELECT id, name, owner_member_id FROM groups').all() as Pick<GroupTableRow, 'id' | 'name' | 'owner_member_id'>[]).map((g) => [g.id, g]),
  )
  const profiles = db.prepare("SELECT id, name, role FROM profiles WHERE role IN ('operator','trainer') ORDER BY created_at, id").all() as (OwnerProfile & { role: string })[]
  const operators = profiles.filter((p) => p.role === 'operator')
  const trainers = profiles.filter((p) => p.role === 'trainer')
  const studio = readSettings(db).studioName || '我们的工作室'

  const occurrences = findOccurrences(db, time, s, asOf, members)
  const plansByTrigger = new Map<CareTrigger, CarePlan[]>()
  for (const p of activePlans) plansByTrigger.set(p.trigger, [...(plansByTrigger.get(p.trigger) ?? []), p])
  // Bound on how far after its trigger a plan's last step can fall (later days fall due at 10:00 plus hours).
  const reach = new Map(activePlans.map((p) => [p.id, Math.max(...p.steps.map((st) => (st.offsetDays + 1) * DAY_MS + st.offsetHours * 3_600_000))]))
  const maxOffset = (p: CarePlan) => reach.get(p.id)!

  const createdAt = asOfDate.toISOString()
  let created = escalated
  // Tasks already planned in the window are skipped before any work is done on them: the
  // hourly round then costs finding the occurrences, not rendering and re-inserting tasks.
  const inWindow = db
    .prepare('SELECT id, plan_id, step_id, member_id, group_id, occurrence_at FROM care_tasks WHERE due_day >= ? AND due_day <= ?')
    .all(from, through) as Pick<CareTaskTableRow, 'id' | 'plan_id' | 'step_id' | 'member_id' | 'group_id' | 'occurrence_at'>[]
  const existing = new Set(inWindow.map((r) => r.id))
  // The same task by what it is (plan, step, subject, occurrence): a task planned before its
  // plan and steps took the team's ids (migration 0030) keeps the id made of the old ones.
  const sameTask = (planId: string, stepId: string, memberId: string | null, groupId: string | null, occurrenceAt: string) =>
    `${planId}\u0000${stepId}\u0000${memberId ?? ''}\u0000${groupId ?? ''}\u0000${occurrenceAt}`
  const planned = new Set(inWindow.map((r) => sameTask(r.plan_id, r.step_id, r.member_id, r.group_id, r.occurrence_at)))

  const ownerFor = (step: CareStep, subject: MemberFacts | null, groupId: string | null) => {
    const subjectKey = subject?.id ?? groupId ?? ''
    if (step.ownerKind === 'mentor') {
      const mentorId = subject ? subject.mentorId : groupId ? (groups.get(groupId)?.owner_member_id ?? null) : null
      const mentor = mentorId ? byId.get(mentorId) : undefined
      if (mentor && mentor.status !== 'left') return { kind: 'mentor' as const, id: mentor.id, name: mentor.name }
      // Nobody above this member (a founder) or the mentor left: the operator looks after them.
      const op = assign(operators, subjectKey)
      return { kind: 'operator' as const, id: op?.id ?? null, name: op?.name ?? null }
    }
    const p = assign(step.ownerKind === 'trainer' ? trainers : operators, subjectKey)
    return { kind: step.ownerKind, id: p?.id ?? null, name: p?.name ?? null }
  }

  db.transaction(() => {
    for (const occ of occurrences) {
      occurrencesByTrigger[occ.trigger] = (occurrencesByTrigger[occ.trigger] ?? 0) + 1
      const plansFor = plansByTrigger.get(occ.trigger)
      if (!plansFor) continue
      // A state noticed only now (it began before the window) is cared for from now on.
      const stateTrigger = occ.trigger !== 'member_joined' && occ.trigger !== 'first_sale'
      const base = stateTrigger && occ.at < windowStart ? asOf : occ.at
      const subject = occ.memberId ? (byId.get(occ.memberId) ?? null) : null
      const group = occ.groupId ? groups.get(occ.groupId) : undefined
      const occurredAt = new Date(occ.at).toISOString()
      for (const plan of plansFor) {
        if (base + maxOffset(plan) < windowStart || base >= windowEnd) continue
        for (const step of plan.steps) {
          const due = dueOf(time, base, step)
          if (due < windowStart || due >= windowEnd) continue
          const key = taskKey(plan.id, step.id, occ)
          if (existing.has(key) || planned.has(sameTask(plan.id, step.id, occ.memberId, occ.groupId, occurredAt))) continue
          const owner = ownerFor(step, subject, occ.groupId)
          const mentorName = subject ? (subject.mentorId ? (byId.get(subject.mentorId)?.name ?? null) : null) : group?.owner_member_id ? (byId.get(group.owner_member_id)?.name ?? null) : null
          const script = renderScript(step.script, {
            member: subject?.name ?? null,
            mentor: mentorName ?? owner.name ?? '师父',
            group: group?.name ?? subject?.firstGroupName ?? '新人培训群',
            studio,
            inviteCode: subject?.inviteCode ?? null,
            day: String(step.offsetDays),
            topic: step.title.replace(/^第 \d+ 天培训：/, ''),
            operator: owner.kind === 'operator' ? owner.name : null,
          })
          created += insertRowIfNew(db, CARE_TASKS, {
            id: key,
            plan_id: plan.id,
            step_id: step.id,
            plan_name: plan.name,
            trigger: occ.trigger,
            occurrence_at: occurredAt,
            member_id: occ.memberId,
            group_id: occ.groupId,
            owner_kind: owner.kind,
            owner_id: owner.id,
            owner_name: owner.name,
            channel: step.channel,
            purpose: step.purpose,
            title: step.title,
            script,
            due_at: new Date(due).toISOString(),
            due_day: time.dayOf(due),
            status: 'open',
            note: '',
            done_at: null,
            done_by: null,
            created_at: createdAt,
            customer_id: null,
            follow_up_id: null,
          })
        }
      }
    }
  })()
  return { created, occurrences: occurrencesByTrigger, from, through, durationMs: performance.now() - started }
}
