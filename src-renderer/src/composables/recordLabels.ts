import type { SelectOption } from 'naive-ui'
import { useI18n } from 'vue-i18n'
import type { Member } from '@shared/schemas'
import {
  ACTION_STATUS_LABELS,
  APPEAL_STATUS_LABELS,
  AUDIT_KIND_LABELS,
  CARE_CHANNEL_LABELS,
  CARE_OWNER_LABELS,
  CARE_PURPOSE_LABELS,
  CARE_TASK_STATUS_LABELS,
  CARE_TRIGGER_LABELS,
  KIT_SECTION_LABELS,
  MEMBER_EVENT_LABELS,
  RITUAL_LABELS,
  RULE_ACTION_LABELS,
  type ActionStatus,
  type AppealStatus,
  type AuditKind,
  type CareChannel,
  type CareOwnerKind,
  type CarePurpose,
  type CareTaskStatus,
  type CareTaskTrigger,
  type KitSectionKind,
  type MemberEventType,
  type RitualKind,
  type RuleActionKind,
  type RuleActionSpec,
} from '@shared/contracts/lifecycle'
import type { QrState } from '@shared/materials/rules'
import { ROLE_LABELS, type ActorRole } from '@shared/roles'
import {
  MEMBER_LEVEL_LABELS,
  MEMBER_STATUS_LABELS,
  ORDER_STATUS_LABELS,
  REL_CLASS_LABELS,
  RFM_LABELS,
  SEGMENT_LABELS,
  type MemberLevel,
  type MemberStatus,
  type OrderStatus,
  type RelClass,
  type RfmSegment,
  type Segment,
} from '@shared/vocabulary'
import { inReaderLanguage } from '@/format/bilingual'
import { yuan } from '@/format/money'

export type TagType = 'default' | 'success' | 'info' | 'warning' | 'error' | 'primary'

/** Colours carry meaning the same way on every screen: A is the warmest relationship. */
export const REL_CLASS_TAG: Record<RelClass, TagType> = { A: 'success', B: 'info', C: 'default' }

export const LEVEL_TAG: Record<MemberLevel, TagType> = { 1: 'default', 2: 'info', 3: 'warning' }
export const MEMBER_STATUS_TAG: Record<MemberStatus, TagType> = { active: 'success', paused: 'warning', left: 'default' }

export const ORDER_STATUS_TAG: Record<OrderStatus, TagType> = {
  pending: 'default',
  paid: 'success',
  partially_refunded: 'warning',
  refunded: 'error',
  cancelled: 'default',
}

/**
 * RFM cells grouped by what the studio should do about them: keep the champions
 * warm (green), grow the promising (blue), win back the slipping (orange), rescue
 * the big spenders at risk (red); the "general" half stays neutral.
 */
export const RFM_TAG: Record<RfmSegment, TagType> = {
  important_value: 'success',
  important_develop: 'info',
  important_keep: 'warning',
  important_retain: 'error',
  general_value: 'default',
  general_develop: 'default',
  general_keep: 'default',
  general_retain: 'default',
}

/** The five things that keep a sapling alive, each in its own colour on every screen. */
export const PURPOSE_COLOR: Record<CarePurpose, string> = {
  light: '#E0A526',
  warmth: '#E2673F',
  water: '#3A8FD5',
  air: '#4DB6AC',
  nutrients: '#6FAE3A',
}

export const TASK_STATUS_TAG: Record<CareTaskStatus, TagType> = { open: 'warning', done: 'success', skipped: 'default' }
export const ACTION_STATUS_TAG: Record<ActionStatus, TagType> = { proposed: 'warning', approved: 'success', rejected: 'default' }
export const APPEAL_STATUS_TAG: Record<AppealStatus, TagType> = { open: 'warning', upheld: 'default', overturned: 'info' }
export const ROLE_TAG: Record<ActorRole, TagType> = { manager: 'error', trainer: 'info', operator: 'success', system: 'default' }
export const ACTION_KIND_TAG: Record<RuleActionKind, TagType> = { warning: 'warning', points: 'info', penalty: 'error', suspension: 'error', bonus: 'success' }
export const CONDUCT_TAG: Record<'activity' | 'penalty' | 'reward' | 'note', TagType> = { activity: 'info', penalty: 'error', reward: 'success', note: 'default' }

