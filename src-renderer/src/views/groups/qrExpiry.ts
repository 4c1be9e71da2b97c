import { qrExpiry as expiryAt, type QrExpiry, type QrState } from '@shared/materials/rules'
import { studioNow } from '@/format/time'

export { GROUP_QR_WARN_HOURS as QR_WARN_HOURS, type QrExpiry, type QrState } from '@shared/materials/rules'

/** How close a group's QR code is to lapsing, by the core's clock (the same line the drawer, the dashboard and the packs use). */
export const qrExpiry = (expiresAt: string, now: number = studioNow()): QrExpiry => expiryAt(expiresAt, now)

export const QR_STATE_TAG: Record<QrState, 'success' | 'warning' | 'error'> = { valid: 'success', lapsing: 'warning', lapsed: 'error' }
