import { qrExpiry } from '@shared/materials/rules'
import { studioNow } from '@/format/time'

/** A pack's group QR code as its preview shows it: lapsing within the studio's warning hours (GROUP_QR_WARN_HOURS), as the alerts warn. */
export function qrState(expiresAt: string, lapsed: boolean, now = studioNow()): 'ok' | 'lapsing' | 'lapsed' {
  if (lapsed) return 'lapsed'
  const { state } = qrExpiry(expiresAt, now)
  return state === 'valid' ? 'ok' : state
}
