import { studioNow } from '@/format/time'

/**
 * How close a group's WeChat QR code is to lapsing. WeChat lets a group code lapse 7
 * days after it was made; the core warns 48 hours ahead (GROUP_QR_WARN_HOURS), and
 * the console uses the same line so the drawer, the dashboard and the packs agree.
 */
export const QR_WARN_HOURS = 48
const HOUR_MS = 3_600_000
const DAY_MS = 24 * HOUR_MS

export type QrState = 'valid' | 'lapsing' | 'lapsed'

export interface QrExpiry {
  state: QrState
  /** Whole days left (0 within the last day); 0 once lapsed. */
  days: number
  /** Whole hours left; 0 once lapsed. */
  hours: number
}

export function qrExpiry(expiresAt: string, now: number = studioNow()): QrExpiry {
  const left = Date.parse(expiresAt) - now
  if (!(left > 0)) return { state: 'lapsed', days: 0, hours: 0 }
  return {
    state: left <= QR_WARN_HOURS * HOUR_MS ? 'lapsing' : 'valid',
    days: Math.floor(left / DAY_MS),
    hours: Math.floor(left / HOUR_MS),
  }
}

export const QR_STATE_TAG: Record<QrState, 'success' | 'warning' | 'error'> = { valid: 'success', lapsing: 'warning', lapsed: 'error' }
