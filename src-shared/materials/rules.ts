import { addDays } from '../time'

/**
 * The studio's rules about the material library, in one place for the core (which decides)
 * and the console (which shows what the core will decide).
 */

/** Competitor prices older than this many days stay off a comparison image. */
export const COMPARISON_MAX_AGE_DAYS = 30
/** At most this many sources fit on one comparison image; the dearest are kept. */
export const COMPARISON_MAX_SOURCES = 6

/** WeChat lets a group QR code lapse this many days after it was made. */
export const GROUP_QR_LIFETIME_DAYS = 7
/** The alerts, the group drawer and the pack checker warn this many hours before a code lapses. */
export const GROUP_QR_WARN_HOURS = 48
/**
 * WeChat lets nobody join a group of more than 100 people by scanning its code: from this
 * many members on, a live code shows the owner's contact instead of the group's code.
 */
export const GROUP_SCAN_LIMIT = 100

/**
 * Whether a price will be on the comparison image on `today`: `on` when it is its source's
 * newest within 30 days and among the six dearest such prices; otherwise why not.
 */
export type ComparisonStanding = 'on' | 'stale' | 'superseded' | 'future' | 'crowded'

export function comparisonStandings(
  rows: readonly { id: string; source: string; priceFen: number; observedOn: string; createdAt: string }[],
  today: string,
): Map<string, ComparisonStanding> {
  const since = addDays(today, -COMPARISON_MAX_AGE_DAYS)
  const out = new Map<string, ComparisonStanding>()
  const newest = new Map<string, (typeof rows)[number]>()
  for (const r of rows) {
    if (r.observedOn > today) out.set(r.id, 'future')
    else if (r.observedOn < since) out.set(r.id, 'stale')
    else {
      const best = newest.get(r.source)
      if (!best || r.observedOn > best.observedOn || (r.observedOn === best.observedOn && r.createdAt > best.createdAt)) newest.set(r.source, r)
    }
  }
  const shown = [...newest.values()].sort((a, b) => b.priceFen - a.priceFen)
  shown.forEach((r, i) => out.set(r.id, i < COMPARISON_MAX_SOURCES ? 'on' : 'crowded'))
  for (const r of rows) if (!out.has(r.id)) out.set(r.id, 'superseded')
  return out
}

export type QrState = 'valid' | 'lapsing' | 'lapsed'

export interface QrExpiry {
  state: QrState
  /** Whole days left (0 within the last day); 0 once lapsed. */
  days: number
  /** Whole hours left; 0 once lapsed. */
  hours: number
}

const HOUR_MS = 3_600_000

/** How close a group's QR code is to lapsing at `now` (epoch ms). */
export function qrExpiry(expiresAt: string, now: number): QrExpiry {
  const left = Date.parse(expiresAt) - now
  if (!(left > 0)) return { state: 'lapsed', days: 0, hours: 0 }
  return {
    state: left <= GROUP_QR_WARN_HOURS * HOUR_MS ? 'lapsing' : 'valid',
    days: Math.floor(left / (24 * HOUR_MS)),
    hours: Math.floor(left / HOUR_MS),
  }
}
