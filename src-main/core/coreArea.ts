import type { CoreContext } from './context'

/** What an area's demo seeding gets: the same seed and moment as the records (same seed → same studio). */
export interface AreaSeedOptions {
  seed: number
  now: Date
  timezone: string
}

/**
 * An area of the core beyond the records (materials, lifecycle, ledger): its
 * background work, started once the core is open and stopped when it closes,
 * and its part of the demo studio.
 */
export interface CoreArea {
  /** Starts background work (resuming interrupted jobs, a sync loop). Must not throw. */
  start?(ctx: CoreContext): void
  /** Periodic upkeep the hosts call (hourly). */
  maintenance?(ctx: CoreContext): Promise<void>
  /** Stops timers and workers; the database closes right after. */
  stop?(ctx: CoreContext): void | Promise<void>
  /**
   * Empties this area's studio data before the records are emptied (a new empty
   * studio, or before the demo is seeded again). Runs inside a transaction.
   */
  clearStudio?(ctx: CoreContext): void
  /** Adds this area's part of the demo studio, after the records were seeded. Runs inside a transaction. */
  seedDemo?(ctx: CoreContext, options: AreaSeedOptions): void
}
