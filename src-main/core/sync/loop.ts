import type { SyncPhase, SyncRound, SyncStatus } from '../../../src-shared/contracts/sync'
import type { JobProgress } from '../../../src-shared/schemas'
import { OrchardError } from '../../../src-shared/errors'
import type { CoreContext } from '../context'
import { waitForWriteLock } from '../db/connection'
import { REQUEST_TIMEOUT_MS, SyncFailure, SyncHttp } from './http'
import type { LedgerSyncPort } from './port'
import { MAX_RECORDS_WAIT_S } from '../../../src-shared/recordsProtocol'
import { needsSnapshot, snapshotState } from '../records/snapshot'
import { recordIssueCount, recordsCursor, recordsPending } from '../records/sync'
import { runRound, type SyncStep } from './round'
import { conflictCount, isEnrolled, readSyncState, recordAttempt, recordFailure, recordSuccess, refusedCount, unknownMembers } from './state'

export interface SyncLoopOptions {
  /** Between rounds while all is well (status changes are pulled on this rhythm). */
  idleMs?: number
  /**
   * How often the outbox is looked at for new entries while idle: for what other programs
   * (a CLI import) write to the studio. This program's own writes call `wrote()`.
   */
  watchMs?: number
  /** After a write of this program, the round that pushes it starts this much later (the writes of one burst go together). */
  pushDelayMs?: number
  /**
   * While online, one records pull is kept waiting on the server this many seconds for the
   * team's next change (0: none; the team's changes then come with the rounds only).
   */
  waitS?: number
  /** The first retry after a failure; doubled per failure, with jitter, up to maxBackoffMs. */
  backoffMs?: number
  maxBackoffMs?: number
  random?: () => number
  fetch?: typeof fetch
  timeoutMs?: number
  onStep?(step: SyncStep): void | Promise<void>
  pushBatch?: number
  pullPage?: number
  /** Records per page of a new workstation's snapshot. */
  snapshotPage?: number
}

const DEFAULTS = { idleMs: 60_000, watchMs: 3_000, backoffMs: 2_000, maxBackoffMs: 5 * 60_000, pushDelayMs: 200, waitS: MAX_RECORDS_WAIT_S }

/**
 * Exponential back-off with "full jitter": a random wait between half and all of
 * base·2^(failures-1), capped — so a team's workstations coming back after an
 * outage do not knock on the server in step.
 */
export function backoffDelay(failures: number, base: number, max: number, random: () => number): number {
  const ceiling = Math.min(max, base * 2 ** Math.max(0, failures - 1))
  return Math.round(ceiling / 2 + (ceiling / 2) * random())
}

/**
 * The background sync of one open studio: one round at a time, a timer between
 * rounds, back-off after failures, and the state the console shows — emitted as
 * `sync.state` whenever it changes. Stopping aborts the request in flight and
 * waits for the round to let go of the database.
 */
export class SyncLoop {
  private phase: Exclude<SyncPhase, 'unenrolled'> = 'idle'
  private online = false
  private nextAttemptAt: Date | null = null
  private timer: NodeJS.Timeout | null = null
  private watcher: NodeJS.Timeout | null = null
  private current: Promise<SyncRound> | null = null
  private stopped = false
  /** The background rounds run (start()): a loop made for "sync now" alone neither pushes after writes nor keeps a pull waiting. */
  private started = false
  private readonly abort = new AbortController()
  private lastEmit = 0
  /** The snapshot a new workstation is taking, as the round last reported it (with its rate). */
  private bootstrap: JobProgress | null = null
  /** A round is wanted as soon as the one in flight ends (the team had news, or this program wrote, during it). */
  private again = false
  private pushTimer: NodeJS.Timeout | null = null
  /** The waiting pull is open (at most one). */
  private listening = false
  /** Waiting pulls failed in a row: the next one waits its back-off, so a server that refuses them is not asked in a loop. */
  private listenFailures = 0
  private readonly o: Required<Pick<SyncLoopOptions, 'idleMs' | 'watchMs' | 'backoffMs' | 'maxBackoffMs' | 'random' | 'pushDelayMs' | 'waitS'>> & SyncLoopOptions

  constructor(
    private readonly ctx: CoreContext,
    private readonly port: LedgerSyncPort,
    options: SyncLoopOptions = {},
  ) {
    this.o = { ...DEFAULTS, random: Math.random, ...options }
    const state = readSyncState(ctx.db)
    if (state.revokedAt) this.phase = 'revoked'
    else if (state.lastError) this.phase = state.lastError.code === 'sync_unreachable' || state.lastError.code === 'sync_timeout' ? 'offline' : 'error'
    this.online = Boolean(state.lastSuccessAt) && !state.lastError
  }

