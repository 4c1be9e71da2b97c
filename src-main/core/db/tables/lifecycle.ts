import type { z } from 'zod'
import type {
  Appeal,
  CareStep,
  CarePlan,
  CareTask,
  KitSection,
  KitTemplate,
  KitTemplateSummary,
  MemberEvent,
  Profile,
  ProposedAction,
  Rule,
  RuleActionSpec,
  TemperatureDay,
} from '../../../../src-shared/contracts/lifecycle'
import type { Role } from '../../../../src-shared/roles'
import { bool, decodeFields, defineTable, int, nullableText, real, text, type RowOf } from './table'

/**
 * The lifecycle's tables: care plans and their steps, the care tasks planned from them,
 * member events, the rules, their proposals (rule_actions) and appeals, profiles, group
 * rituals (temperature) and kit templates. The plans, rules, proposals and appeals are
 * shared records: their fields are the shared fields records sync sends (core/records/sync.ts
 * adds those kept elsewhere: a plan's steps, a proposal's events, the decisions held in a
 * status column).
 */

export const CARE_PLANS = defineTable(
  'care_plans',
  {
    id: text(),
    name: text(),
    description: text(),
    trigger: text<CarePlan['trigger']>(),
    active: bool(),
    built_in: bool(),
    created_at: text(),
    updated_at: text(),
  },
  {
    name: 'name',
    description: 'description',
    trigger: 'trigger',
    active: 'active',
    builtIn: 'built_in',
  },
)

/** A plan's steps. Their fields are the plan's shared field `steps` as it travels (core/records/lifecycleRows.ts), in the plan's order. */
export const CARE_STEPS = defineTable(
  'care_steps',
  {
    id: text(),
    plan_id: text(),
    position: int(),
    offset_days: int(),
    offset_hours: int(),
    channel: text<CareStep['channel']>(),
    owner_kind: text<CareStep['ownerKind']>(),
    purpose: text<CareStep['purpose']>(),
    title: text(),
    script: text(),
  },
  {
    id: 'id',
    offsetDays: 'offset_days',
    offsetHours: 'offset_hours',
    channel: 'channel',
    ownerKind: 'owner_kind',
    purpose: 'purpose',
    title: 'title',
    script: 'script',
  },
)

/** A plan's step at its place in the plan, as its row holds it. */
export function careStepRow(planId: string, position: number, id: string, s: Omit<CareStep, 'id'>): RowOf<typeof CARE_STEPS> {
  return {
    id,
    plan_id: planId,
    position,
    offset_days: s.offsetDays,
    offset_hours: s.offsetHours,
    channel: s.channel,
    owner_kind: s.ownerKind,
    purpose: s.purpose,
    title: s.title,
    script: s.script,
  }
}

/** A care task: what the calendar shows (when it was planned from, and the follow-up it came from, stay the planner's). */
export const CARE_TASKS = defineTable(
  'care_tasks',
  {
    id: text(),
    plan_id: text(),
    step_id: text(),
    plan_name: text(),
    trigger: text<CareTask['trigger']>(),
    occurrence_at: text(),
    member_id: nullableText(),
    group_id: nullableText(),
    owner_kind: text<CareTask['ownerKind']>(),
    owner_id: nullableText(),
    owner_name: nullableText(),
    channel: text<CareTask['channel']>(),
    purpose: text<CareTask['purpose']>(),
    title: text(),
    script: text(),
    due_at: text(),
    due_day: text(),
    status: text<CareTask['status']>(),
    note: text(),
    done_at: nullableText(),
    done_by: nullableText(),
    created_at: text(),
    customer_id: nullableText(),
    follow_up_id: nullableText(),
  },
  {
    planId: 'plan_id',
    planName: 'plan_name',
    stepId: 'step_id',
    trigger: 'trigger',
    memberId: 'member_id',
    groupId: 'group_id',
    customerId: 'customer_id',
    ownerKind: 'owner_kind',
    ownerId: 'owner_id',
    ownerName: 'owner_name',
    channel: 'channel',
    purpose: 'purpose',
    title: 'title',
    script: 'script',
    dueAt: 'due_at',
    dueDay: 'due_day',
    status: 'status',
    note: 'note',
    doneAt: 'done_at',
    doneBy: 'done_by',
    createdAt: 'created_at',
  },
)

