/**
 * The lifecycle part of the contract: profiles and permissions, care plans and the
 * care calendar, group temperature, team rules with approvals and appeals, the
 * tamper-evident audit log, and onboarding kits. contract.ts spreads these into
 * the one table every host serves.
 *
 * Stable for the console: names are added, never renamed.
 */
import { z } from 'zod'
import { TeamAuditVerification } from '../auditChain'
import { ReadPath, WriteFolder, WritePath } from '../filePaths'
import { ById, command, query } from '../contractKit'
import { ROLES } from '../roles'
import { RowError } from '../located'
import { Day, Fen, Id, IsoTime, Ok, Empty, Page, Paging } from '../schemas'

// ================================================================ vocabulary (codes + zh/en labels)

export const ACTOR_ROLES = [...ROLES, 'system'] as const
export const ActorRole = z.enum(ACTOR_ROLES)
export const ProfileRole = z.enum(ROLES)

/** The five things that keep a sapling alive (DOMAIN: the orchard picture). */
export const CARE_PURPOSES = ['light', 'warmth', 'water', 'air', 'nutrients'] as const
export type CarePurpose = (typeof CARE_PURPOSES)[number]
export const CARE_PURPOSE_LABELS: Record<CarePurpose, { zh: string; en: string; hint: string }> = {
  light: { zh: '光照', en: 'Light', hint: '师父和团队的关注，固定节奏 / attention on a fixed rhythm' },
  warmth: { zh: '温度', en: 'Warmth', hint: '温暖的社群：仪式、回复、庆祝首单 / a warm group' },
  water: { zh: '水分', en: 'Water', hint: '信念和培训，一次给足 / belief and training in full doses' },
  air: { zh: '空气', en: 'Air', hint: '立刻进群，不被落在群外 / inside a group at once' },
  nutrients: { zh: '养料', en: 'Nutrients', hint: '稳定到账的收入 / income that arrives steadily' },
}

export const CARE_CHANNELS = ['private', 'group', 'call', 'offline'] as const
export type CareChannel = (typeof CARE_CHANNELS)[number]
export const CARE_CHANNEL_LABELS: Record<CareChannel, { zh: string; en: string }> = {
  private: { zh: '私聊', en: 'Private chat' },
  group: { zh: '群聊', en: 'Group chat' },
  call: { zh: '电话', en: 'Phone call' },
  offline: { zh: '线下', en: 'Offline' },
}

/** Who does a plan's step: the member's mentor (师父), an operator profile, or a trainer profile. */
export const CARE_STEP_OWNER_KINDS = ['mentor', 'operator', 'trainer'] as const
/**
 * Whose task it is: a step's owner, or — for a customer's follow-up — the member who owns the
 * customer, and when that follow-up is overdue, their mentor and a manager profile.
 */
export const CARE_OWNER_KINDS = [...CARE_STEP_OWNER_KINDS, 'member', 'manager'] as const
export type CareOwnerKind = (typeof CARE_OWNER_KINDS)[number]
export const CARE_OWNER_LABELS: Record<CareOwnerKind, { zh: string; en: string }> = {
  mentor: { zh: '师父', en: 'Mentor' },
  operator: { zh: '运营', en: 'Operator' },
  trainer: { zh: '培训师', en: 'Trainer' },
  member: { zh: '归属会员', en: 'Owning member' },
  manager: { zh: '管理者', en: 'Manager' },
}

/** What starts a plan. Thresholds of the data-driven ones are editable (CareTriggerSettings). */
export const CARE_TRIGGERS = ['member_joined', 'not_in_group', 'first_sale', 'activity_drop', 'group_cooling', 'apprentices_quiet'] as const
export type CareTrigger = (typeof CARE_TRIGGERS)[number]
/** What a task came from: a plan's trigger, a customer's next follow-up, or that follow-up left overdue (escalated). */
export const CARE_TASK_TRIGGERS = [...CARE_TRIGGERS, 'follow_up', 'follow_up_overdue'] as const
export type CareTaskTrigger = (typeof CARE_TASK_TRIGGERS)[number]
export const CARE_TRIGGER_LABELS: Record<CareTaskTrigger, { zh: string; en: string }> = {
  follow_up: { zh: '客户跟进', en: 'Customer follow-up' },
  follow_up_overdue: { zh: '跟进逾期（升级）', en: 'Follow-up overdue (escalated)' },
  member_joined: { zh: '新会员加入', en: 'A member joins' },
  not_in_group: { zh: '加入后仍未进群', en: 'Not in any group after joining' },
  first_sale: { zh: '首单成交', en: 'First sale' },
  activity_drop: { zh: '成交或分享中断', en: 'No sale or no share for a while' },
  group_cooling: { zh: '社群降温', en: 'A group is cooling down' },
  apprentices_quiet: { zh: '徒弟全部沉默', en: 'All of a mentor’s apprentices went quiet' },
}

export const CARE_TASK_STATUSES = ['open', 'done', 'skipped'] as const
export type CareTaskStatus = (typeof CARE_TASK_STATUSES)[number]
export const CARE_TASK_STATUS_LABELS: Record<CareTaskStatus, { zh: string; en: string }> = {
  open: { zh: '待办', en: 'Open' },
  done: { zh: '已完成', en: 'Done' },
  skipped: { zh: '已跳过', en: 'Skipped' },
}

/**
 * Member events: activity (logged by operators or imported) and the conduct the team's
 * rules count. Sales are not stored here: they come from orders.
 */
