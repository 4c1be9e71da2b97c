import type { SelectOption } from 'naive-ui'
import { useI18n } from 'vue-i18n'
import type { Member } from '@shared/schemas'
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

/** The studio's words (src-shared/vocabulary) in the console's current language. */
export function useVocabulary() {
  const { locale } = useI18n()
  const pick = (label: { zh: string; en: string }) => (locale.value === 'en-US' ? label.en : label.zh)
  return {
    pick,
    relClass: (c: RelClass) => pick(REL_CLASS_LABELS[c]),
    segment: (s: Segment | null | undefined) => (s ? pick(SEGMENT_LABELS[s]) : null),
    rfm: (r: RfmSegment | null | undefined) => (r ? pick(RFM_LABELS[r]) : null),
    orderStatus: (s: OrderStatus) => pick(ORDER_STATUS_LABELS[s]),
    memberLevel: (l: MemberLevel) => pick(MEMBER_LEVEL_LABELS[l]),
    memberStatus: (s: MemberStatus) => pick(MEMBER_STATUS_LABELS[s]),
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