export const MEMBER_EVENTS = defineTable(
  'member_events',
  {
    id: text(),
    member_id: text(),
    type: text<MemberEvent['type']>(),
    occurred_at: text(),
    note: text(),
    source: text(),
    recorded_by: nullableText(),
    created_at: text(),
  },
  {
    memberId: 'member_id',
    type: 'type',
    occurredAt: 'occurred_at',
    note: 'note',
    source: 'source',
    recordedBy: 'recorded_by',
    createdAt: 'created_at',
  },
)

export const RULES = defineTable(
  'rules',
  {
    id: text(),
    name: text(),
    description: text(),
    event_type: text<Rule['eventType']>(),
    threshold: int(),
    window_days: int(),
    action_kind: text<RuleActionSpec['kind']>(),
    action_points: int(),
    action_amount_fen: int(),
    action_days: int(),
    active: bool(),
    effective_from: text(),
    version: int(),
    archived_at: nullableText(),
    created_at: text(),
    updated_at: text(),
  },
  {
    name: 'name',
    description: 'description',
    eventType: 'event_type',
    threshold: 'threshold',
    windowDays: 'window_days',
    actionKind: 'action_kind',
    actionPoints: 'action_points',
    actionAmountFen: 'action_amount_fen',
    actionDays: 'action_days',
    active: 'active',
    effectiveFrom: 'effective_from',
    archivedAt: 'archived_at',
  },
)

/**
 * A rule's proposals. Records sync adds two shared fields kept elsewhere: `events` (the
 * events it counted, rule_action_events) and `decision` (status, null while proposed).
 * When its suspension ends and whether it paused the member stay this workstation's.
 */
export const RULE_ACTIONS = defineTable(
  'rule_actions',
  {
    id: text(),
    idem_key: text(),
    rule_id: text(),
    rule_name: text(),
    rule_version: int(),
    member_id: text(),
    member_name: text(),
    kind: text<RuleActionSpec['kind']>(),
    points: int(),
    amount_fen: int(),
    days: int(),
    reason: text(),
    event_count: int(),
    window_from: text(),
    window_to: text(),
    status: text<ProposedAction['status']>(),
    proposed_at: text(),
    decided_at: nullableText(),
    decided_by: nullableText(),
    decided_by_name: nullableText(),
    decision_reason: nullableText(),
    overturned_at: nullableText(),
    effect_until: nullableText(),
    effect_state: nullableText<'paused' | 'restored'>(),
    created_at: nullableText(),
    updated_at: nullableText(),
  },
  {
    idemKey: 'idem_key',
    ruleId: 'rule_id',
    ruleName: 'rule_name',
    ruleVersion: 'rule_version',
    memberId: 'member_id',
    memberName: 'member_name',
    kind: 'kind',
    points: 'points',
    amountFen: 'amount_fen',
    days: 'days',
    reason: 'reason',
    eventCount: 'event_count',
    windowFrom: 'window_from',
    windowTo: 'window_to',
    proposedAt: 'proposed_at',
    decidedAt: 'decided_at',
    decidedBy: 'decided_by',
    decidedByName: 'decided_by_name',
    decisionReason: 'decision_reason',
    overturnedAt: 'overturned_at',
  },
)

/**
 * The events a proposal counted (the proposal's shared field `events`, core/records/lifecycleRows.ts):
 * an event counts once for a rule, so a later round does not count it again.
 */
export const RULE_ACTION_EVENTS = defineTable('rule_action_events', { rule_id: text(), event_id: text(), action_id: text() }, { ruleId: 'rule_id', eventId: 'event_id', actionId: 'action_id' })