/** Ritual colours for the temperature chart: warm rituals warm, the daily greetings light. */
export const RITUAL_COLOR: Record<RitualKind, string> = {
  morning: '#F6C453',
  night: '#7E8CE0',
  training: '#3A8FD5',
  goal: '#4DB6AC',
  red_envelope: '#E2513F',
  showcase: '#E88BB4',
  replies: '#9AA3AE',
}

/** A group's QR code: still good (green), lapsing within the warning hours (orange), lapsed (red). */
export const QR_STATE_TAG: Record<QrState, TagType> = { valid: 'success', lapsing: 'warning', lapsed: 'error' }

/**
 * The studio's words (src-shared/vocabulary, the lifecycle's in src-shared/contracts/lifecycle,
 * roles in src-shared/roles) in the console's current language.
 */
export function useVocabulary() {
  const { locale, t } = useI18n()
  const pick = (label: { zh: string; en: string }) => (locale.value === 'en-US' ? label.en : label.zh)
  return {
    pick,
    relClass: (c: RelClass) => pick(REL_CLASS_LABELS[c]),
    segment: (s: Segment | null | undefined) => (s ? pick(SEGMENT_LABELS[s]) : null),
    rfm: (r: RfmSegment | null | undefined) => (r ? pick(RFM_LABELS[r]) : null),
    orderStatus: (s: OrderStatus) => pick(ORDER_STATUS_LABELS[s]),
    memberLevel: (l: MemberLevel) => pick(MEMBER_LEVEL_LABELS[l]),
    memberStatus: (s: MemberStatus) => pick(MEMBER_STATUS_LABELS[s]),
    purpose: (p: CarePurpose) => pick(CARE_PURPOSE_LABELS[p]),
    purposeHint: (p: CarePurpose) => CARE_PURPOSE_LABELS[p].hint.split(' / ')[locale.value === 'en-US' ? 1 : 0] ?? '',
    channel: (c: CareChannel) => pick(CARE_CHANNEL_LABELS[c]),
    ownerKind: (k: CareOwnerKind) => pick(CARE_OWNER_LABELS[k]),
    trigger: (k: CareTaskTrigger) => pick(CARE_TRIGGER_LABELS[k]),
    taskStatus: (s: CareTaskStatus) => pick(CARE_TASK_STATUS_LABELS[s]),
    eventType: (e: MemberEventType) => pick(MEMBER_EVENT_LABELS[e]),
    conduct: (e: MemberEventType) => MEMBER_EVENT_LABELS[e].conduct,
    ritual: (r: RitualKind) => pick(RITUAL_LABELS[r]),
    actionKind: (k: RuleActionKind) => pick(RULE_ACTION_LABELS[k]),
    actionStatus: (s: ActionStatus) => pick(ACTION_STATUS_LABELS[s]),
    appealStatus: (s: AppealStatus) => pick(APPEAL_STATUS_LABELS[s]),
    auditKind: (k: AuditKind) => pick(AUDIT_KIND_LABELS[k]),
    sectionKind: (k: KitSectionKind) => pick(KIT_SECTION_LABELS[k]),
    role: (r: ActorRole | null | undefined) => (r ? pick(ROLE_LABELS[r]) : '—'),
    /** The core writes messages as "中文 / English" (sometimes "…）/ English"): the half in the console's language. */
    half: inReaderLanguage,
    /** 扣除佣金 ¥50.00 · 暂停资格 7 天 · 积分 +20: what a rule proposes, in one line. */
    action: (a: RuleActionSpec) => {
      const name = pick(RULE_ACTION_LABELS[a.kind])
      if (a.kind === 'penalty' || a.kind === 'bonus') return `${name} ${yuan(a.amountFen)}`
      if (a.kind === 'suspension') return `${name} ${t('lifecycle.rules.days', { n: a.days })}`
      if (a.kind === 'points') return `${name} ${a.points > 0 ? '+' : ''}${a.points}`
      return name
    },
  }
}

/**
 * Options for picking a member: the name with the invite code, because studios often
 * have two members with the same name and everyone knows each other's codes.
 */
export function memberOptions(members: Member[], exclude: Set<string> = new Set()): SelectOption[] {
  return members
    .filter((m) => !exclude.has(m.id))
    .map((m) => ({ label: `${m.name} · ${m.inviteCode}`, value: m.id }))
    .sort((a, b) => String(a.label).localeCompare(String(b.label), 'zh-CN'))
}
