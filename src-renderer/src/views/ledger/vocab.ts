import type { LedgerEntryKind, LedgerStatus } from '@shared/ledgerWire'

type TagType = 'default' | 'success' | 'info' | 'warning' | 'error'

/** Paid is settled (green), approved is on its way (blue), pending waits (neutral), rejected is void (red). */
export const STATUS_TAG: Record<LedgerStatus, TagType> = { pending: 'default', approved: 'info', paid: 'success', rejected: 'error' }
export const KIND_TAG: Record<LedgerEntryKind, TagType> = {
  sale_commission: 'success',
  mentor_commission: 'info',
  membership_fee: 'default',
  penalty: 'error',
  bonus: 'warning',
  reversal: 'default',
  withdrawal: 'warning',
}