export const MEMBER_EVENT_TYPES = [
  'share',
  'showcase',
  'training',
  'price_below_floor',
  'deceptive_recruiting',
  'other_platform_goods',
  'apprentices_outside_group',
  'experience_shared',
  'member_recruited',
  'offline_promotion',
  'note',
] as const
export type MemberEventType = (typeof MEMBER_EVENT_TYPES)[number]
export const MEMBER_EVENT_LABELS: Record<MemberEventType, { zh: string; en: string; conduct: 'activity' | 'penalty' | 'reward' | 'note' }> = {
  share: { zh: '分享转发', en: 'Shared a product', conduct: 'activity' },
  showcase: { zh: '晒单', en: 'Showed a purchase (晒单)', conduct: 'activity' },
  training: { zh: '参加培训', en: 'Attended training', conduct: 'activity' },
  price_below_floor: { zh: '低于控价销售', en: 'Sold below the price floor', conduct: 'penalty' },
  deceptive_recruiting: { zh: '欺骗式拉人头（被举报）', en: 'Deceptive recruiting (reported)', conduct: 'penalty' },
  other_platform_goods: { zh: '销售其他平台商品', en: 'Sold other platforms’ goods', conduct: 'penalty' },
  apprentices_outside_group: { zh: '不让徒弟进群', en: 'Kept apprentices out of the group', conduct: 'penalty' },
  experience_shared: { zh: '群内分享经验', en: 'Shared experience in the group', conduct: 'reward' },
  member_recruited: { zh: '发展新会员', en: 'Recruited and developed a member', conduct: 'reward' },
  offline_promotion: { zh: '线下推广', en: 'Offline promotion', conduct: 'reward' },
  note: { zh: '备注', en: 'Note', conduct: 'note' },
}
/** Event types a rule may count (a note never triggers anything). */
export const RULE_EVENT_TYPES = [
  'share',
  'showcase',
  'training',
  'price_below_floor',
  'deceptive_recruiting',
  'other_platform_goods',
  'apprentices_outside_group',
  'experience_shared',
  'member_recruited',
  'offline_promotion',
] as const satisfies readonly Exclude<MemberEventType, 'note'>[]
export type RuleEventType = (typeof RULE_EVENT_TYPES)[number]

export const RULE_ACTION_KINDS = ['warning', 'points', 'penalty', 'suspension', 'bonus'] as const
export type RuleActionKind = (typeof RULE_ACTION_KINDS)[number]
export const RULE_ACTION_LABELS: Record<RuleActionKind, { zh: string; en: string }> = {
  warning: { zh: '警告', en: 'Warning' },
  points: { zh: '积分', en: 'Points' },
  penalty: { zh: '扣除佣金', en: 'Commission deduction' },
  suspension: { zh: '暂停资格', en: 'Suspension' },
  bonus: { zh: '奖励金', en: 'Bonus' },
}

export const ACTION_STATUSES = ['proposed', 'approved', 'rejected'] as const
export type ActionStatus = (typeof ACTION_STATUSES)[number]
export const ACTION_STATUS_LABELS: Record<ActionStatus, { zh: string; en: string }> = {
  proposed: { zh: '待审批', en: 'Awaiting approval' },
  approved: { zh: '已批准', en: 'Approved' },
  rejected: { zh: '已驳回', en: 'Rejected' },
}

export const APPEAL_STATUSES = ['open', 'upheld', 'overturned'] as const
export type AppealStatus = (typeof APPEAL_STATUSES)[number]
export const APPEAL_STATUS_LABELS: Record<AppealStatus, { zh: string; en: string }> = {
  open: { zh: '待裁决', en: 'Open' },
  upheld: { zh: '维持原决定', en: 'Upheld' },
  overturned: { zh: '已撤销', en: 'Overturned' },
}

/** Rituals and activity that make a group warm (DOMAIN: Group temperature). */
export const RITUAL_KINDS = ['morning', 'night', 'training', 'goal', 'red_envelope', 'showcase', 'replies'] as const
export type RitualKind = (typeof RITUAL_KINDS)[number]
export const RITUAL_LABELS: Record<RitualKind, { zh: string; en: string }> = {
  morning: { zh: '早安', en: 'Good morning' },
  night: { zh: '晚安', en: 'Good night' },
  training: { zh: '培训', en: 'Training' },
  goal: { zh: '目标设定', en: 'Goal setting' },
  red_envelope: { zh: '成交红包', en: 'Deal red envelope' },
  showcase: { zh: '晒单', en: 'Purchase shown' },
  replies: { zh: '回复数', en: 'Replies' },
}

