import type { CoreContext } from './context'

/**
 * An area of the core beyond the records (materials, lifecycle, ledger): its
 * background work, started once the core is open and stopped when it closes.
 */
export interface CoreArea {
  /** Starts background work (resuming interrupted jobs, a sync loop). Must not throw. */
  start?(ctx: CoreContext): void
  /** Periodic upkeep the hosts call (hourly). */
  maintenance?(ctx: CoreContext): Promise<void>
  /** Stops timers and workers; the database closes right after. */
  stop?(ctx: CoreContext): void | Promise<void>
}