/** An appeal against a proposal. Records sync adds its shared field `decision` (status, null while open). */
export const APPEALS = defineTable(
  'appeals',
  {
    id: text(),
    action_id: text(),
    reason: text(),
    filed_at: text(),
    filed_by: nullableText(),
    filed_by_name: nullableText(),
    status: text<Appeal['status']>(),
    decided_at: nullableText(),
    decided_by: nullableText(),
    decided_by_name: nullableText(),
    decision_reason: nullableText(),
    created_at: nullableText(),
    updated_at: nullableText(),
  },
  {
    actionId: 'action_id',
    reason: 'reason',
    filedAt: 'filed_at',
    filedBy: 'filed_by',
    filedByName: 'filed_by_name',
    decidedAt: 'decided_at',
    decidedBy: 'decided_by',
    decidedByName: 'decided_by_name',
    decisionReason: 'decision_reason',
  },
)

/** The workstation's profiles. The PIN's hash, salt and parameters never leave the core. */
export const PROFILES = defineTable(
  'profiles',
  {
    id: text(),
    name: text(),
    role: text<Role>(),
    pin_hash: text(),
    pin_salt: text(),
    pin_params: text(),
    is_default: bool(),
    failed_attempts: int(),
    locked_until: nullableText(),
    last_sign_in_at: nullableText(),
    created_at: text(),
    updated_at: text(),
  },
  {
    name: 'name',
    role: 'role',
    isDefault: 'is_default',
    failedAttempts: 'failed_attempts',
    lockedUntil: 'locked_until',
    lastSignInAt: 'last_sign_in_at',
    createdAt: 'created_at',
    updatedAt: 'updated_at',
  },
)

/** A group's rituals on one day, and the temperature they score (core/lifecycle/temperature.ts). */
export const GROUP_RITUALS = defineTable(
  'group_rituals',
  {
    group_id: text(),
    day: text(),
    morning: int(),
    night: int(),
    training: int(),
    goal: int(),
    red_envelope: int(),
    showcase: int(),
    replies: int(),
    score: real(),
    source: text<TemperatureDay['source']>(),
    updated_at: text(),
    updated_by: nullableText(),
  },
  {
    groupId: 'group_id',
    day: 'day',
    score: 'score',
    source: 'source',
    updatedAt: 'updated_at',
  },
)

export const KIT_TEMPLATES = defineTable(
  'kit_templates',
  {
    id: text(),
    name: text(),
    description: text(),
    is_default: bool(),
    created_at: text(),
    updated_at: text(),
    updated_by: nullableText(),
  },
  {
    name: 'name',
    description: 'description',
    isDefault: 'is_default',
    updatedAt: 'updated_at',
    updatedBy: 'updated_by',
  },
)

export const KIT_SECTIONS = defineTable(
  'kit_sections',
  {
    id: text(),
    template_id: text(),
    position: int(),
    kind: text<KitSection['kind']>(),
    title: text(),
    html: text(),
  },
  {
    id: 'id',
    kind: 'kind',
    title: 'title',
    html: 'html',
  },
)

export type CarePlanRow = RowOf<typeof CARE_PLANS>
export type CareStepRow = RowOf<typeof CARE_STEPS>
export type CareTaskTableRow = RowOf<typeof CARE_TASKS>
export type MemberEventTableRow = RowOf<typeof MEMBER_EVENTS>
export type RuleRow = RowOf<typeof RULES>
export type RuleActionTableRow = RowOf<typeof RULE_ACTIONS>
export type AppealTableRow = RowOf<typeof APPEALS>
export type ProfileRow = RowOf<typeof PROFILES>
export type RitualRow = RowOf<typeof GROUP_RITUALS>
export type KitTemplateRow = RowOf<typeof KIT_TEMPLATES>
export type KitSectionRow = RowOf<typeof KIT_SECTIONS>

/** A plan with its steps, in the order they fall due. */
export function toCarePlan(row: CarePlanRow, steps: CareStep[]): CarePlan {
  return { id: row.id, ...decodeFields(CARE_PLANS, row), steps, createdAt: row.created_at, updatedAt: row.updated_at }
}

export const toCareStep = (row: CareStepRow): CareStep => decodeFields(CARE_STEPS, row)