  /** Begins the background rounds (the first one at once). */
  start(): void {
    if (this.stopped) return
    this.started = true
    if (this.phase !== 'revoked') this.schedule(0)
    this.watcher = setInterval(() => this.watchOutbox(), this.o.watchMs)
    this.watcher.unref()
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.abort.abort()
    if (this.timer) clearTimeout(this.timer)
    if (this.watcher) clearInterval(this.watcher)
    if (this.trailing) clearTimeout(this.trailing)
    if (this.pushTimer) clearTimeout(this.pushTimer)
    this.timer = this.watcher = this.trailing = this.pushTimer = null
    this.nextAttemptAt = null
    await this.current?.catch(() => undefined)
  }

  get isStopped(): boolean {
    return this.stopped
  }

  /**
   * One round now (after the one in flight, if any): push until the outbox is
   * empty, pull until the server has nothing newer. Resolves with what it did, or
   * rejects with the round's error; either way the next round is scheduled.
   */
  async syncNow(): Promise<SyncRound> {
    while (this.current) await this.current.catch(() => undefined)
    if (this.stopped) throw new SyncFailure('sync_unreachable', '同步已停止 / sync stopped', false)
    // Nothing to try without a server: refused before a round would record an attempt and its failure.
    if (!isEnrolled(readSyncState(this.ctx.db))) {
      throw new SyncFailure('sync_not_enrolled', '此工作站尚未连接团队服务器 / this workstation is not enrolled with a team server', false)
    }
    return this.round()
  }

  /** The state for the console (see SyncStatus in the contract). */
  status(): SyncStatus {
    return syncStatus(this.ctx, this.port, this)
  }

  runtime(): { phase: SyncStatus['phase']; online: boolean; nextAttemptAt: string | null; bootstrap: JobProgress | null } {
    return { phase: this.phase, online: this.online, nextAttemptAt: this.nextAttemptAt?.toISOString() ?? null, bootstrap: this.bootstrap }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return
    if (this.timer) clearTimeout(this.timer)
    this.nextAttemptAt = new Date(this.ctx.clock.now().getTime() + delayMs)
    this.timer = setTimeout(() => {
      this.timer = null
      if (!this.current) this.round().catch(() => undefined)
    }, delayMs)
    this.timer.unref()
  }

  /**
   * This program wrote to the studio (a write method of the core finished): what it put in
   * the outbox goes up shortly, without waiting for the outbox's next look. Offline or after
   * a failure the back-off decides instead.
   */
  wrote(): void {
    if (!this.started || this.stopped || this.pushTimer || this.phase === 'revoked' || !Number.isFinite(this.o.pushDelayMs)) return
    this.pushTimer = setTimeout(() => {
      this.pushTimer = null
      if (this.stopped || (this.phase !== 'idle' && this.phase !== 'syncing')) return
      try {
        if (this.port.outboxCount(this.ctx.db) > 0 || recordsPending(this.ctx.db) > 0) this.soon()
      } catch {
        // The database is being replaced (restore); the outbox's next look will do.
      }
    }, this.o.pushDelayMs)
    this.pushTimer.unref()
  }

  /** A round now, or right after the one in flight. */
  private soon(): void {
    if (this.stopped || this.phase === 'revoked') return
    if (this.current) this.again = true
    else this.round().catch(() => undefined)
  }

  /**
   * The waiting pull: while this workstation is online, one records pull stays open on the
   * server (GET /v1/records/pull?wait=…), answered when another device stores a change; a
   * round then takes it (the round alone writes what is pulled), and the pull is opened
   * again. It holds neither the database nor the round: writes and "sync now" go on beside
   * it. When it fails (a lost reply, the server restarting, the device revoked, the network
   * gone) a round finds out what it is and records it; the pull is opened again only after
   * a round succeeds.
   */
  private listen(): void {
    if (!this.started || this.listening || this.stopped || !this.o.waitS || !this.listenable()) return
    this.listening = true
    const pause = this.listenFailures ? backoffDelay(this.listenFailures, this.o.backoffMs, this.o.maxBackoffMs, this.o.random) : 0
    void (async () => {
      if (pause) await new Promise<void>((r) => setTimeout(r, pause).unref())
      await this.waitForTeam()
    })().finally(() => (this.listening = false))
  }

  private listenable(): boolean {
    if (this.stopped || this.phase !== 'idle' || !this.online) return false
    try {
      return isEnrolled(readSyncState(this.ctx.db)) && !needsSnapshot(this.ctx.db)
    } catch {
      return false
    }
  }

