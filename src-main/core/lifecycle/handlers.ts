import { OrchardError } from '../../../src-shared/errors'
import { dayIn, zoneOffset } from '../clock'
import type { CoreContext, ServiceHandlers } from '../context'
import { actionEvents, decideActions, decideAppeal, fileAppeal, getAction, listActions, listAppeals, pendingCounts } from './approvals'
import { actorOf, appendAudit, dayBounds, listAudit, SYSTEM_ACTOR, verifyAudit } from '../audit/audit'
import { exportAudit } from './auditExport'
import { careCalendar, completeTasks, getTask, reopenTasks } from './calendar'
import { getEvent, importEvents, insertEvent, listEvents, memberExists, memberTimeline, removeEvent } from './events'
import { planCare } from './planner'
import { getPlan, listPlans, writePlan } from './plans'
import { archiveRule, createRule, evaluateRules, listRules, ruleRow, updateRule } from './rules'
import { triggerSettings, writeLifecycleSetting } from '../db/lifecycleSettings'
import { toRule } from '../db/tables/lifecycle'
import { importActivityLog, logRituals, temperatureRanking, temperatureSeries } from './temperature'
import { addDays } from './studioTime'
import { changeWriter, recordChange } from '../records/changes'

const today = (ctx: CoreContext) => dayIn(ctx.timezone(), ctx.clock.now())
const offsetOf = (ctx: CoreContext) => zoneOffset(ctx.timezone(), ctx.clock.now())

/** A moment to plan or evaluate at: now, or a past moment (catching up); never the future. */
function asOfOrNow(ctx: CoreContext, asOf: string | undefined): Date {
  const now = ctx.clock.now()
  if (!asOf) return now
  const at = new Date(asOf)
  if (Number.isNaN(at.getTime())) throw new OrchardError('invalid_input', '时间格式不正确 / not a valid time', { field: 'asOf', value: asOf })
  if (at.getTime() > now.getTime() + 60_000) throw new OrchardError('invalid_input', '不能按未来的时间计算 / cannot plan or evaluate as of a future time', { field: 'asOf', value: asOf })
  return at
}

function changed(ctx: CoreContext, ...entities: string[]): void {
  ctx.emit('data.changed', { entities })
}

const verified = new WeakMap<object, { head: string | null; at: number; intact: boolean }>()

/**
 * The overview's "audit intact" flag: a full walk of the chain, remembered for ten minutes
 * while the chain's head is unchanged (the audit screen itself always walks it in full).
 */
