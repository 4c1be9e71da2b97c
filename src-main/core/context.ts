import type { Session } from '../../src-shared/roles'
import type { EventName, EventPayload, MethodName, MethodOutput, MethodParsedInput, ServiceName } from '../../src-shared/contract'
import type { Clock } from './clock'
import type { Db } from './db/connection'
import type { KeyStore } from './ledger/keystore'
import type { DataPaths } from './paths'

export type HostKind = 'electron' | 'browser' | 'cli' | 'test'

/** What every handler may touch: the database, the data folder, the clock, and the event bus. */
export interface CoreContext {
  db: Db
  paths: DataPaths
  clock: Clock
  host: HostKind
  version: string
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void
  /** The studio's time zone (a setting; Asia/Shanghai by default). */
  timezone(): string
  /** better_sqlite3.node for the running runtime, for second connections (restore). */
  nativeBinding?: string
  /** The key that encrypts members' payout accounts (OS keychain in the desktop shell, a 0600 key file elsewhere). */
  keyStore: KeyStore
  /** Who the core acts for (the signed-in profile); permissions are checked against it. */
  session: Session
  /** Re-open the database after its file was replaced (restore). */
  reopen(): void
  /**
   * Offers the team server what members' pages need (packs, links, live codes) and takes
   * back what members did there; called after a pack run and after a sync round. Set by
   * the core (members' pages sit above packs and sync, which only ask for it).
   */
  pagesExchange?(options?: PagesExchangeOptions): Promise<void>
  /** The address of a member's own page when it has a live link (printed as a QR on kits and statements). */
  memberPageUrl?(memberId: string): string | null
  /** The address of a group's live code (/g/<code>) when it has one: posters and group packs carry it instead of the 7-day image. */
  liveCodeUrl?(groupId: string): string | null
}

export interface PagesExchangeOptions {
  fetch?: typeof fetch
  signal?: AbortSignal
  timeoutMs?: number
  /** Publish only these runs (a job, or a day's runs) instead of every run not published yet. */
  publish?: { jobId?: string; date?: string }
}

export type Handler<S extends ServiceName, M extends MethodName<S>> = (
  input: MethodParsedInput<S, M>,
  ctx: CoreContext,
) => MethodOutput<S, M> | Promise<MethodOutput<S, M>>

/** One domain's handlers: exactly the methods its contract entry declares. */
export type ServiceHandlers<S extends ServiceName> = { [M in MethodName<S>]: Handler<S, M> }

export type AllHandlers = { [S in ServiceName]: ServiceHandlers<S> }
