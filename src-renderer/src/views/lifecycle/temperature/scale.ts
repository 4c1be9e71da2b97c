/**
 * A group's temperature as a colour: cold groups blue, lukewarm amber, warm ones red —
 * the way people already read a thermometer. The floor score (Settings: 温度低于多少分算偏冷)
 * marks where cold starts.
 */
export function temperatureColor(score: number, floor = 30): string {
  if (score < floor) return '#3A8FD5'
  if (score < 60) return '#E0A526'
  return '#E2673F'
}

/** One decimal at most: 42.5, 40 — the core scores in half and quarter points. */
export function formatScore(score: number): string {
  return (Math.round(score * 10) / 10).toLocaleString('en-US', { maximumFractionDigits: 1 })
}
