import { ref } from 'vue'
import { addDays, dayIn, DEFAULT_TIME_ZONE, timeIn, wallParts } from '@shared/time'

export { addDays, daysBetween, monthLength, weekdayOf } from '@shared/time'

/**
 * The console's one source of "the studio's time zone and today". Times are stored in
 * UTC and shown in the studio's zone (Settings → 工作室 → 时区), not the computer's: staff
 * may work from a laptop set to another zone and still mean Beijing days. The settings
 * store sets both refs; every screen that formats a date reads them, so changing the zone
 * in Settings changes every screen at once.
 */
export const studioTimeZone = ref(DEFAULT_TIME_ZONE)

/**
 * How far the core's clock is ahead of this browser's (ms). Normally ~0; a browser-mode
 * studio started with ORCHARD_NOW (a rehearsal, a test) runs on another day, and the
 * console's "today" must be the core's, or it would plan and filter a different day.
 */
const clockOffsetMs = ref(0)

/** The settings store calls this with what the core said: its zone and its clock. */
export function setStudioClock(zone: string, coreNow?: string): void {
  studioTimeZone.value = zone || DEFAULT_TIME_ZONE
  if (coreNow) {
    const at = Date.parse(coreNow)
    if (!Number.isNaN(at)) clockOffsetMs.value = at - Date.now()
  }
}

/** Now as the core counts it (epoch ms). */
export function studioNow(): number {
  return Date.now() + clockOffsetMs.value
}

/** Today's date in the studio's zone, YYYY-MM-DD. */
export function studioToday(): string {
  return dayIn(studioTimeZone.value, studioNow())
}

const isDay = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s)

/** 2025-03-08 in the studio's zone; a calendar day (already the studio's) as it is; '—' when there is none. */
export function formatDay(iso: string | null | undefined): string {
  if (!iso) return '—'
  if (isDay(iso)) return iso
  const ms = Date.parse(iso)
  return Number.isNaN(ms) ? iso : dayIn(studioTimeZone.value, ms)
}

/** 2025-03-08 14:05 in the studio's zone. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const ms = Date.parse(iso)
  return Number.isNaN(ms) ? iso : timeIn(studioTimeZone.value, ms)
}

/** 09:30 in the studio's zone. */
export function formatTime(iso: string): string {
  const ms = Date.parse(iso)
  if (Number.isNaN(ms)) return iso
  const p = wallParts(studioTimeZone.value, ms)
  return `${p.hour}:${p.minute}`
}

/** The first day of the week (Monday) of `day`. */
export function weekStart(day: string): string {
  const weekday = (new Date(`${day}T12:00:00Z`).getUTCDay() + 6) % 7
  return addDays(day, -weekday)
}

/** The first day of the month of `day`. */
export function monthStart(day: string): string {
  return `${day.slice(0, 7)}-01`
}

/**
 * Date pickers (naive-ui) work in timestamps of the browser's local midnight: a picked
 * day is read from the local calendar fields, and a day is shown by its local midnight,
 * so the picker shows the studio day a person chose whatever zone the computer is in.
 */
export function pickerValue(day: string): number {
  const [y, m, d] = day.split('-').map(Number)
  return new Date(y, m - 1, d).getTime()
}
export function pickedDay(ms: number): string {
  const d = new Date(ms)
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

/** A date-time picker's value (browser-local wall clock) as the instant it means in the studio's zone. */
export function pickedInstant(ms: number): string {
  const d = new Date(ms)
  const wall = Date.UTC(d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds())
  const probe = wallParts(studioTimeZone.value, wall)
  const asUtc = Date.UTC(Number(probe.year), Number(probe.month) - 1, Number(probe.day), Number(probe.hour), Number(probe.minute), Number(probe.second))
  // The zone's offset at that moment: shift the wall time back by it.
  return new Date(wall - (asUtc - wall)).toISOString()
}

/** An instant shown in a date-time picker: its studio wall clock as the browser's local time. */
export function instantPickerValue(iso: string | number): number {
  const p = wallParts(studioTimeZone.value, typeof iso === 'number' ? iso : Date.parse(iso))
  return new Date(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)).getTime()
}
