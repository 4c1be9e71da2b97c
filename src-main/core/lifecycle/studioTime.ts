import { zoneOffset } from '../clock'

const DAY_MS = 86_400_000

/**
 * Day arithmetic in the studio's zone with the offset taken once per run: planning
 * touches tens of thousands of instants, and an Intl formatter per instant costs more
 * than the planning itself. China has no daylight saving time; a zone that has it is
 * off by an hour for at most a day around the change.
 */
export class StudioTime {
  readonly offsetMs: number
  readonly offset: string
  constructor(
    readonly timezone: string,
    at: Date,
  ) {
    this.offset = zoneOffset(timezone, at)
    const m = this.offset.match(/^([+-])(\d{2}):(\d{2})$/)
    this.offsetMs = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000 : 0
  }

  /** YYYY-MM-DD of an instant in the studio's zone. */
  dayOf(ms: number): string {
    return new Date(ms + this.offsetMs).toISOString().slice(0, 10)
  }

  /** The instant a studio day starts. */
  startOf(day: string): number {
    return Date.parse(`${day}T00:00:00Z`) - this.offsetMs
  }

  /** A studio day and time (HH:MM) as an instant. */
  at(day: string, hhmm: string): number {
    return Date.parse(`${day}T${hhmm}:00Z`) - this.offsetMs
  }
}

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10)
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS)
}

export { DAY_MS }
