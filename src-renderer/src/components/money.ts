import { parsePhoneNumberFromString } from 'libphonenumber-js/min'
import { ref } from 'vue'
import { formatFen } from '@shared/vocabulary'

/** ¥1,234.50 from integer fen; −¥2.10 for a reversal. */
export const yuan = (fen: number): string => (fen < 0 ? `-¥${formatFen(-fen)}` : `¥${formatFen(fen)}`)

/**
 * The studio's time zone (Settings → 工作室). A ref, so tables and drawers that
 * format dates re-render when it changes; the settings store keeps it current.
 */
export const studioTimeZone = ref('Asia/Shanghai')

const formatters = new Map<string, Intl.DateTimeFormat>()
function formatter(kind: 'day' | 'minute'): Intl.DateTimeFormat {
  const key = `${kind}|${studioTimeZone.value}`
  let f = formatters.get(key)
  if (!f) {
    f = new Intl.DateTimeFormat('zh-CN', {
      timeZone: studioTimeZone.value,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      ...(kind === 'minute' ? { hour: '2-digit', minute: '2-digit', hour12: false } : {}),
    })
    formatters.set(key, f)
  }
  return f
}

/** 2025-03-08 in the studio's time zone; '—' when there is no date. */
export function formatDay(iso: string | null | undefined): string {
  if (!iso) return '—'
  return formatter('day').format(new Date(iso)).replace(/\//g, '-')
}
/** 2025-03-08 14:05 in the studio's time zone. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  return formatter('minute').format(new Date(iso)).replace(/\//g, '-')
}
/** The calendar day (YYYY-MM-DD) in the studio's time zone of a date picker's timestamp. */
export function dayOf(ms: number): string {
  return formatter('day').format(new Date(ms)).replace(/\//g, '-')
}

/** +86 138****5678: enough to recognise a number in a list without showing it whole (PIPL: mask what the screen does not need). */
export function maskPhone(e164: string): string {
  const m = e164.match(/^\+86(\d{3})\d{4}(\d{4})$/)
  if (m) return `+86 ${m[1]}****${m[2]}`
  return e164.length > 7 ? `${e164.slice(0, e164.length - 8)}****${e164.slice(-4)}` : e164
}

/**
 * +86 138 1234 5678, +86 571 8888 6666: a whole number grouped the way it is read out. Anything
 * else (a number masked for this profile, one that does not parse) is shown as it came.
 */
export function formatPhone(e164: string): string {
  if (!/^\+\d{6,15}$/.test(e164)) return e164
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164
}

/** 12.8 MB, 640 KB: sizes of databases and backups. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GB`
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`
  return `${bytes} B`
}