  private async waitForTeam(): Promise<void> {
    let after = 0
    while (this.listenable()) {
      const state = readSyncState(this.ctx.db)
      after = Math.max(after, recordsCursor(this.ctx.db))
      const http = new SyncHttp({
        baseUrl: state.serverUrl ?? '',
        token: state.token,
        signal: this.abort.signal,
        fetch: this.o.fetch,
        // The server holds the answer up to waitS: the request's own limit comes on top.
        timeoutMs: this.o.waitS * 1000 + (this.o.timeoutMs ?? REQUEST_TIMEOUT_MS),
      })
      const asked = Date.now()
      let page
      try {
        page = await http.pullRecords(after, 1, this.o.waitS)
      } catch {
        this.listenFailures++
        if (!this.stopped) this.soon()
        return
      }
      this.listenFailures = 0
      if (this.stopped) return
      if (page.changes.length || page.conflicts.length || page.more || page.high < after) {
        // News: a round takes it; the pull is opened again once it (and any it asked for) is done.
        this.soon()
        while (this.current) await this.current.catch(() => undefined)
        continue
      }
      after = Math.max(after, page.cursor)
      // Answered early with nothing (the server stopping, or one that does not hold pulls): not again at once.
      if (Date.now() - asked < 1000) await new Promise<void>((r) => setTimeout(r, this.o.watchMs).unref())
    }
  }

  private watchOutbox(): void {
    if (this.stopped || this.current || this.phase !== 'idle') return
    try {
      if (this.port.outboxCount(this.ctx.db) > 0 || recordsPending(this.ctx.db) > 0) this.schedule(0)
    } catch {
      // The database is being replaced (restore); the next look will do.
    }
  }

  private round(): Promise<SyncRound> {
    const run = (async () => {
      if (this.timer) clearTimeout(this.timer)
      this.timer = null
      this.nextAttemptAt = null
      this.phase = 'syncing'
      // Another program (a CLI import) may hold the write lock: the round waits its turn without freezing the host.
      await waitForWriteLock(this.ctx.db)
      recordAttempt(this.ctx.db, this.ctx.clock.now().toISOString())
      this.emit(true)
      const state = readSyncState(this.ctx.db)
      const http = new SyncHttp({ baseUrl: state.serverUrl ?? '', token: state.token, signal: this.abort.signal, fetch: this.o.fetch, timeoutMs: this.o.timeoutMs })
      try {
        const result = await runRound({
          ctx: this.ctx,
          port: this.port,
          http,
          stopped: () => this.stopped,
          onStep: this.o.onStep,
          onProgress: () => this.emit(false),
          onLedgerChanged: () => this.ledgerChanged(),
          onRecordsChanged: () => this.recordsChanged(),
          onBootstrap: (progress) => this.bootstrapped(progress),
          pushBatch: this.o.pushBatch,
          pullPage: this.o.pullPage,
          snapshotPage: this.o.snapshotPage,
        })
        if (this.stopped) return result
        await waitForWriteLock(this.ctx.db)
        recordSuccess(this.ctx.db, result)
        // The server is reachable: members' pages catch up (links, live codes, packs not
        // published yet, earnings, ticks). Its failure is the pages' own, recorded there; the
        // ledger's round stands.
        // It runs beside the loop (stopping the loop stops it): `orchard sync` waits for it as the core closes.
        if (!this.stopped) void this.ctx.pagesExchange?.({ fetch: this.o.fetch, timeoutMs: this.o.timeoutMs, signal: this.abort.signal })
        this.phase = 'idle'
        this.online = true
        this.schedule(this.o.idleMs)
        this.listen()
        return result
      } catch (err) {
        if (this.stopped) throw err
        const e = err instanceof OrchardError ? err : OrchardError.from(err)
        const reachable = err instanceof SyncFailure ? err.reachable : false
        const revoked = e.code === 'sync_revoked'
        try {
          await waitForWriteLock(this.ctx.db)
          recordFailure(this.ctx.db, { code: e.code, message: e.message }, this.ctx.clock.now().toISOString(), revoked)
        } catch {
          // The database went away under the round (closing, restore): nothing to record.
        }
        this.online = reachable
        if (revoked) this.phase = 'revoked'
        else if (e.code === 'sync_not_enrolled') this.phase = 'idle'
        else {
          this.phase = reachable ? 'error' : 'offline'
          const failures = readSyncState(this.ctx.db).failures
          this.schedule(backoffDelay(failures, this.o.backoffMs, this.o.maxBackoffMs, this.o.random))
        }
        throw e
      } finally {
        this.bootstrap = null
        if (!this.stopped) this.emit(true)
      }
    })()
    this.current = run
    const settled = () => {
      if (this.current !== run) return
      this.current = null
      // Asked for while it ran: one more round at once, unless this one failed (the back-off then decides).
      const wanted = this.again
      this.again = false
      if (wanted && !this.stopped && this.phase === 'idle') this.round().catch(() => undefined)
    }
    run.then(settled, settled)
    return run
  }

