import { formatFen } from '@shared/vocabulary'

/** ¥1,234.50 from integer fen. */
export const yuan = (fen: number): string => `¥${formatFen(fen)}`

const TZ = 'Asia/Shanghai'
/** Dates shown in the studio's time zone. */
export function formatDay(iso: string | null | undefined): string {
  if (!iso) return '—'
  return new Intl.DateTimeFormat('zh-CN', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso)).replace(/\//g, '-')
}
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  return new Intl.DateTimeFormat('zh-CN', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false })
    .format(new Date(iso))
    .replace(/\//g, '-')
}
/** +86 138****5678: enough to recognise a number in a list without showing it whole. */
export function maskPhone(e164: string): string {
  const m = e164.match(/^\+86(\d{3})\d{4}(\d{4})$/)
  if (m) return `+86 ${m[1]}****${m[2]}`
  return e164.length > 7 ? `${e164.slice(0, e164.length - 8)}****${e164.slice(-4)}` : e164
}