function auditIntact(ctx: CoreContext): boolean {
  const now = ctx.clock.now().getTime()
  const head = (ctx.db.prepare('SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { hash: string } | undefined)?.hash ?? null
  const cached = verified.get(ctx.db)
  if (cached && cached.head === head && now - cached.at < 10 * 60_000) return cached.intact
  const intact = verifyAudit(ctx.db, ctx.clock.now()).intact
  verified.set(ctx.db, { head, at: now, intact })
  return intact
}

function announcePending(ctx: CoreContext): void {
  ctx.emit('approvals.pending', pendingCounts(ctx.db))
}

export const careHandlers: ServiceHandlers<'care'> = {
  plans: (_input, ctx) => listPlans(ctx.db),

  savePlan: (input, ctx) => {
    const now = ctx.clock.now()
    const before = input.id ? getPlan(ctx.db, input.id) : null
    const plan = ctx.db.transaction(() => {
      const saved = writePlan(ctx.db, input, now, before?.builtIn ?? false, changeWriter(ctx))
      const view = (p: typeof saved) => ({ name: p.name, trigger: p.trigger, active: p.active, steps: p.steps.map(({ id: _id, ...s }) => s) })
      appendAudit(
        ctx.db,
        actorOf(ctx),
        { kind: 'plan.saved', entity: 'plan', entityId: saved.id, summary: `保存关怀计划「${saved.name}」/ care plan ${saved.name} saved`, before: before ? view(before) : null, after: view(saved) },
        now,
      )
      return saved
    })()
    planCare(ctx.db, ctx.timezone(), now)
    changed(ctx, 'care')
    return plan
  },

  removePlan: ({ id }, ctx) => {
    const plan = getPlan(ctx.db, id)
    if (plan.builtIn) throw new OrchardError('built_in', '内置计划不能删除，可以停用 / a built-in plan cannot be removed; deactivate it instead', { id })
    const now = ctx.clock.now()
    ctx.db.transaction(() => {
      // Tasks already done stay on the members' timelines; open ones go with the plan.
      ctx.db.prepare("DELETE FROM care_tasks WHERE plan_id = ? AND status = 'open'").run(id)
      ctx.db.prepare('DELETE FROM care_plans WHERE id = ?').run(id)
      // A tombstone for the team, checked as any change of a plan (the removal below is audited as plan.removed).
      recordChange(changeWriter(ctx), { record: 'carePlan', id, label: plan.name, op: 'delete', audited: true })
      appendAudit(ctx.db, actorOf(ctx), { kind: 'plan.removed', entity: 'plan', entityId: id, summary: `删除关怀计划「${plan.name}」/ care plan ${plan.name} removed`, before: { name: plan.name, trigger: plan.trigger } }, now)
    })()
    changed(ctx, 'care')
    return { ok: true as const }
  },

  triggers: (_input, ctx) => triggerSettings(ctx.db),

  updateTriggers: (patch, ctx) => {
    const before = triggerSettings(ctx.db)
    const after = { ...before, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) }
    const now = ctx.clock.now()
    ctx.db.transaction(() => {
      writeLifecycleSetting(ctx.db, 'care_triggers', after)
      appendAudit(ctx.db, actorOf(ctx), { kind: 'triggers.updated', entity: 'care_triggers', entityId: null, summary: '修改关怀触发阈值 / care thresholds changed', before, after }, now)
    })()
    planCare(ctx.db, ctx.timezone(), now)
    changed(ctx, 'care')
    return after
  },

  plan: ({ asOf }, ctx) => {
    const result = planCare(ctx.db, ctx.timezone(), asOfOrNow(ctx, asOf))
    if (result.created) changed(ctx, 'care')
    return result
  },

  calendar: (q, ctx) => careCalendar(ctx.db, ctx.timezone(), ctx.clock.now(), q),

  task: ({ id }, ctx) => getTask(ctx.db, id, ctx.clock.now()),

  complete: ({ ids, status, note }, ctx) => {
    const updated = completeTasks(ctx.db, [...new Set(ids)], status, note, actorOf(ctx).name, ctx.clock.now())
    changed(ctx, 'care')
    return { updated }
  },

  reopen: ({ ids }, ctx) => {
    const updated = reopenTasks(ctx.db, [...new Set(ids)])
    changed(ctx, 'care')
    return { updated }
  },

  timeline: ({ memberId, limit }, ctx) => memberTimeline(ctx.db, memberId, limit, ctx.clock.now()),

  events: (q, ctx) => listEvents(ctx.db, q, dayBounds(q.from, q.to, offsetOf(ctx))),

  logEvent: (input, ctx) => {
    const now = ctx.clock.now()
    memberExists(ctx.db, input.memberId)
    const occurredAt = input.occurredAt ? new Date(input.occurredAt) : now
    if (Number.isNaN(occurredAt.getTime())) throw new OrchardError('invalid_input', '时间格式不正确 / not a valid time', { field: 'occurredAt', value: input.occurredAt })
    if (occurredAt.getTime() > now.getTime() + 60_000) throw new OrchardError('invalid_input', '发生时间不能在未来 / the time cannot be in the future', { field: 'occurredAt', value: input.occurredAt })
    const event = insertEvent(ctx.db, { memberId: input.memberId, type: input.type, occurredAt: occurredAt.toISOString(), note: input.note, source: 'manual', recordedBy: actorOf(ctx).name }, now)
    // The rules look at this member at once, so a manager sees the proposal without waiting for the hourly round.
    const evaluation = evaluateRules(ctx.db, ctx.timezone(), now, SYSTEM_ACTOR, { memberId: input.memberId })
    changed(ctx, 'member_events', ...(evaluation.proposed ? ['approvals', 'audit'] : []))
    if (evaluation.proposed) announcePending(ctx)
    return { event: getEvent(ctx.db, event.id), proposed: evaluation.actions }
  },

  removeEvent: ({ id }, ctx) => {
    removeEvent(ctx.db, id)
    changed(ctx, 'member_events')
    return { ok: true as const }
  },

  importEvents: async ({ path }, ctx) => {
    const now = ctx.clock.now()
    const result = await importEvents(ctx.db, path, ctx.timezone(), actorOf(ctx).name, now)
    const fileName = path.split(/[\\/]/).pop() ?? path
    if (result.errors.length === 0) {
      const evaluation = evaluateRules(ctx.db, ctx.timezone(), now, SYSTEM_ACTOR)
      changed(ctx, 'member_events', 'approvals', 'audit')
      if (evaluation.proposed) announcePending(ctx)
    }
    return { fileName, committed: result.errors.length === 0, rows: result.rows, written: result.events.length, errors: result.errors.slice(0, 500), errorCount: result.errors.length }
  },

  overview: ({ date }, ctx) => {
    const db = ctx.db
    const day = date ?? today(ctx)
    const cal = careCalendar(db, ctx.timezone(), ctx.clock.now(), { date: day, includeOverdue: true, offset: 0, limit: 1 })
    const pending = pendingCounts(db)
    const cold = temperatureRanking(db, addDays(today(ctx), -1), 10_000).filter((g) => g.cooling).length
    const since = addDays(day, -6)
    const newMembers = (db.prepare("SELECT COUNT(*) AS n FROM members WHERE join_date >= ? AND join_date <= ? AND status <> 'left'").get(since, day) as { n: number }).n
    const outside = (
      db.prepare("SELECT COUNT(*) AS n FROM members m WHERE m.status = 'active' AND NOT EXISTS (SELECT 1 FROM group_members gm WHERE gm.member_id = m.id)").get() as { n: number }
    ).n
    return {
      date: day,
      tasksToday: (db.prepare('SELECT COUNT(*) AS n FROM care_tasks WHERE due_day = ?').get(day) as { n: number }).n,
      tasksOpen: cal.counts.open,
      tasksOverdue: cal.counts.overdue,
      actionsAwaiting: pending.actions,
      appealsOpen: pending.appeals,
      coldGroups: cold,
      newMembers7d: newMembers,
      membersOutsideGroups: outside,
      auditIntact: auditIntact(ctx),
    }
  },
}

export const temperatureHandlers: ServiceHandlers<'temperature'> = {
  ranking: ({ date, limit }, ctx) => temperatureRanking(ctx.db, date ?? addDays(today(ctx), -1), limit),

  series: ({ groupId, from, to }, ctx) => {
    const end = to ?? today(ctx)
    const start = from ?? addDays(end, -59)
    if (start > end) throw new OrchardError('invalid_input', '开始日期晚于结束日期 / the start is after the end', { field: 'from', value: start })
    return temperatureSeries(ctx.db, groupId, start, end)
  },

  log: ({ groupId, day, counts }, ctx) => {
    const result = logRituals(ctx.db, groupId, day, counts, actorOf(ctx).name, today(ctx), ctx.clock.now())
    changed(ctx, 'temperature')
    return result
  },

  importCsv: async ({ path }, ctx) => {
    const result = await importActivityLog(ctx.db, path, ctx.timezone(), today(ctx), actorOf(ctx).name, ctx.clock.now())
    if (result.errors.length === 0) {
      planCare(ctx.db, ctx.timezone(), ctx.clock.now())
      changed(ctx, 'temperature', 'care')
    }
    const fileName = path.split(/[\\/]/).pop() ?? path
    return { fileName, committed: result.errors.length === 0, rows: result.rows, written: result.written, errors: result.errors.slice(0, 500), errorCount: result.errors.length }
  },
}

export const rulesHandlers: ServiceHandlers<'rules'> = {
  list: ({ includeArchived }, ctx) => listRules(ctx.db, includeArchived),

  get: ({ id }, ctx) => {
    const count = (ctx.db.prepare('SELECT COUNT(*) AS n FROM rule_actions WHERE rule_id = ?').get(id) as { n: number }).n
    return toRule(ruleRow(ctx.db, id), count)
  },

  create: (input, ctx) => {
    const rule = createRule(ctx.db, input, actorOf(ctx), ctx.clock.now(), today(ctx), changeWriter(ctx))
    changed(ctx, 'rules', 'audit')
    return rule
  },

  update: ({ id, patch }, ctx) => {
    const rule = updateRule(ctx.db, id, patch, actorOf(ctx), ctx.clock.now(), changeWriter(ctx))
    changed(ctx, 'rules', 'audit')
    return rule
  },

  archive: ({ id }, ctx) => {
    const rule = archiveRule(ctx.db, id, actorOf(ctx), ctx.clock.now(), changeWriter(ctx))
    changed(ctx, 'rules', 'audit')
    return rule
  },

  evaluate: ({ asOf }, ctx) => {
    const result = evaluateRules(ctx.db, ctx.timezone(), asOfOrNow(ctx, asOf), actorOf(ctx))
    if (result.proposed) {
      changed(ctx, 'approvals', 'audit')
      announcePending(ctx)
    }
    return result
  },
}

export const approvalsHandlers: ServiceHandlers<'approvals'> = {
  list: (q, ctx) => listActions(ctx.db, q),

  get: ({ id }, ctx) => ({ action: getAction(ctx.db, id), events: actionEvents(ctx.db, id), appeals: listAppeals(ctx.db, { actionId: id }) }),

  approve: ({ ids, reason }, ctx) => {
    const updated = decideActions(ctx.db, [...new Set(ids)], 'approved', reason, actorOf(ctx), ctx.clock.now(), changeWriter(ctx))
    changed(ctx, 'approvals', 'audit', ...(updated.some((a) => a.action.kind === 'suspension') ? ['members'] : []))
    announcePending(ctx)
    return { updated }
  },

  reject: ({ ids, reason }, ctx) => {
    const updated = decideActions(ctx.db, [...new Set(ids)], 'rejected', reason, actorOf(ctx), ctx.clock.now(), changeWriter(ctx))
    changed(ctx, 'approvals', 'audit')
    announcePending(ctx)
    return { updated }
  },

  appeal: ({ actionId, reason }, ctx) => {
    const appeal = fileAppeal(ctx.db, actionId, reason, actorOf(ctx), ctx.clock.now(), changeWriter(ctx))
    changed(ctx, 'approvals', 'audit')
    announcePending(ctx)
    return appeal
  },

  appeals: (q, ctx) => listAppeals(ctx.db, q),

  decideAppeal: ({ appealId, decision, reason }, ctx) => {
    const appeal = decideAppeal(ctx.db, appealId, decision, reason, actorOf(ctx), ctx.clock.now(), changeWriter(ctx))
    changed(ctx, 'approvals', 'audit', 'members')
    announcePending(ctx)
    return appeal
  },
}

/** verifyTeam asks the team server: core/sync/index.ts has it. */
export const auditHandlers: Omit<ServiceHandlers<'audit'>, 'verifyTeam'> = {
  list: (q, ctx) => listAudit(ctx.db, q, offsetOf(ctx)),

  verify: (_input, ctx) => verifyAudit(ctx.db, ctx.clock.now()),

  export: async (input, ctx) => {
    if (input.from > input.to) throw new OrchardError('invalid_input', '开始日期晚于结束日期 / the start is after the end', { field: 'from', value: input.from })
    return exportAudit(ctx, input)
  },
}