  /** The snapshot's progress goes out as the job engine's event and with the sync state (the team-sync tab shows it). */
  private bootstrapped(progress: JobProgress | null): void {
    this.bootstrap = progress
    try {
      if (progress) this.ctx.emit('job.progress', progress)
    } catch {
      // a listener's failure is the listener's
    }
    // Once a page (thousands of records): the tab's progress moves with every page, however fast they come.
    this.emit(true)
  }

  private lastChanged = 0
  private trailing: NodeJS.Timeout | null = null
  /** Tells the console the ledger moved: at most twice a second during a long pull, and always once after the last page. */
  /** The team's changes arrived: every screen showing a shared record reads it again. */
  private recordsChanged(): void {
    try {
      this.ctx.emit('data.changed', { entities: ['customers', 'products', 'members', 'groups'] })
    } catch {
      // a listener's failure is the listener's
    }
  }

  private ledgerChanged(): void {
    const wait = this.lastChanged + 500 - Date.now()
    if (wait > 0) {
      this.trailing ??= setTimeout(() => {
        this.trailing = null
        if (!this.stopped) this.ledgerChanged()
      }, wait)
      return
    }
    this.lastChanged = Date.now()
    try {
      this.ctx.emit('data.changed', { entities: ['ledger'] })
    } catch {
      // a listener's failure is the listener's
    }
  }

  /** Emits `sync.state`; progress during a round at most four times a second. */
  private emit(always: boolean): void {
    const now = Date.now()
    if (!always && now - this.lastEmit < 250) return
    this.lastEmit = now
    try {
      this.ctx.emit('sync.state', this.status())
    } catch {
      // Listeners' failures are theirs; a closed database means the core is going away.
    }
  }
}

/** The state from the database, with the live loop's phase and timer when one runs. */
export function syncStatus(ctx: CoreContext, port: LedgerSyncPort, loop: SyncLoop | null): SyncStatus {
  const s = readSyncState(ctx.db)
  const unknown = unknownMembers(ctx.db)
  const enrolled = isEnrolled(s)
  let phase: SyncPhase = 'unenrolled'
  let online = false
  let nextAttemptAt: string | null = null
  let bootstrap: JobProgress | null = null
  if (enrolled) {
    if (loop && !loop.isStopped) ({ phase, online, nextAttemptAt, bootstrap } = loop.runtime())
    else {
      phase = s.revokedAt ? 'revoked' : s.lastError ? (/unreachable|timeout/.test(s.lastError.code) ? 'offline' : 'error') : 'idle'
      online = Boolean(s.lastSuccessAt) && !s.lastError
    }
  }
  return {
    enrolled,
    phase,
    online,
    serverUrl: s.serverUrl,
    team: s.team,
    deviceId: s.deviceId,
    deviceName: s.deviceName,
    pending: port.outboxCount(ctx.db),
    waiting: unknown.count,
    unknownMembers: unknown.codes,
    conflicts: conflictCount(ctx.db),
    refused: refusedCount(ctx.db),
    lastSuccessAt: s.lastSuccessAt,
    lastAttemptAt: s.lastAttemptAt,
    lastError: s.lastError,
    nextAttemptAt,
    failures: s.failures,
    // A round recorded before refusals were counted has none.
    lastRound: s.lastRound
      ? { ...s.lastRound, refused: s.lastRound.refused ?? 0, records: s.lastRound.records ?? { pushed: 0, pulled: 0, conflicts: 0, refused: 0, notApplied: 0, pending: 0 } }
      : null,
    records: { pending: recordsPending(ctx.db), issues: recordIssueCount(ctx.db) },
    bootstrap: enrolled ? (bootstrap ?? unfinishedSnapshot(ctx)) : null,
  }
}

/** A snapshot stopped half-way (the workstation was closed during it): where it stands, until the next round goes on. */
function unfinishedSnapshot(ctx: CoreContext): JobProgress | null {
  const s = snapshotState(ctx.db)
  return s.at === null ? null : { jobId: 'sync.bootstrap', kind: 'records.bootstrap', phase: 'snapshot', done: s.done, total: Math.max(s.total, s.done) }
}
