import { studioNow } from '@/format/time'

/** WeChat group QR codes lapse 7 days after they are made; the alerts warn 48 h ahead, so does the preview. */
const LAPSING_MS = 48 * 3_600_000

export function qrState(expiresAt: string, lapsed: boolean, now = studioNow()): 'ok' | 'lapsing' | 'lapsed' {
  const left = Date.parse(expiresAt) - now
  if (lapsed || left <= 0) return 'lapsed'
  return left <= LAPSING_MS ? 'lapsing' : 'ok'
}
