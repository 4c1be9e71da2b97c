/** The two languages Orchard speaks. */
export type Lang = 'zh' | 'en'

/**
 * The core and the team server write messages as "中文 / English" (sometimes "…）/ English"),
 * so that a log or a terminal reads in either language. A screen speaks one: this picks the
 * reader's half. Either half may itself hold " / " (CSV / XLSX) or words of the other
 * language (a name in the English half: "/ 陈姐 signed in"), so the cut is the one that
 * leaves the most Chinese before it and the most Latin after it.
 */
export function bilingualHalf(text: string, lang: Lang): string {
  let best: { at: number; end: number; score: number } | null = null
  for (const m of text.matchAll(/\s?\/ /g)) {
    const left = text.slice(0, m.index)
    const right = text.slice(m.index + m[0].length)
    const cjkLeft = countCjk(left)
    if (!cjkLeft || !/[A-Za-z]/.test(right)) continue
    // A Chinese character carries about a word; an English word about five letters.
    const score = 5 * (cjkLeft - countCjk(right)) + (countLatin(right) - countLatin(left))
    if (score > 0 && (!best || score > best.score)) best = { at: m.index, end: m.index + m[0].length, score }
  }
  if (!best) return text
  return lang === 'en' ? text.slice(best.end).trim() : text.slice(0, best.at).trimEnd()
}

const countCjk = (s: string) => s.match(/[\u3400-\u9fff\uf900-\ufaff]/g)?.length ?? 0
const countLatin = (s: string) => s.match(/[A-Za-z]/g)?.length ?? 0

/**
 * An error as one reader reads it: the message in their language, the code and the details
 * (where, what value) as they are. `null` — no language asked for — keeps both halves.
 */
export function errorInLanguage<E extends { message: string }>(error: E, lang: Lang | null): E {
  return lang ? { ...error, message: bilingualHalf(error.message, lang) } : error
}
