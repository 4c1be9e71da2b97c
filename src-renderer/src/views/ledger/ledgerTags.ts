import type { PayoutBatch, Withdrawal } from '@shared/contracts/ledger'
import type { LedgerEntryKind, LedgerStatus } from '@shared/ledgerWire'
import type { TagType } from '@/composables/recordLabels'

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

/** Waiting for a decision (neutral), on its way (blue), paid (green), sent back (orange), failed (red). */
export const WITHDRAWAL_TAG: Record<Withdrawal['status'], TagType> = {
  requested: 'default',
  approved: 'info',
  batched: 'info',
  paid: 'success',
  rejected: 'warning',
  failed: 'error',
}
export const BATCH_TAG: Record<PayoutBatch['status'], TagType> = { open: 'info', paid: 'success', partly_failed: 'warning' }
