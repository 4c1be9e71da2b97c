import { ref } from 'vue'
import { api } from '@/api/client'

/**
 * Times are stored in UTC and shown in the studio's time zone (settings.timezone,
 * Asia/Shanghai unless changed), not the computer's: a studio's staff may work from a
 * laptop set to another zone and still mean Beijing days.
 */
const timezone = ref('Asia/Shanghai')
let requested = false

function ensureTimezone() {
  if (requested) return
  requested = true
  api.settings
    .get()
    .then((s) => {
      if (s.timezone) timezone.value = s.timezone
    })
    .catch(() => {
      // Keep the default; every screen already shows its own error when the core is unreachable.
    })
}

const formatters = new Map<string, Intl.DateTimeFormat>()
function parts(iso: string): Record<string, string> | null {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return null
  const key = timezone.value
  let fmt = formatters.get(key)
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-GB', {
      timeZone: key,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
    formatters.set(key, fmt)
  }
  return Object.fromEntries(fmt.formatToParts(date).map((p) => [p.type, p.value]))
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const p = parts(iso)
  return p ? `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}` : iso
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—'
  // A calendar day (YYYY-MM-DD) is already in the studio's zone.
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso
  const p = parts(iso)
  return p ? `${p.year}-${p.month}-${p.day}` : iso
}

/** Today's date in the studio's zone, YYYY-MM-DD (a new member's default join date). */
export function studioToday(): string {
  return formatDate(new Date().toISOString())
}

/** The calendar day a date picker's timestamp stands for, as the person saw it in the picker. */
export function pickerDay(ms: number): string {
  const d = new Date(ms)
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

export function useStudioTime() {
  ensureTimezone()
  return { timezone, formatDateTime, formatDate, studioToday, pickerDay }
}
