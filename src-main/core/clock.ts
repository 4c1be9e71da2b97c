import { OrchardError } from '../../src-shared/errors'
import { parseZonedInstant } from '../../src-shared/time'

export { dayIn, monthIn, stampIn, timeIn, zoneOffset } from '../../src-shared/time'

/** The core reads time only through this port, so tests and the demo studio can pin it. */
export interface Clock {
  now(): Date
}
export const systemClock: Clock = { now: () => new Date() }
export const fixedClock = (iso: string): Clock => ({ now: () => new Date(iso) })

/** A clock that starts at `startMs` and runs on from there at the real pace (jobs still measure their speed). */
export function runningClockFrom(startMs: number, realNow: () => number = Date.now): Clock {
  const offset = startMs - realNow()
  return { now: () => new Date(realNow() + offset) }
}

/**
 * The clock a command-line or browser-mode host runs on: the machine's, or — for
 * rehearsing a day, reproducing a report or testing — the instant ORCHARD_NOW names
 * (ISO 8601 with its zone, e.g. 2027-03-01T00:30:00+08:00), read once at start and
 * running on from there. A malformed value is refused rather than silently ignored:
 * a studio believing it is another day would post, plan and name files wrongly.
 */
export function clockFromEnvironment(env: NodeJS.ProcessEnv = process.env): Clock {
  const raw = env.ORCHARD_NOW
  if (raw === undefined || raw.trim() === '') return systemClock
  const at = parseZonedInstant(raw)
  if (at === null) {
    throw new OrchardError(
      'invalid_clock',
      `ORCHARD_NOW 不是带时区的时间：「${raw}」，应写成 2027-03-01T08:00:00+08:00 或 2027-03-01T00:00:00Z / ORCHARD_NOW is not a time with its zone: write it as 2027-03-01T08:00:00+08:00 or …Z`,
      { field: 'ORCHARD_NOW', value: raw, why: 'expected ISO 8601 with a zone (Z or ±HH:MM)' },
    )
  }
  return runningClockFrom(at)
}
