import { dayOf, studioTimeZone } from '@/components/money'

/**
 * Calendar days as the studio counts them (YYYY-MM-DD in its time zone). Arithmetic
 * happens at UTC noon, so no daylight-saving shift can move a day across midnight.
 */
const DAY_MS = 86_400_000
const noon = (day: string) => Date.parse(`${day}T12:00:00Z`)
const fromNoon = (ms: number) => new Date(ms).toISOString().slice(0, 10)

export function studioToday(): string {
  return dayOf(Date.now())
}

export function addDays(day: string, n: number): string {
  return fromNoon(noon(day) + n * DAY_MS)
}

export function daysBetween(from: string, to: string): number {
  return Math.round((noon(to) - noon(from)) / DAY_MS)
}

/** 0 = Monday … 6 = Sunday: Chinese calendars start the week on Monday. */
export function weekdayOf(day: string): number {
  return (new Date(noon(day)).getUTCDay() + 6) % 7
}

export function weekStart(day: string): string {
  return addDays(day, -weekdayOf(day))
}

export function monthStart(day: string): string {
  return `${day.slice(0, 7)}-01`
}

export function monthLength(day: string): number {
  const [y, m] = day.split('-').map(Number)
  return new Date(Date.UTC(y, m, 0)).getUTCDate()
}

/** The days a date picker's value stands for, and back (the picker works in local midnight timestamps). */
export function pickerValue(day: string): number {
  const [y, m, d] = day.split('-').map(Number)
  return new Date(y, m - 1, d).getTime()
}
export function pickedDay(ms: number): string {
  const d = new Date(ms)
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

const timeFormatters = new Map<string, Intl.DateTimeFormat>()
/** 09:30 in the studio's time zone. */
export function formatTime(iso: string): string {
  const zone = studioTimeZone.value
  let f = timeFormatters.get(zone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    timeFormatters.set(zone, f)
  }
  return f.format(new Date(iso))
}
