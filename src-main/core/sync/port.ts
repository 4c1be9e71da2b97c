import type { LedgerEntryWire, LedgerStatusChange } from '../../../src-shared/ledgerWire'
import type { Db } from '../db/connection'

/**
 * What the sync needs from the ledger (core/ledger/syncPort.ts implements it). The
 * ledger owns its entries and the outbox it writes in the same transaction as each
 * entry; the sync only reads the outbox, confirms what the server took, and hands
 * over what the team's other workstations posted and what the server decided.
 */
export interface LedgerSyncPort {
  /** Unsent entries, oldest first. */
  outboxBatch(db: Db, limit: number): LedgerEntryWire[]
  /** The server holds these (stored now or before): drop them from the outbox. */
  markAccepted(db: Db, ids: string[]): void
  outboxCount(db: Db): number
  /** Inserts entries posted elsewhere (an id already here is skipped; entries of members unknown here are kept too, and their codes reported). */
  applyRemoteEntries(db: Db, entries: LedgerEntryWire[]): { inserted: number; unknownMembers: string[] }
  /** Applies the server's status decisions (newer sequence wins; unknown entries are skipped). */
  applyStatusChanges(db: Db, changes: LedgerStatusChange[]): { applied: number }
  /** This workstation's own id, written on the entries it posts. */
  deviceId(db: Db): string
  /** Puts every entry back into the outbox (the server was reset); returns how many. */
  requeueAll(db: Db): number
}
