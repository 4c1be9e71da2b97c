import { createEvents, type EventAttributes } from 'ics'
import { OrchardError } from '../../../src-shared/errors'
import { addDays, instantOf } from '../../../src-shared/time'

/** The three daily peaks of the feed (editable in settings) and the evening-before preview. */
export const DEFAULT_PEAKS = [
  { label: '早高峰', from: '07:00', to: '09:00' },
  { label: '午间', from: '12:00', to: '13:00' },
  { label: '晚高峰', from: '19:00', to: '21:00' },
]
const PREVIEW = { label: '产品预告（前一晚）', at: '21:00' }

export interface ScheduleItem {
  key: string
  /** Local wall-clock start and end, YYYY-MM-DD HH:mm in the studio's zone. */
  day: string
  from: string
  to: string
  title: string
  what: string
}

const previousDay = (date: string) => addDays(date, -1)

/** The day's plan for one member: yesterday evening's preview, then one product post per peak, in turn. */
export function planDay(date: string, products: { name: string }[], peaks = DEFAULT_PEAKS): ScheduleItem[] {
  const items: ScheduleItem[] = [
    {
      key: 'preview',
      day: previousDay(date),
      from: PREVIEW.at,
      to: '21:30',
      title: PREVIEW.label,
      what: `发朋友圈预告明天的 ${products.length} 款好物：${products.map((p) => p.name).join('、')}`,
    },
  ]
  peaks.forEach((peak, i) => {
    const share = products.filter((_, n) => n % peaks.length === i)
    items.push({
      key: `peak-${i + 1}`,
      day: date,
      from: peak.from,
      to: peak.to,
      // The time is the slot's own (from, to): the title names the peak only, so no list says it twice.
      title: peak.label,
      what: share.length ? `发九宫格海报和文案：${share.map((p) => p.name).join('、')}；群里发团购文案` : '群里互动、回复咨询、晒单',
    })
  })
  return items
}

/** A readable checklist to tick off by hand (Orchard never drives a WeChat client). */
export function checklist(member: string, date: string, items: ScheduleItem[]): string {
  const lines = [`# ${member} 的素材包 · ${date}`, '', '按时间复制文案、保存海报，手动发布后在这里打勾。', '']
  for (const it of items) lines.push(`- [ ] ${it.day} ${it.from}–${it.to}\u3000${it.title}`, `      ${it.what}`)
  lines.push('', '提醒：不要使用自动群发或外挂工具，以免封号。')
  return lines.join('\n') + '\n'
}

/**
 * The same plan as an .ics calendar. The times are the studio's wall clock (its time zone),
 * written as UTC instants: a phone or laptop set to any zone shows them at the right moment,
 * and no machine's own zone can shift them while the file is made.
 */
export function calendar(member: string, items: ScheduleItem[], zone: string): string {
  const at = (day: string, hm: string): number => instantOf(zone, day, hm)
  const events: EventAttributes[] = items.map((it) => ({
    uid: `${it.day}-${it.key}-${member}@orchard`,
    title: it.title,
    description: it.what,
    start: at(it.day, it.from),
    startInputType: 'utc',
    startOutputType: 'utc',
    end: at(it.day, it.to),
    endInputType: 'utc',
    endOutputType: 'utc',
    alarms: [{ action: 'display', description: it.title, trigger: { minutes: 10, before: true } }],
  }))
  const { error, value } = createEvents(events)
  if (error || !value) throw new OrchardError('calendar_failed', `无法生成日程 / could not write the calendar: ${error?.message ?? 'empty'}`)
  return value
}
