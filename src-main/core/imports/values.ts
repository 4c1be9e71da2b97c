import { REL_CLASS_LABELS, SEGMENT_LABELS, SEGMENTS, type RelClass, type Segment } from '../../../src-shared/vocabulary'

/** A cell that could not be read: the reason in the operator's words. */
export class CellError extends Error {
  constructor(
    readonly code: string,
    readonly reason: string,
  ) {
    super(reason)
  }
}

const toHalfWidth = (s: string) =>
  s.replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, ' ')

/** Spreadsheets cells neutralised against formula injection come back with a leading quote. */
export const unquote = (s: string) => (s.startsWith("'") && /^'[=+\-@\t\r]/.test(s) ? s.slice(1) : s)

/**
 * Yuan as typed in a spreadsheet ("¥1,299.00", "１２.５") to integer fen, from the
 * decimal string itself so no binary fraction ever rounds a price.
 */
export function parseFen(raw: string, { allowNegative = false } = {}): number {
  const s = toHalfWidth(unquote(raw)).replace(/[¥￥,\s]|元|RMB|CNY/gi, '')
  const m = s.match(/^(-)?(\d+)(?:\.(\d*))?$/)
  if (!m) throw new CellError('invalid_money', '不是有效的金额 / not an amount of money')
  if (m[3] && m[3].length > 2) throw new CellError('invalid_money', '金额最多两位小数（分）/ at most two decimals (fen)')
  if (m[1] && !allowNegative) throw new CellError('negative_money', '金额不能为负 / amount cannot be negative')
  const fen = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0') || '0')
  if (!Number.isSafeInteger(fen)) throw new CellError('invalid_money', '金额过大 / amount too large')
  return m[1] ? -fen : fen
}

/** "12", "12%", "12.5%" → basis points. */
export function parsePercentBp(raw: string): number {
  const s = toHalfWidth(raw).replace(/[%\s]/g, '')
  const m = s.match(/^(\d+)(?:\.(\d{1,2}))?$/)
  if (!m) throw new CellError('invalid_percent', '不是有效的百分比 / not a percentage')
  const bp = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0') || '0')
  if (bp > 5000) throw new CellError('invalid_percent', '比例不能超过 50% / rate above 50%')
  return bp
}

export function parseInteger(raw: string, { min = 0 } = {}): number {
  const s = toHalfWidth(raw).replace(/[,\s]/g, '')
  if (!/^-?\d+$/.test(s)) throw new CellError('invalid_integer', '不是整数 / not a whole number')
  const n = Number(s)
  if (n < min) throw new CellError('out_of_range', `不能小于 ${min} / must be at least ${min}`)
  return n
}

/**
 * Dates the way shops and spreadsheets write them: 2026-11-03, 2026/11/3 14:05,
 * ISO with an offset, or an Excel serial day. Without an offset the studio's zone applies.
 */
export function parseDate(raw: string, offset: string): string {
  const s = toHalfWidth(raw).trim()
  if (/^\d{5}(\.\d+)?$/.test(s)) {
    const ms = Math.round((Number(s) - 25569) * 86_400_000)
    const local = new Date(ms).toISOString().slice(0, 19)
    return new Date(`${local}${offset}`).toISOString()
  }
  if (/[zZ]$|[+-]\d{2}:?\d{2}$/.test(s) && !Number.isNaN(Date.parse(s))) return new Date(s).toISOString()
  const m = s.match(/^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/)
  if (!m) throw new CellError('invalid_date', '无法识别的日期 / unrecognised date')
  const [, y, mo, d, h = '0', mi = '0', se = '0'] = m
  const calendar = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)))
  if (calendar.getUTCMonth() !== Number(mo) - 1 || calendar.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(se) > 59) {
    throw new CellError('invalid_date', '日期不存在 / no such date')
  }
  return new Date(`${y}-${mo.padStart(2, '0')}-${d.padStart(2, '0')}T${h.padStart(2, '0')}:${mi}:${se.padStart(2, '0')}${offset}`).toISOString()
}

export const splitList = (raw: string) =>
  raw
    .split(/[,，;；|、\n]+/)
    .map((s) => s.trim())
    .filter(Boolean)

export function parseRelClass(raw: string): RelClass {
  const s = toHalfWidth(raw).trim().toUpperCase()
  const letter = s.match(/^([ABC])(类)?$/)?.[1]
  if (letter) return letter as RelClass
  for (const [code, label] of Object.entries(REL_CLASS_LABELS)) {
    if (raw.includes(label.zh.split('·')[1] ?? label.zh)) return code as RelClass
  }
  throw new CellError('invalid_class', '客户分类应为 A、B 或 C / class must be A, B or C')
}

export function parseSegment(raw: string): Segment {
  const s = raw.trim()
  if ((SEGMENTS as readonly string[]).includes(s)) return s as Segment
  for (const code of SEGMENTS) {
    if (SEGMENT_LABELS[code].zh === s || SEGMENT_LABELS[code].en.toLowerCase() === s.toLowerCase()) return code
  }
  throw new CellError('invalid_segment', `未知的消费群体 / unknown consumer segment`)
}