export const AUDIT_KINDS = [
  'rule.created',
  'rule.updated',
  'rule.archived',
  'action.proposed',
  'action.approved',
  'action.rejected',
  'appeal.filed',
  'appeal.upheld',
  'appeal.overturned',
  'profile.created',
  'profile.updated',
  'profile.pin_changed',
  'profile.removed',
  'profile.locked',
  'profile.unlocked',
  'profile.signed_in',
  'triggers.updated',
  'plan.saved',
  'plan.removed',
  'data.exported',
  'ledger.period_closed',
  'settlement.settings',
  'withdrawal.requested',
  'withdrawal.approved',
  'withdrawal.rejected',
  'payout.batch_created',
  'payout.batch_exported',
  'payout.batch_marked',
  'record.created',
  'record.changed',
  'record.deleted',
  'records.imported',
  'customers.bulk',
  'customers.merged',
  'customers.unmerged',
  'members.handover',
] as const
export type AuditKind = (typeof AUDIT_KINDS)[number]
export const AUDIT_KIND_LABELS: Record<AuditKind, { zh: string; en: string }> = {
  'rule.created': { zh: '新建规则', en: 'Rule created' },
  'rule.updated': { zh: '修改规则', en: 'Rule changed' },
  'rule.archived': { zh: '停用规则', en: 'Rule archived' },
  'action.proposed': { zh: '规则提议处理', en: 'Action proposed' },
  'action.approved': { zh: '批准', en: 'Approved' },
  'action.rejected': { zh: '驳回', en: 'Rejected' },
  'appeal.filed': { zh: '提出申诉', en: 'Appeal filed' },
  'appeal.upheld': { zh: '申诉驳回（维持）', en: 'Appeal upheld the action' },
  'appeal.overturned': { zh: '申诉成立（撤销）', en: 'Appeal overturned the action' },
  'profile.created': { zh: '新建档案', en: 'Profile created' },
  'profile.updated': { zh: '修改档案', en: 'Profile changed' },
  'profile.pin_changed': { zh: '修改 PIN', en: 'PIN changed' },
  'profile.removed': { zh: '删除档案', en: 'Profile removed' },
  'profile.locked': { zh: '档案被锁定', en: 'Profile locked' },
  'profile.unlocked': { zh: '档案解锁', en: 'Profile unlocked' },
  'profile.signed_in': { zh: '切换档案', en: 'Signed in' },
  'triggers.updated': { zh: '修改关怀阈值', en: 'Care thresholds changed' },
  'plan.saved': { zh: '保存关怀计划', en: 'Care plan saved' },
  'plan.removed': { zh: '删除关怀计划', en: 'Care plan removed' },
  'data.exported': { zh: '导出个人数据', en: 'Personal data exported' },
  'ledger.period_closed': { zh: '月结', en: 'Month closed' },
  'settlement.settings': { zh: '修改结算规则', en: 'Settlement rules changed' },
  'withdrawal.requested': { zh: '申请提现', en: 'Withdrawal requested' },
  'withdrawal.approved': { zh: '批准提现', en: 'Withdrawal approved' },
  'withdrawal.rejected': { zh: '驳回提现', en: 'Withdrawal rejected' },
  'payout.batch_created': { zh: '生成打款批次', en: 'Payout batch created' },
  'payout.batch_exported': { zh: '导出打款文件', en: 'Payout file exported' },
  'payout.batch_marked': { zh: '登记打款结果', en: 'Payout result recorded' },
  'record.created': { zh: '新建记录', en: 'Record created' },
  'record.changed': { zh: '修改记录', en: 'Record changed' },
  'record.deleted': { zh: '删除记录', en: 'Record deleted' },
  'records.imported': { zh: '导入记录', en: 'Records imported' },
  'customers.bulk': { zh: '批量修改客户', en: 'Customers changed in bulk' },
  'customers.merged': { zh: '合并重复客户', en: 'Duplicate customers merged' },
  'customers.unmerged': { zh: '撤销客户合并', en: 'Customer merge undone' },
  'members.handover': { zh: '会员交接', en: 'Member hand-over' },
}

export const KIT_SECTION_KINDS = ['role', 'brand', 'products', 'income', 'scripts', 'first_week', 'faq', 'custom'] as const
export type KitSectionKind = (typeof KIT_SECTION_KINDS)[number]
export const KIT_SECTION_LABELS: Record<KitSectionKind, { zh: string; en: string }> = {
  role: { zh: '角色定位', en: 'Your role in the team' },
  brand: { zh: '品牌故事与背书', en: 'Brand story and credentials' },
  products: { zh: '产品介绍', en: 'Products' },
  income: { zh: '收入模型', en: 'Income model' },
  scripts: { zh: '第一周话术', en: 'Scripts for the first week' },
  first_week: { zh: '第一周计划', en: 'First-week plan' },
  faq: { zh: '常见问题', en: 'FAQ' },
  custom: { zh: '其他', en: 'Other' },
}
/** HTML the kit editor may store; everything else is removed on save. */
export const KIT_ALLOWED_TAGS = ['h2', 'h3', 'p', 'strong', 'em', 'ul', 'ol', 'li', 'blockquote', 'br'] as const

/** Variables a care script or kit section may use, e.g. 「{{member}}，欢迎加入{{studio}}」. */
export const TEMPLATE_VARIABLES = ['member', 'mentor', 'group', 'studio', 'inviteCode', 'inviteUrl', 'day', 'topic', 'operator', 'product'] as const

// ================================================================ profiles and the session

export const Pin = z.string().regex(/^\d{4,8}$/, 'PIN 为 4–8 位数字 / PIN: 4–8 digits')

