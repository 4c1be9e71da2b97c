import { qrExpiry as expiryAt, type QrExpiry } from '@shared/materials/rules'
import { studioNow } from '@/format/time'

/** How close a group's QR code is to lapsing, by the core's clock (the same line the drawer, the dashboard and the packs use). */
export const qrExpiry = (expiresAt: string, now: number = studioNow()): QrExpiry => expiryAt(expiresAt, now)
