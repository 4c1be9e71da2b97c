import { formatFen } from '@shared/vocabulary'

/** ¥1,234.50 from integer fen; −¥2.10 for a reversal. */
export const yuan = (fen: number): string => (fen < 0 ? `-¥${formatFen(-fen)}` : `¥${formatFen(fen)}`)

/**
 * Money typed by people is yuan ("12", "12.5", "¥1,299.90"); the core counts integer
 * fen. Converting through a float (Math.round(12.35 * 100)) can be off by one fen, so
 * the decimal string is split and the two parts are added as integers.
 */
const YUAN_PATTERN = /^(\d{1,10})(?:\.(\d{0,2}))?$/

/** Integer fen for a yuan amount with at most two decimals, or null when the text is not one. */
export function parseYuanToFen(text: string): number | null {
  const cleaned = text.trim().replace(/^[¥￥]\s*/, '').replace(/[,，\s]/g, '')
  if (cleaned === '') return null
  const match = YUAN_PATTERN.exec(cleaned)
  if (!match) return null
  const whole = Number(match[1])
  const fen = Number((match[2] ?? '').padEnd(2, '0'))
  return whole * 100 + fen
}

/** The editable form of an amount: "1299.90", never grouped, so it parses back to the same fen. */
export function fenToYuanText(fen: number): string {
  const sign = fen < 0 ? '-' : ''
  const abs = Math.abs(fen)
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}

/** Basis points (1% = 100) as the percentage a person reads and types. */
export function bpToPercent(bp: number): number {
  return bp / 100
}

/** A percentage with up to two decimals back to basis points; rounding absorbs binary float noise. */
export function percentToBp(percent: number): number {
  return Math.round(percent * 100)
}