/** A task as the calendar reads it: the row and the names of its member, group and customer. */
export type CareTaskRow = CareTaskTableRow & { member_name: string | null; group_name: string | null; customer_name: string | null }

/** The columns of a CareTaskRow over CARE_TASK_FROM. */
export const CARE_TASK_COLUMNS = `${Object.keys(CARE_TASKS.columns).map((c) => `t.${c}`).join(', ')}, m.name AS member_name, g.name AS group_name, c.name AS customer_name`
export const CARE_TASK_FROM = 'care_tasks t LEFT JOIN members m ON m.id = t.member_id LEFT JOIN groups g ON g.id = t.group_id LEFT JOIN customers c ON c.id = t.customer_id'

/** A task; open and due before `overdueBefore` is overdue. */
export function toCareTask(row: CareTaskRow, overdueBefore: string): CareTask {
  const f = decodeFields(CARE_TASKS, row)
  return {
    id: row.id,
    planId: f.planId,
    planName: f.planName,
    stepId: f.stepId,
    trigger: f.trigger,
    memberId: f.memberId,
    memberName: row.member_name,
    groupId: f.groupId,
    groupName: row.group_name,
    customerId: f.customerId,
    customerName: row.customer_name,
    ownerKind: f.ownerKind,
    ownerId: f.ownerId,
    ownerName: f.ownerName,
    channel: f.channel,
    purpose: f.purpose,
    title: f.title,
    script: f.script,
    dueAt: f.dueAt,
    dueDay: f.dueDay,
    status: f.status,
    overdue: f.status === 'open' && f.dueAt < overdueBefore,
    note: f.note,
    doneAt: f.doneAt,
    doneBy: f.doneBy,
    createdAt: f.createdAt,
  }
}

/** An event as the lists read it: the row and its member's name. */
export type MemberEventRow = MemberEventTableRow & { member_name: string }

/** The columns of a MemberEventRow over MEMBER_EVENT_FROM. */
export const MEMBER_EVENT_COLUMNS = `${Object.keys(MEMBER_EVENTS.columns).map((c) => `e.${c}`).join(', ')}, m.name AS member_name`
export const MEMBER_EVENT_FROM = 'member_events e JOIN members m ON m.id = e.member_id'

export function toMemberEvent(row: MemberEventRow): MemberEvent {
  const f = decodeFields(MEMBER_EVENTS, row)
  return {
    id: row.id,
    memberId: f.memberId,
    memberName: row.member_name,
    type: f.type,
    occurredAt: f.occurredAt,
    note: f.note,
    source: f.source,
    recordedBy: f.recordedBy,
    createdAt: f.createdAt,
  }
}

/** A rule; archived, it is never active. */
export function toRule(row: RuleRow, proposedCount = 0): Rule {
  const f = decodeFields(RULES, row)
  return {
    id: row.id,
    name: f.name,
    description: f.description,
    eventType: f.eventType,
    threshold: f.threshold,
    windowDays: f.windowDays,
    action: { kind: f.actionKind, points: f.actionPoints, amountFen: f.actionAmountFen, days: f.actionDays },
    active: f.active && f.archivedAt === null,
    effectiveFrom: f.effectiveFrom,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    proposedCount,
  }
}

/** A proposal as the lists read it: the row and whether an appeal against it is open. */
export type RuleActionRow = RuleActionTableRow & { open_appeal: number }

/** A proposal's row with whether an appeal against it is open, over `rule_actions a`. */
export const RULE_ACTION_SELECT = `SELECT ${Object.keys(RULE_ACTIONS.columns).map((c) => `a.${c}`).join(', ')},
  EXISTS (SELECT 1 FROM appeals p WHERE p.action_id = a.id AND p.status = 'open') AS open_appeal FROM rule_actions a`

