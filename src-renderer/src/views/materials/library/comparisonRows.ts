import type { PriceComparison } from '@shared/contracts/materials'
import { addDays } from '@/format/time'

/** As the core picks them (materials/sources.ts comparisonEntries): prices older than this stay off the image. */
export const COMPARISON_MAX_AGE_DAYS = 30
/** At most this many sources fit on one comparison image; the dearest are kept. */
export const COMPARISON_MAX_SOURCES = 6

/**
 * Whether a price will be on the comparison image: `on` when it is its source's newest
 * within 30 days and among the six dearest such prices; otherwise why not. Told here
 * so the operator sees why a row they just entered is or is not on the picture beside.
 */
export type ComparisonStanding = 'on' | 'stale' | 'superseded' | 'future' | 'crowded'

export function comparisonStandings(rows: PriceComparison[], today: string): Map<string, ComparisonStanding> {
  const since = addDays(today, -COMPARISON_MAX_AGE_DAYS)
  const out = new Map<string, ComparisonStanding>()
  const newest = new Map<string, PriceComparison>()
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