export const Profile = z.object({
  id: Id,
  name: z.string(),
  role: ProfileRole,
  /** The profile the workstation starts on (least privilege: an operator unless a manager chose otherwise). */
  isDefault: z.boolean(),
  /** Wrong PINs since the last successful sign-in. */
  failedAttempts: z.number().int(),
  /** Set while locked after too many wrong PINs. */
  lockedUntil: IsoTime.nullable(),
  lastSignInAt: IsoTime.nullable(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
})
export type Profile = z.infer<typeof Profile>

export const SessionInfo = z.object({
  profileId: Id.nullable(),
  role: ActorRole.nullable(),
  name: z.string().nullable(),
  /** What this role may do, so the console can hide what the core would refuse anyway. */
  permissions: z.array(z.string()),
  /** Whether customers' phones and addresses are shown in full for this role. */
  seesContacts: z.boolean(),
  /** No profile exists yet: the first one created must be a manager, and needs no sign-in. */
  setupNeeded: z.boolean(),
})
export type SessionInfo = z.infer<typeof SessionInfo>

export const ProfileInput = z.object({
  name: z.string().trim().min(1, '名称不能为空 / name is required').max(30),
  role: ProfileRole,
  pin: Pin,
  isDefault: z.boolean().default(false),
})
export const ProfilePatch = z.object({
  name: z.string().trim().min(1).max(30).optional(),
  role: ProfileRole.optional(),
  isDefault: z.boolean().optional(),
})

// ================================================================ care plans and tasks

export const CareStep = z.object({
  id: Id,
  /** Days after the trigger (0 = the same day). */
  offsetDays: z.number().int().min(0).max(365),
  /** Day 0: hours after the trigger (1 = "within the hour"). Later days: hours after 10:00 studio time, when the step falls due. */
  offsetHours: z.number().int().min(0).max(23),
  channel: z.enum(CARE_CHANNELS),
  ownerKind: z.enum(CARE_STEP_OWNER_KINDS),
  purpose: z.enum(CARE_PURPOSES),
  title: z.string(),
  /** Script with {{variables}} (TEMPLATE_VARIABLES), rendered into each task. */
  script: z.string(),
})
export type CareStep = z.infer<typeof CareStep>
export const CareStepInput = CareStep.extend({
  id: Id.optional(),
  offsetHours: z.number().int().min(0).max(23).default(0),
  title: z.string().trim().min(1, '步骤标题不能为空 / step title is required').max(60),
  script: z.string().max(2000).default(''),
})

export const CarePlan = z.object({
  id: Id,
  name: z.string(),
  description: z.string(),
  trigger: z.enum(CARE_TRIGGERS),
  active: z.boolean(),
  /** Shipped with Orchard (can be edited and deactivated, not removed). */
  builtIn: z.boolean(),
  steps: z.array(CareStep),
  createdAt: IsoTime,
  updatedAt: IsoTime,
})
export type CarePlan = z.infer<typeof CarePlan>
export const CarePlanInput = z.object({
  id: Id.optional(),
  name: z.string().trim().min(1, '计划名称不能为空 / plan name is required').max(60),
  description: z.string().max(500).default(''),
  trigger: z.enum(CARE_TRIGGERS),
  active: z.boolean().default(true),
  steps: z.array(CareStepInput).min(1, '至少一个步骤 / at least one step').max(60),
})

/** The editable thresholds of the data-driven triggers. */
export const CareTriggerSettings = z.object({
  /** A member not in any group this long after joining (minutes). */
  notInGroupMinutes: z.number().int().min(5).max(7 * 24 * 60),
  /** An activity drop: no sale for this many days… */
  quietSaleDays: z.number().int().min(1).max(180),
  /** …or no share (nor 晒单) for this many days. A spell older than 30 days is dormancy, not a drop: it is not planned for. */
  quietShareDays: z.number().int().min(1).max(180),
  /** Days averaged when watching a group's temperature. */
  groupAverageDays: z.number().int().min(1).max(14),
  /** A group is cooling when its average falls by at least this many points against the days before… */
  groupDropPoints: z.number().min(1).max(100),
  /** …or when its average is below this score. */
  groupFloorScore: z.number().min(0).max(100),
  /** A mentor needs at least this many apprentices before "all quiet" means anything. */
  apprenticesMin: z.number().int().min(1).max(50),
  /** Tasks that fell due more than this many days ago are not created after the fact (missed care stays missed). */
  lookbackDays: z.number().int().min(0).max(60),
  /** Tasks are planned this many days ahead, so the calendar shows the coming days. */
  horizonDays: z.number().int().min(0).max(30),
})
export type CareTriggerSettings = z.infer<typeof CareTriggerSettings>

export const CareTask = z.object({
  id: Id,
  planId: Id,
  planName: z.string(),
  stepId: Id,
  trigger: z.enum(CARE_TASK_TRIGGERS),
  /** The member cared for; null for a group's task (group_cooling) and a customer's follow-up. */
  memberId: Id.nullable(),
  memberName: z.string().nullable(),
  groupId: Id.nullable(),
  groupName: z.string().nullable(),
  /** The customer a follow-up task is about. */
  customerId: Id.nullable(),
  customerName: z.string().nullable(),
  ownerKind: z.enum(CARE_OWNER_KINDS),
  /** A mentor's or owning member's member id, or an operator's / trainer's / manager's profile id; null when nobody fits yet. */
  ownerId: Id.nullable(),
  ownerName: z.string().nullable(),
  channel: z.enum(CARE_CHANNELS),
  purpose: z.enum(CARE_PURPOSES),
  title: z.string(),
  /** The script with the variables filled in. */
  script: z.string(),
  dueAt: IsoTime,
  /** dueAt's day in the studio's time zone. */
  dueDay: Day,
  status: z.enum(CARE_TASK_STATUSES),
  /** Still open after its due day (relative to the calendar day asked for). */
  overdue: z.boolean(),
  note: z.string(),
  doneAt: IsoTime.nullable(),
  doneBy: z.string().nullable(),
  createdAt: IsoTime,
})
export type CareTask = z.infer<typeof CareTask>

export const CalendarQuery = z.object({
  /** The day in the studio's time zone; today when omitted. */
  date: Day.optional(),
  /** A mentor's member id or a profile id. */
  ownerId: Id.optional(),
  ownerKind: z.enum(CARE_OWNER_KINDS).optional(),
  status: z.array(z.enum(CARE_TASK_STATUSES)).optional(),
  memberId: Id.optional(),
  /** Also list tasks still open from the 14 days before (default true); older ones count as missed. */
  includeOverdue: z.boolean().default(true),
  offset: Paging.offset,
  limit: z.number().int().min(1).max(2000).default(200),
})
export const CalendarOwner = z.object({
  ownerKind: z.enum(CARE_OWNER_KINDS),
  ownerId: Id.nullable(),
  ownerName: z.string().nullable(),
  total: z.number().int(),
  open: z.number().int(),
  done: z.number().int(),
  skipped: z.number().int(),
  overdue: z.number().int(),
})
export const CareCalendar = z.object({
  date: Day,
  /** Overdue first (oldest first), then the day's tasks by due time. */
  rows: z.array(CareTask),
  /** Rows matching the filters (before paging). */
  total: z.number().int(),
  counts: z.object({ total: z.number().int(), open: z.number().int(), done: z.number().int(), skipped: z.number().int(), overdue: z.number().int() }),
  /**
   * Per operator and per mentor, for the day (filters other than the owner applied):
   * every operator and trainer, then the mentors with the most overdue and open tasks, at most 100 in all.
   */
  owners: z.array(CalendarOwner),
  /** How many owners have tasks in the day (the list above may be cut). */
  ownerCount: z.number().int(),
})
export type CareCalendar = z.infer<typeof CareCalendar>

export const PlanResult = z.object({
  created: z.number().int(),
  /** Occurrences found per trigger this run (whether or not their tasks already existed). */
  occurrences: z.record(z.string(), z.number().int()),
  from: Day,
  through: Day,
  durationMs: z.number(),
})

// ================================================================ member events and the timeline

export const MemberEvent = z.object({
  id: Id,
  memberId: Id,
  memberName: z.string(),
  type: z.enum(MEMBER_EVENT_TYPES),
  occurredAt: IsoTime,
  note: z.string(),
  /** Who logged it ('import', 'demo' or a profile's name). */
  source: z.string(),
  recordedBy: z.string().nullable(),
  createdAt: IsoTime,
})
export type MemberEvent = z.infer<typeof MemberEvent>
export const MemberEventInput = z.object({
  memberId: Id,
  type: z.enum(MEMBER_EVENT_TYPES),
  /** When it happened; now when omitted. */
  occurredAt: IsoTime.optional(),
  note: z.string().trim().max(500).default(''),
})
export const MemberEventQuery = z.object({
  memberId: Id.optional(),
  types: z.array(z.enum(MEMBER_EVENT_TYPES)).optional(),
  from: Day.optional(),
  to: Day.optional(),
  ...Paging,
})

export const TIMELINE_KINDS = ['joined', 'group', 'care', 'sale', 'event', 'action', 'appeal'] as const
export const TimelineEntry = z.object({
  at: IsoTime,
  kind: z.enum(TIMELINE_KINDS),
  /** For 'event': the member event type; for 'care': the task status; for 'action'/'appeal': the status. */
  subtype: z.string().nullable(),
  title: z.string(),
  detail: z.string(),
  refId: Id.nullable(),
  amountFen: Fen.nullable(),
})
export type TimelineEntry = z.infer<typeof TimelineEntry>
export const MemberTimeline = z.object({
  member: z.object({
    id: Id,
    name: z.string(),
    mentorName: z.string().nullable(),
    joinDate: Day,
    status: z.string(),
    groups: z.array(z.object({ id: Id, name: z.string() })),
    lastSaleAt: IsoTime.nullable(),
    lastShareAt: IsoTime.nullable(),
    points: z.number().int(),
  }),
  /** Newest first. */
  entries: z.array(TimelineEntry),
  total: z.number().int(),
})

export const ActivityImportResult = z.object({
  fileName: z.string(),
  committed: z.boolean(),
  rows: z.number().int(),
  /** Group-days (temperature) or events written. */
  written: z.number().int(),
  /** Where each problem is in the file (all-or-nothing: nothing was written when any exists). */
  errors: z.array(RowError),
  errorCount: z.number().int(),
})

// ================================================================ group temperature

export const RitualCounts = z.object({
  morning: z.number().int().min(0).max(1000),
  night: z.number().int().min(0).max(1000),
  training: z.number().int().min(0).max(1000),
  goal: z.number().int().min(0).max(1000),
  red_envelope: z.number().int().min(0).max(1000),
  showcase: z.number().int().min(0).max(1000),
  replies: z.number().int().min(0).max(100000),
})
export type RitualCounts = z.infer<typeof RitualCounts>
export const TemperatureDay = z.object({
  groupId: Id,
  day: Day,
  counts: RitualCounts,
  /** 0–100: rituals up to 70 points, replies up to 30. */
  score: z.number(),
  source: z.enum(['manual', 'import', 'demo']),
  updatedAt: IsoTime,
})
export type TemperatureDay = z.infer<typeof TemperatureDay>
export const TemperatureSeries = z.object({
  group: z.object({ id: Id, name: z.string(), ownerName: z.string().nullable() }),
  from: Day,
  to: Day,
  /** One entry per day of the range; days nothing was logged score 0 with `logged: false`. */
  days: z.array(TemperatureDay.extend({ logged: z.boolean() })),
  /** The trailing average (CareTriggerSettings.groupAverageDays) per day. */
  average: z.array(z.object({ day: Day, score: z.number() })),
})
export const TemperatureRank = z.object({
  groupId: Id,
  name: z.string(),
  ownerName: z.string().nullable(),
  memberCount: z.number().int(),
  /** Average over the last `groupAverageDays` ending on the day asked for. */
  score: z.number(),
  /** Average of the days before those. */
  previous: z.number(),
  change: z.number(),
  cooling: z.boolean(),
  /** The last 14 days' scores, oldest first (sparkline). */
  trend: z.array(z.number()),
  /** The day the averages end on (yesterday, the last complete day, unless another was asked for). */
  asOf: Day,
  /** Whether anything was logged for this group in the averaged days (unlogged groups rank last: unknown, not cold). */
  logged: z.boolean(),
})
export type TemperatureRank = z.infer<typeof TemperatureRank>

// ================================================================ rules, actions, appeals

export const RuleAction = z.object({
  kind: z.enum(RULE_ACTION_KINDS),
  /** points: ± points; 0 otherwise. */
  points: z.number().int(),
  /** penalty / bonus: fen (> 0); 0 otherwise. */
  amountFen: Fen,
  /** suspension: days; 0 otherwise. */
  days: z.number().int(),
})
export type RuleActionSpec = z.infer<typeof RuleAction>

export const Rule = z.object({
  id: Id,
  name: z.string(),
  description: z.string(),
  eventType: z.enum(MEMBER_EVENT_TYPES),
  /** N: how many events… */
  threshold: z.number().int().min(1),
  /** …within this many days. */
  windowDays: z.number().int().min(1),
  action: RuleAction,
  active: z.boolean(),
  /** Events before this day never count (a rule is not applied retroactively). */
  effectiveFrom: Day,
  /** Increases with every change; proposals record the version they came from. */
  version: z.number().int(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
  proposedCount: z.number().int(),
})
export type Rule = z.infer<typeof Rule>
export const RuleInput = z.object({
  name: z.string().trim().min(1, '规则名称不能为空 / rule name is required').max(60),
  description: z.string().trim().max(500).default(''),
  eventType: z.enum(RULE_EVENT_TYPES),
  threshold: z.number().int().min(1, '次数至少为 1 / at least 1').max(100),
  windowDays: z.number().int().min(1, '窗口至少 1 天 / at least 1 day').max(365),
  action: z.object({
    kind: z.enum(RULE_ACTION_KINDS),
    points: z.number().int().min(-10000).max(10000).default(0),
    amountFen: Fen.min(0).max(10_000_000).default(0),
    days: z.number().int().min(0).max(365).default(0),
  }),
  active: z.boolean().default(true),
  effectiveFrom: Day.optional(),
})
export type RuleInput = z.input<typeof RuleInput>

export const ProposedAction = z.object({
  id: Id,
  ruleId: Id,
  ruleName: z.string(),
  ruleVersion: z.number().int(),
  memberId: Id,
  memberName: z.string(),
  action: RuleAction,
  /** Human summary: what happened, how often, and what is proposed. */
  reason: z.string(),
  eventCount: z.number().int(),
  windowFrom: IsoTime,
  windowTo: IsoTime,
  status: z.enum(ACTION_STATUSES),
  proposedAt: IsoTime,
  decidedAt: IsoTime.nullable(),
  decidedBy: z.string().nullable(),
  decisionReason: z.string().nullable(),
  /** Set when an appeal overturned an approved action. */
  overturnedAt: IsoTime.nullable(),
  openAppeal: z.boolean(),
})
export type ProposedAction = z.infer<typeof ProposedAction>
export const ActionQuery = z.object({
  status: z.array(z.enum(ACTION_STATUSES)).optional(),
  memberId: Id.optional(),
  ruleId: Id.optional(),
  ...Paging,
})
export const Appeal = z.object({
  id: Id,
  actionId: Id,
  memberId: Id,
  memberName: z.string(),
  ruleName: z.string(),
  action: RuleAction,
  reason: z.string(),
  filedAt: IsoTime,
  filedBy: z.string().nullable(),
  status: z.enum(APPEAL_STATUSES),
  decidedAt: IsoTime.nullable(),
  decidedBy: z.string().nullable(),
  decisionReason: z.string().nullable(),
})
export type Appeal = z.infer<typeof Appeal>

export const ActionDetail = z.object({
  action: ProposedAction,
  events: z.array(MemberEvent),
  appeals: z.array(Appeal),
})
export const Decision = z.object({
  ids: z.array(Id).min(1).max(500),
  reason: z.string().trim().min(1, '请填写理由 / a reason is required').max(500),
})
export const DecisionResult = z.object({ updated: z.array(ProposedAction) })


export const EvaluationResult = z.object({
  proposed: z.number().int(),
  actions: z.array(ProposedAction),
  rulesEvaluated: z.number().int(),
  eventsScanned: z.number().int(),
  durationMs: z.number(),
})
export type EvaluationResult = z.infer<typeof EvaluationResult>

// ================================================================ audit

export const AuditRecord = z.object({
  id: Id,
  seq: z.number().int(),
  at: IsoTime,
  actorId: Id.nullable(),
  actorName: z.string(),
  actorRole: ActorRole,
  kind: z.enum(AUDIT_KINDS),
  entity: z.string(),
  entityId: Id.nullable(),
  summary: z.string(),
  before: z.unknown().nullable(),
  after: z.unknown().nullable(),
  prevHash: z.string(),
  /** The workstation that made the record (null on records from before it was kept). */
  workstation: z.string().nullable(),
  hash: z.string(),
})
export type AuditRecord = z.infer<typeof AuditRecord>
export const AuditQuery = z.object({
  from: Day.optional(),
  to: Day.optional(),
  kinds: z.array(z.enum(AUDIT_KINDS)).optional(),
  actorId: Id.optional(),
  entityId: Id.optional(),
  ...Paging,
})
export const AuditVerification = z.object({
  intact: z.boolean(),
  records: z.number().int(),
  /** The first record whose hash or link does not match; null when the chain is intact. */
  firstBroken: z
    .object({
      id: z.string(),
      seq: z.number().int(),
      reason: z.enum(['hash_mismatch', 'link_mismatch', 'sequence_gap', 'head_mismatch']),
      expected: z.string(),
      actual: z.string(),
      message: z.string(),
    })
    .nullable(),
  headHash: z.string().nullable(),
  checkedAt: IsoTime,
  durationMs: z.number(),
})
export type AuditVerification = z.infer<typeof AuditVerification>
/** The team's audit as the team server verified it, with where this workstation's own chain stands. */
export const TeamAuditResult = TeamAuditVerification.extend({
  here: z.object({
    workstationId: z.string(),
    /** Records of this workstation's chain, and how many of them the server holds. */
    records: z.number().int(),
    pushed: z.number().int(),
    /** The last push the server refused (the chain it holds and this one part ways), with its reason; null when none. */
    refused: z.object({ at: z.string(), message: z.string(), details: z.unknown() }).nullable(),
  }),
})
export type TeamAuditResult = z.infer<typeof TeamAuditResult>
export const AuditExportInput = z.object({
  from: Day,
  to: Day,
  format: z.enum(['csv', 'pdf']),
  /** Where to write; the data folder's exports/ when omitted (browser mode then downloads it). */
  path: WritePath.optional(),
})
export const FileResult = z.object({ path: z.string(), fileName: z.string(), rows: z.number().int() })

// ================================================================ onboarding kits

export const KitSection = z.object({
  id: Id,
  kind: z.enum(KIT_SECTION_KINDS),
  title: z.string(),
  /** Sanitised HTML (KIT_ALLOWED_TAGS) with {{variables}}. */
  html: z.string(),
})
export type KitSection = z.infer<typeof KitSection>
export const KitTemplate = z.object({
  id: Id,
  name: z.string(),
  description: z.string(),
  isDefault: z.boolean(),
  sections: z.array(KitSection),
  updatedAt: IsoTime,
  updatedBy: z.string().nullable(),
})
export type KitTemplate = z.infer<typeof KitTemplate>
export const KitTemplateSummary = KitTemplate.omit({ sections: true }).extend({ sectionCount: z.number().int() })
export const KitTemplateInput = z.object({
  id: Id.optional(),
  name: z.string().trim().min(1, '模板名称不能为空 / name is required').max(60),
  description: z.string().max(500).default(''),
  isDefault: z.boolean().default(false),
  sections: z
    .array(
      z.object({
        id: Id.optional(),
        kind: z.enum(KIT_SECTION_KINDS),
        title: z.string().trim().min(1, '章节标题不能为空 / section title is required').max(40),
        html: z.string().max(200_000),
      }),
    )
    .min(1)
    .max(30),
})
export const KitGenerateInput = z.object({
  /** The default kit template when omitted. */
  templateId: Id.optional(),
  memberIds: z.array(Id).min(1).max(500),
  /** A folder; the data folder's exports/kits-<time>/ when omitted. */
  outDir: WriteFolder.optional(),
  /** Include the member's posters (default true). */
  posters: z.boolean().default(true),
  /** Lets the console follow progress events (job.progress) of this run. */
  jobId: z.string().optional(),
})
export const GeneratedKit = z.object({
  memberId: Id,
  memberName: z.string(),
  zipPath: z.string(),
  pdfPath: z.string(),
  fileName: z.string(),
  pages: z.number().int(),
  posters: z.number().int(),
  scripts: z.number().int(),
})
export const KitGenerateResult = z.object({
  outDir: z.string(),
  kits: z.array(GeneratedKit),
  /** Why posters are missing, when they are (e.g. the poster engine is unavailable). */
  warnings: z.array(z.string()),
  durationMs: z.number(),
})
export type KitGenerateResult = z.infer<typeof KitGenerateResult>

// ================================================================ overview (dashboard card)

export const LifecycleOverview = z.object({
  date: Day,
  tasksToday: z.number().int(),
  tasksOpen: z.number().int(),
  tasksOverdue: z.number().int(),
  actionsAwaiting: z.number().int(),
  appealsOpen: z.number().int(),
  coldGroups: z.number().int(),
  newMembers7d: z.number().int(),
  membersOutsideGroups: z.number().int(),
  auditIntact: z.boolean(),
})

// ================================================================ the contract

export const lifecycleContract = {
  profiles: {
    /** Who is at the keyboard, with what the role may do. */
    session: query(Empty, SessionInfo),
    list: query(Empty, z.array(Profile)),
    /**
     * Switch to a profile with its PIN. Wrong PIN: OrchardError 'pin_wrong' {attemptsLeft};
     * locked: 'profile_locked' {lockedUntil}. 5 wrong PINs lock the profile for 5 minutes.
     */
    switch: command(z.object({ profileId: Id, pin: z.string().max(16) }), SessionInfo),
    /** Back to the workstation's default profile (no PIN needed: it is the least privileged). */
    signOut: command(Empty, SessionInfo),
    /** Managers only — except the very first profile of a workstation, which must be a manager. */
    create: command(ProfileInput, Profile),
    update: command(z.object({ id: Id, patch: ProfilePatch }), Profile),
    /** Managers set anyone's PIN; a profile may change its own with its current PIN. */
    setPin: command(z.object({ id: Id, pin: Pin, currentPin: z.string().max(16).optional() }), Ok),
    unlock: command(ById, Profile),
    remove: command(ById, Ok),
  },
  care: {
    plans: query(Empty, z.array(CarePlan)),
    /** Create (no id) or replace a plan. Managers and trainers. */
    savePlan: command(CarePlanInput, CarePlan),
    removePlan: command(ById, Ok),
    triggers: query(Empty, CareTriggerSettings),
    updateTriggers: command(CareTriggerSettings.partial(), CareTriggerSettings),
    /** Find trigger occurrences and create their tasks (idempotent; also runs hourly on its own). */
    plan: command(z.object({ asOf: IsoTime.optional() }).default({}), PlanResult),
    calendar: query(CalendarQuery, CareCalendar),
    task: query(ById, CareTask),
    /** Mark tasks done or skipped, with a note (bulk). */
    complete: command(
      z.object({ ids: z.array(Id).min(1).max(1000), status: z.enum(['done', 'skipped']), note: z.string().trim().max(500).default('') }),
      z.object({ updated: z.number().int() }),
    ),
    reopen: command(z.object({ ids: z.array(Id).min(1).max(1000) }), z.object({ updated: z.number().int() })),
    timeline: query(z.object({ memberId: Id, limit: z.number().int().min(1).max(2000).default(300) }), MemberTimeline),
    events: query(MemberEventQuery, Page(MemberEvent)),
    /** Log a share, 晒单, training attendance, a report… Rules are evaluated for that member right after. */
    logEvent: command(MemberEventInput, z.object({ event: MemberEvent, proposed: z.array(ProposedAction) })),
    removeEvent: command(ById, Ok),
    /** CSV of member events (member invite code or name, type, time, note); all-or-nothing. */
    importEvents: command(z.object({ path: ReadPath }), ActivityImportResult),
    overview: query(z.object({ date: Day.optional() }).default({}), LifecycleOverview),
  },
  temperature: {
    ranking: query(z.object({ date: Day.optional(), limit: z.number().int().min(1).max(500).default(100) }).default({ limit: 100 }), z.array(TemperatureRank)),
    series: query(z.object({ groupId: Id, from: Day.optional(), to: Day.optional() }), TemperatureSeries),
    /** Enter (or correct) a group's rituals and activity for one day. */
    log: command(z.object({ groupId: Id, day: Day, counts: RitualCounts }), TemperatureDay),
    /** CSV activity log (date, group, ritual, count); the file's group-days replace what was logged; all-or-nothing. */
    importCsv: command(z.object({ path: ReadPath }), ActivityImportResult),
  },
  rules: {
    list: query(z.object({ includeArchived: z.boolean().default(false) }).default({ includeArchived: false }), z.array(Rule)),
    get: query(ById, Rule),
    create: command(RuleInput, Rule),
    update: command(z.object({ id: Id, patch: RuleInput.partial() }), Rule),
    /** Rules are never deleted (their proposals and the audit refer to them): archived. */
    archive: command(ById, Rule),
    /** Propose actions for every rule; nothing is proposed twice for the same events. */
    evaluate: command(z.object({ asOf: IsoTime.optional() }).default({}), EvaluationResult),
  },
  approvals: {
    list: query(ActionQuery, Page(ProposedAction)),
    get: query(ById, ActionDetail),
    approve: command(Decision, DecisionResult),
    reject: command(Decision, DecisionResult),
    /** Record a member's appeal against an approved action (any profile may record it). */
    appeal: command(z.object({ actionId: Id, reason: z.string().trim().min(1, '请填写申诉理由 / a reason is required').max(1000) }), Appeal),
    appeals: query(z.object({ status: z.array(z.enum(APPEAL_STATUSES)).optional(), memberId: Id.optional() }).default({}), z.array(Appeal)),
    decideAppeal: command(
      z.object({ appealId: Id, decision: z.enum(['upheld', 'overturned']), reason: z.string().trim().min(1, '请填写理由 / a reason is required').max(1000) }),
      Appeal,
    ),
  },
  audit: {
    list: query(AuditQuery, Page(AuditRecord)),
    verify: query(Empty, AuditVerification),
    /** Every workstation's chain and the server's, verified together by the team server (an enrolled workstation). */
    verifyTeam: query(Empty, TeamAuditResult),
    export: command(AuditExportInput, FileResult),
  },
  kits: {
    templates: query(Empty, z.array(KitTemplateSummary)),
    get: query(ById, KitTemplate),
    /** Create (no id) or replace a template; section HTML is sanitised. Trainers and managers. */
    save: command(KitTemplateInput, KitTemplate),
    remove: command(ById, Ok),
    /** The kit PDF for one member (or a sample member), to look at before generating. */
    preview: command(z.object({ templateId: Id.optional(), memberId: Id.optional() }), FileResult.extend({ pages: z.number().int() })),
    generate: command(KitGenerateInput, KitGenerateResult),
  },
} as const

export const lifecycleEvents = {
  /** The profile at the keyboard changed (switch, sign-out, reseeded studio). */
  'session.changed': SessionInfo,
  /** Proposals awaiting approval and appeals awaiting a decision (for badges). */
  'approvals.pending': z.object({ actions: z.number().int(), appeals: z.number().int() }),
} as const
