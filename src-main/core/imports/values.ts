import { REL_CLASS_LABELS, SEGMENT_LABELS, SEGMENTS, type RelClass, type Segment } from '../../../src-shared/vocabulary'
import { zoneOffset } from '../clock'

/**
 * A cell that could not be read: a code for the report and the reason in the
 * operator's words (Chinese first, then English). Thrown by the parsers below and
 * turned into a located row error by the importer.
 */
export class CellError {
  constructor(
    readonly code: string,
    readonly reason: string,
  ) {}
}

const FULL_WIDTH = /[\uFF01-\uFF5E\u3000]/
/** Full-width digits and signs (１２.５，＋８６) as Chinese input methods type them. */
export function toHalfWidth(s: string): string {
  if (!FULL_WIDTH.test(s)) return s
  return s.replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, ' ')
}

/**
 * Exports neutralise cells a spreadsheet would execute by prefixing a single quote
 * ('=…, '+8613800138000); reading them back strips that quote again.
 */
export function unquote(s: string): string {
  return s.charCodeAt(0) === 39 && NEUTRALISED.test(s) ? s.slice(1) : s
}
const NEUTRALISED = /^'+[=+\-@\t\r]/

const MONEY = /^(-)?(\d+)(?:\.(\d*))?$/
/**
 * Yuan as typed in a spreadsheet ("¥1,299.00", "１２.５", "39.9元") to integer fen,
 * read from the decimal string itself so no binary fraction ever rounds a price.
 */
export function parseFen(raw: string, { allowNegative = false } = {}): number {
  let s = raw
  let m = MONEY.exec(s)
  if (!m) {
    s = toHalfWidth(raw).replace(/[¥￥,\s]|元|RMB|CNY/gi, '')
    m = MONEY.exec(s)
  }
  if (!m) throw new CellError('invalid_money', '不是有效的金额 / not an amount of money')
  const decimals = m[3] ?? ''
  if (decimals.length > 2) throw new CellError('invalid_money', '金额最多两位小数（精确到分）/ at most two decimals (fen)')
  if (m[1] && !allowNegative) throw new CellError('negative_money', '金额不能为负数 / amount cannot be negative')
  if (m[2].length > 13) throw new CellError('invalid_money', '金额过大 / amount too large')
  const fen = Number(m[2]) * 100 + (decimals ? Number(decimals.padEnd(2, '0')) : 0)
  return m[1] && fen !== 0 ? -fen : fen
}

/** A commission rate as typed: "12", "12%", "12.5％" → basis points (1% = 100). */
export function parsePercentBp(raw: string, maxBp = 5000): number {
  const s = toHalfWidth(raw).replace(/[%\s]/g, '')
  const m = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(s)
  if (!m) throw new CellError('invalid_percent', '不是有效的百分比（如 12 或 12.5%）/ not a percentage such as 12 or 12.5%')
  const bp = Number(m[1]) * 100 + (m[2] ? Number(m[2].padEnd(2, '0')) : 0)
  if (bp > maxBp) throw new CellError('invalid_percent', `比例不能超过 ${maxBp / 100}% / rate above ${maxBp / 100}%`)
  return bp
}

export function parseInteger(raw: string, { min = 0, max = 1_000_000_000 } = {}): number {
  const s = toHalfWidth(raw).replace(/[,\s]/g, '')
  if (!/^[-+]?\d+$/.test(s)) throw new CellError('invalid_integer', '不是整数 / not a whole number')
  const n = Number(s)
  if (n < min) throw new CellError('out_of_range', `不能小于 ${min} / must be at least ${min}`)
  if (n > max) throw new CellError('out_of_range', `不能大于 ${max} / must be at most ${max}`)
  return n
}

/**
 * Reads dates the way shops and spreadsheets write them into UTC ISO strings.
 * A time without an offset is the studio's local time, in the zone's offset of that day.
 */
export class DateReader {
  private readonly offsets = new Map<string, string>()
  constructor(private readonly timezone: string) {}

  private offsetOf(day: string): string {
    let offset = this.offsets.get(day)
    if (offset === undefined) {
      // The offset at local noon is the day's offset for every zone without a midnight switch.
      offset = zoneOffset(this.timezone, new Date(`${day}T12:00:00Z`))
      this.offsets.set(day, offset)
    }
    return offset
  }

