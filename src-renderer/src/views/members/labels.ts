import type { SelectOption } from 'naive-ui'
import { useI18n } from 'vue-i18n'
import type { Member } from '@shared/schemas'
import {
  MEMBER_LEVEL_LABELS,
  MEMBER_STATUS_LABELS,
  ORDER_STATUS_LABELS,
  REL_CLASS_LABELS,
  type MemberLevel,
  type MemberStatus,
  type OrderStatus,
  type RelClass,
} from '@shared/vocabulary'

type TagType = 'default' | 'success' | 'info' | 'warning' | 'error'

/** Tag colours carry meaning the same way on every record screen. */
export const LEVEL_TAG: Record<MemberLevel, TagType> = { 1: 'default', 2: 'info', 3: 'warning' }
export const MEMBER_STATUS_TAG: Record<MemberStatus, TagType> = { active: 'success', paused: 'warning', left: 'default' }
export const ORDER_STATUS_TAG: Record<OrderStatus, TagType> = {
  pending: 'default',
  paid: 'success',
  partially_refunded: 'warning',
  refunded: 'error',
  cancelled: 'default',
}
export const REL_CLASS_TAG: Record<RelClass, TagType> = { A: 'success', B: 'info', C: 'default' }

/** The studio's words (src-shared/vocabulary) in the console's current language. */
export function useVocabulary() {
  const { locale } = useI18n()
  const pick = (l: { zh: string; en: string }) => (locale.value === 'en-US' ? l.en : l.zh)
  return {
    pick,
    level: (level: MemberLevel) => pick(MEMBER_LEVEL_LABELS[level]),
    memberStatus: (status: MemberStatus) => pick(MEMBER_STATUS_LABELS[status]),
    orderStatus: (status: OrderStatus) => pick(ORDER_STATUS_LABELS[status]),
    relClass: (c: RelClass) => pick(REL_CLASS_LABELS[c]),
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