/** A proposal; decided by the name of who decided it when known. */
export function toProposedAction(row: RuleActionRow): ProposedAction {
  const f = decodeFields(RULE_ACTIONS, row)
  return {
    id: row.id,
    ruleId: f.ruleId,
    ruleName: f.ruleName,
    ruleVersion: f.ruleVersion,
    memberId: f.memberId,
    memberName: f.memberName,
    action: { kind: f.kind, points: f.points, amountFen: f.amountFen, days: f.days },
    reason: f.reason,
    eventCount: f.eventCount,
    windowFrom: f.windowFrom,
    windowTo: f.windowTo,
    status: row.status,
    proposedAt: f.proposedAt,
    decidedAt: f.decidedAt,
    decidedBy: f.decidedByName ?? f.decidedBy,
    decisionReason: f.decisionReason,
    overturnedAt: f.overturnedAt,
    openAppeal: row.open_appeal === 1,
  }
}

/** An appeal as the lists read it: the row and what its proposal was about. */
export type AppealRow = AppealTableRow & Pick<RuleActionTableRow, 'member_id' | 'member_name' | 'rule_name' | 'kind' | 'points' | 'amount_fen' | 'days'>

/** An appeal's row with its proposal's member, rule and action. */
export const APPEAL_SELECT = `SELECT ${Object.keys(APPEALS.columns).map((c) => `p.${c}`).join(', ')}, a.member_id, a.member_name, a.rule_name, a.kind, a.points, a.amount_fen, a.days
  FROM appeals p JOIN rule_actions a ON a.id = p.action_id`

/** An appeal; filed and decided by the names of who did it when known. */
export function toAppeal(row: AppealRow): Appeal {
  const f = decodeFields(APPEALS, row)
  return {
    id: row.id,
    actionId: f.actionId,
    memberId: row.member_id,
    memberName: row.member_name,
    ruleName: row.rule_name,
    action: { kind: row.kind, points: row.points, amountFen: row.amount_fen, days: row.days },
    reason: f.reason,
    filedAt: f.filedAt,
    filedBy: f.filedByName ?? f.filedBy,
    status: row.status,
    decidedAt: f.decidedAt,
    decidedBy: f.decidedByName ?? f.decidedBy,
    decisionReason: f.decisionReason,
  }
}

/** A profile as the console sees it: no PIN; locked only while its lock lasts at `now`. */
export function toProfile(row: ProfileRow, now: Date): Profile {
  const f = decodeFields(PROFILES, row)
  return { id: row.id, ...f, lockedUntil: f.lockedUntil !== null && f.lockedUntil > now.toISOString() ? f.lockedUntil : null }
}

/** A group's day: its ritual counts and their score. */
export function toTemperatureDay(row: RitualRow): TemperatureDay {
  const f = decodeFields(GROUP_RITUALS, row)
  return {
    groupId: f.groupId,
    day: f.day,
    counts: { morning: row.morning, night: row.night, training: row.training, goal: row.goal, red_envelope: row.red_envelope, showcase: row.showcase, replies: row.replies },
    score: f.score,
    source: f.source,
    updatedAt: f.updatedAt,
  }
}

export const toKitSection = (row: KitSectionRow): KitSection => decodeFields(KIT_SECTIONS, row)

export function toKitTemplate(row: KitTemplateRow, sections: KitSection[]): KitTemplate {
  const f = decodeFields(KIT_TEMPLATES, row)
  return { id: row.id, name: f.name, description: f.description, isDefault: f.isDefault, sections, updatedAt: f.updatedAt, updatedBy: f.updatedBy }
}

/** A template as the list of templates reads it: the row and how many sections it has. */
export type KitTemplateSummaryRow = KitTemplateRow & { section_count: number }

export const toKitTemplateSummary = (row: KitTemplateSummaryRow): z.output<typeof KitTemplateSummary> => ({ id: row.id, ...decodeFields(KIT_TEMPLATES, row), sectionCount: row.section_count })

/** A proposal's id before every workstation gave it the same one (made by migration 0031): posted money found under the old id is the proposal's. */
export const RULE_ACTIONS_REKEYED = defineTable('rule_actions_rekeyed', { old_id: text(), action_id: text(), rekeyed_at: text() }, { oldId: 'old_id', actionId: 'action_id', rekeyedAt: 'rekeyed_at' })