  /** 2026-11-03, 2026/11/3 14:05, 2026年11月3日, 20261103, ISO with or without an offset, an Excel serial day. */
  parse(raw: string): string {
    const s = toHalfWidth(raw).trim()
    // Excel keeps dates as days since 1899-12-30; a CSV saved from it sometimes carries the bare number.
    if (/^\d{5}(\.\d+)?$/.test(s)) {
      const serial = Number(s)
      if (serial < 20000 || serial > 80000) throw new CellError('invalid_date', '无法识别的日期 / unrecognised date')
      const wall = new Date(Math.round((serial - 25569) * 86_400_000)).toISOString().slice(0, 19)
      return this.local(wall.slice(0, 10), wall.slice(11, 19))
    }
    const m =
      /^(\d{4})(?:[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{2})(\d{2}))(?:(?:[ T]+|日\s*)(\d{1,2})[:：时](\d{1,2})(?:[:：分](\d{1,2})(?:\.(\d{1,9}))?)?秒?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(s)
    if (!m) throw new CellError('invalid_date', '无法识别的日期 / unrecognised date')
    const [, y, mo1, d1, mo2, d2, h = '0', mi = '0', se = '0', frac = '', zone] = m
    const mo = Number(mo1 ?? mo2)
    const d = Number(d1 ?? d2)
    const check = new Date(Date.UTC(Number(y), mo - 1, d))
    if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || Number(h) > 23 || Number(mi) > 59 || Number(se) > 59) {
      throw new CellError('invalid_date', '日期不存在 / no such date')
    }
    const day = `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`
    const time = `${h.padStart(2, '0')}:${mi.padStart(2, '0')}:${se.padStart(2, '0')}${frac ? `.${frac.slice(0, 3).padEnd(3, '0')}` : ''}`
    if (!zone) return this.local(day, time)
    const offset = zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 3 ? `${zone}:00` : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`
    return new Date(`${day}T${time}${offset}`).toISOString()
  }

  private local(day: string, time: string): string {
    return new Date(`${day}T${time}${this.offsetOf(day)}`).toISOString()
  }
}

/** Tags as people type them: separated by commas, semicolons, |, 、 — and by spaces when nothing else separates them. */
export function splitTags(raw: string): string[] {
  const separated = /[,，;；|、\n]/.test(raw)
  const parts = raw.split(separated ? /[,，;；|、\n]+/ : /\s+/)
  const out: string[] = []
  for (const p of parts) {
    const t = p.trim()
    if (t && !out.includes(t)) out.push(t)
  }
  return out
}

/** Lists such as image links: separated by commas, semicolons, | or line breaks. */
export function splitList(raw: string): string[] {
  const out: string[] = []
  for (const p of raw.split(/[,，;；|\n]+/)) {
    const t = p.trim()
    if (t && !out.includes(t)) out.push(t)
  }
  return out
}

/** Addresses contain commas, so several of them are separated by | or line breaks only. */
export function splitAddresses(raw: string): string[] {
  const out: string[] = []
  for (const p of raw.split(/[|\n]+/)) {
    const t = p.trim()
    if (t && !out.includes(t)) out.push(t)
  }
  return out
}

/** Phones are separated by commas, semicolons, slashes or 、; spaces belong to a number (138 0013 8000). */
export function splitPhones(raw: string): string[] {
  if (!/[,，;；/、\n]/.test(raw)) return [raw]
  return raw
    .split(/[,，;；/、\n]+/)
    .map((p) => p.trim())
    .filter(Boolean)
}

const CLASS_WORDS: [RegExp, RelClass][] = [
  [/亲友|亲人|家人|家属|同学|闺蜜|发小|至交|挚友|密友/, 'A'],
  [/普通朋友|朋友|熟人|同事|邻居|网友/, 'B'],
  [/陌生|路人|新客|其他/, 'C'],
]
/** A, B, C — also "a", "A类", "A 类·亲友同学", "亲友", "普通朋友", "陌生人". */
export function parseRelClass(raw: string): RelClass {
  const s = toHalfWidth(raw).trim().toUpperCase()
  const letter = /^([ABC])\s*(类|級|级|CLASS)?(\s*[·.、:：-].*)?$/.exec(s)?.[1]
  if (letter) return letter as RelClass
  for (const [code, label] of Object.entries(REL_CLASS_LABELS)) if (raw.trim() === label.zh || s === label.en.toUpperCase()) return code as RelClass
  for (const [words, code] of CLASS_WORDS) if (words.test(raw)) return code
  throw new CellError('invalid_class', '客户分类应为 A（亲友）、B（普通朋友）或 C（陌生人）/ class must be A, B or C')
}

const SEGMENT_ALIASES: Record<string, Segment> = { 数字发燒友: 'digital' }
/** A consumer segment by its code (bargain), its Chinese label (务实羊毛党, also 羊毛党) or its English label. */
export function parseSegment(raw: string): Segment {
  const s = raw.trim()
  const lower = s.toLowerCase()
  if ((SEGMENTS as readonly string[]).includes(lower)) return lower as Segment
  if (SEGMENT_ALIASES[s]) return SEGMENT_ALIASES[s]
  for (const code of SEGMENTS) {
    const label = SEGMENT_LABELS[code]
    if (label.zh === s || label.en.toLowerCase() === lower) return code
  }
  // The short forms people use: 羊毛党, 追潮族, 品质控 …
  if (s.length >= 2) for (const code of SEGMENTS) if (SEGMENT_LABELS[code].zh.includes(s)) return code
  throw new CellError('invalid_segment', `未知的消费群体（可填：${SEGMENTS.map((c) => SEGMENT_LABELS[c].zh).join('、')}）/ unknown consumer segment`)
}
