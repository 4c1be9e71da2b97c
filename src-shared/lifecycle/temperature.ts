import type { RitualCounts } from '../contracts/lifecycle'

/**
 * A group's temperature for one day, 0–100. Rituals give up to 70: good morning and good
 * night 10 each, a training session 20, goal setting 10, deal red envelopes 5 each (up to
 * 2), purchases shown 2.5 each (up to 4). Replies give up to 30, in proportion up to 150
 * a day — a group where people answer each other is warm even on a quiet day. The core
 * scores a day with it and the console previews the score the counts will give.
 */
export function temperatureScore(c: RitualCounts): number {
  const score =
    (c.morning > 0 ? 10 : 0) +
    (c.night > 0 ? 10 : 0) +
    (c.training > 0 ? 20 : 0) +
    (c.goal > 0 ? 10 : 0) +
    Math.min(2, c.red_envelope) * 5 +
    Math.min(4, c.showcase) * 2.5 +
    30 * Math.min(1, c.replies / 150)
  return Math.round(score * 10) / 10
}
