/** The core reads time only through this port, so tests and the demo studio can pin it. */
export interface Clock {
  now(): Date
}
export const systemClock: Clock = { now: () => new Date() }
export const fixedClock = (iso: string): Clock => ({ now: () => new Date(iso) })

/** Calendar day (YYYY-MM-DD) of an instant in the studio's time zone. */
export function dayIn(timezone: string, at: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at)
}

/** The UTC offset ("+08:00") of a time zone at an instant. */
export function zoneOffset(timezone: string, at: Date = new Date()): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZone: timezone, timeZoneName: 'longOffset' })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName')?.value
  const m = part?.match(/GMT([+-]\d{2}:\d{2})/)
  return m ? m[1] : '+00:00'
}

/** Wall-clock time ("2026-11-23 07:30") of an instant in the studio's time zone, as staff read it. */
export function timeIn(timezone: string, at: Date): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(at)
      .map((x) => [x.type, x.value]),
  )
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`
}
