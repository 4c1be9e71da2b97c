import { tzOffset } from '@date-fns/tz'

/**
 * The studio's calendar. Instants are stored as UTC; every date a person reads — on
 * screen, in a PDF, a spreadsheet, a file name — is a day or wall-clock time in the
 * studio's time zone (Asia/Shanghai unless changed), never the machine's zone and never
 * raw UTC. Both the core and the console use these, so they always agree on "today".
 */

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai'
export const DAY_MS = 86_400_000

/** Whether the runtime knows `zone` as an IANA time zone (Asia/Shanghai, UTC, America/Los_Angeles …). */
export function isTimeZone(zone: string): boolean {
  if (!zone || zone.length > 64) return false
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

type WallParts = { year: string; month: string; day: string; hour: string; minute: string; second: string }
const wallFormatters = new Map<string, Intl.DateTimeFormat>()

/** The wall-clock fields of an instant in `zone`, zero-padded. */
export function wallParts(zone: string, at: Date | number): WallParts {
  let f = wallFormatters.get(zone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    })
    wallFormatters.set(zone, f)
  }
  const p = Object.fromEntries(f.formatToParts(typeof at === 'number' ? new Date(at) : at).map((x) => [x.type, x.value]))
  return { year: p.year, month: p.month, day: p.day, hour: p.hour, minute: p.minute, second: p.second }
}

/** Calendar day (YYYY-MM-DD) of an instant in the studio's time zone. */
export function dayIn(zone: string, at: Date | number): string {
  const p = wallParts(zone, at)
  return `${p.year}-${p.month}-${p.day}`
}

/** Month (YYYY-MM) of an instant in the studio's time zone: the ledger's periods. */
export function monthIn(zone: string, at: Date | number): string {
  return dayIn(zone, at).slice(0, 7)
}

/** Wall-clock time ("2026-11-23 07:30") of an instant in the studio's time zone, as staff read it. */
export function timeIn(zone: string, at: Date | number): string {
  const p = wallParts(zone, at)
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`
}

/** 20261123-071500: a file or folder name's stamp, in the studio's time zone. */
export function stampIn(zone: string, at: Date | number): string {
  const p = wallParts(zone, at)
  return `${p.year}${p.month}${p.day}-${p.hour}${p.minute}${p.second}`
}

/**
 * An instant as a spreadsheet reads it: a Date whose UTC fields are the studio's wall
 * clock. Spreadsheet date cells carry no zone (exceljs writes a Date's UTC fields), so a
 * cell made from this shows 2026-12-05 07:39 in Beijing whatever zone the file is opened in.
 */
export function wallDate(zone: string, at: Date | number): Date {
  const p = wallParts(zone, at)
  return new Date(Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)))
}

/** The UTC offset ("+08:00") of a time zone at an instant. */
export function zoneOffset(zone: string, at: Date | number = Date.now()): string {
  const minutes = tzOffset(zone, typeof at === 'number' ? new Date(at) : at)
  const sign = minutes < 0 ? '-' : '+'
  const abs = Math.abs(minutes)
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
}

/** The offset in minutes of `zone` at an instant (+480 for Beijing). */
export function zoneOffsetMinutes(zone: string, at: Date | number): number {
  return tzOffset(zone, typeof at === 'number' ? new Date(at) : at)
}

/**
 * The instant a studio day and wall time (HH:MM, default midnight) stands for. Correct
 * across daylight-saving changes: the offset is looked up for that day, not for today.
 */
export function instantOf(zone: string, day: string, hhmm = '00:00'): number {
  const wall = Date.parse(`${day}T${hhmm}:00Z`)
  // The offset at the wall time read as UTC is right except within hours of a DST change;
  // one more look-up at the corrected instant settles it.
  const first = wall - zoneOffsetMinutes(zone, wall) * 60_000
  return wall - zoneOffsetMinutes(zone, first) * 60_000
}

/** The half-open range [start, end) of instants of `days` studio days starting on `from`. */
export function daysRange(zone: string, from: string, days: number): { start: number; end: number } {
  return { start: instantOf(zone, from), end: instantOf(zone, addDays(from, days)) }
}

const noon = (day: string) => Date.parse(`${day}T12:00:00Z`)

/** A calendar day `n` days after (or before) `day`; pure calendar arithmetic, no zone. */
export function addDays(day: string, n: number): string {
  return new Date(noon(day) + n * DAY_MS).toISOString().slice(0, 10)
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((noon(to) - noon(from)) / DAY_MS)
}

/** 0 = Monday … 6 = Sunday: Chinese calendars start the week on Monday. */
export function weekdayOf(day: string): number {
  return (new Date(noon(day)).getUTCDay() + 6) % 7
}

/** The month `n` months after (or before) `month` (YYYY-MM). */
export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number)
  const d = new Date(Date.UTC(y, m - 1 + n, 1))
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`
}

/** Number of days in the month of `day` (YYYY-MM-DD or YYYY-MM). */
export function monthLength(day: string): number {
  const [y, m] = day.split('-').map(Number)
  return new Date(Date.UTC(y, m, 0)).getUTCDate()
}

/** A strict YYYY-MM-DD that names a real calendar day. */
export function isCalendarDay(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false
  return new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s
}

/**
 * An instant given as ISO 8601 with its zone (2027-03-01T00:30:00+08:00, …Z): what
 * ORCHARD_NOW takes. A time without a zone is refused rather than read in the machine's.
 */
export function parseZonedInstant(text: string): number | null {
  const m = text.trim().match(/^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})$/i)
  if (!m || !isCalendarDay(m[1])) return null
  if (Number(m[2]) > 23 || Number(m[3]) > 59 || Number(m[4] ?? 0) > 59) return null
  const ms = Date.parse(text.trim().replace(' ', 'T'))
  return Number.isNaN(ms) ? null : ms
}
