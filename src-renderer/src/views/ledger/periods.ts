import { ref } from 'vue'
import { studioToday } from '@/format/time'

/** The last twelve months, newest first, as YYYY-MM in the studio's time zone. */
export function recentPeriods(count = 12): string[] {
  const [y, m] = studioToday().split('-').map(Number)
  return Array.from({ length: count }, (_, i) => {
    const d = new Date(Date.UTC(y, m - 1 - i, 15))
    return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`
  })
}

/** The period the ledger screens show, shared between the summary and the statement. */
export const currentPeriod = ref<string>(recentPeriods(1)[0])
