import { bilingualHalf } from '@shared/bilingual'
import { useI18n } from 'vue-i18n'
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
import { ROLE_LABELS, type ActorRole } from '@shared/roles'
import { yuan } from '@/format/money'
import type { TagType } from '@/composables/recordLabels'

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

/** The lifecycle's words (src-shared/contracts/lifecycle) in the console's current language. */
export function useLifecycleVocab() {
  const { locale, t } = useI18n()
  const pick = (label: { zh: string; en: string }) => (locale.value === 'en-US' ? label.en : label.zh)
  const vocab = {
    pick,
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
    half: (text: string) => bilingualHalf(text, locale.value === 'en-US' ? 'en' : 'zh'),
    /** 扣除佣金 ¥50.00 · 暂停资格 7 天 · 积分 +20: what a rule proposes, in one line. */
    action: (a: RuleActionSpec) => {
      const name = pick(RULE_ACTION_LABELS[a.kind])
      if (a.kind === 'penalty' || a.kind === 'bonus') return `${name} ${yuan(a.amountFen)}`
      if (a.kind === 'suspension') return `${name} ${t('lifecycle.rules.days', { n: a.days })}`
      if (a.kind === 'points') return `${name} ${a.points > 0 ? '+' : ''}${a.points}`
      return name
    },
  }
  return vocab
}
