/**
 * Waiting pulls of the records (GET /v1/records/pull?wait=N): a workstation that is online
 * keeps one pull open, and the server answers it as soon as another device of its team has
 * stored a change, instead of the workstation asking again on a timer.
 *
 * A long poll rather than server-sent events: the answer is the ordinary pull page (the
 * same schema, the same authentication, the same cursor), it passes any proxy that passes
 * the other calls, and a lost answer is just a request that timed out — the workstation's
 * existing retry and back-off cover it. What is held here is only who is waiting in this
 * process; the change itself is read from the database after the wake-up, so a wake-up
 * that comes too early or not at all costs at most one wait, never a change. Several server
 * processes on one database tell each other through NOTIFY on RECORDS_CHANNEL (`heard`).
 */
import type { Storage } from './storage'

/** The channel server processes tell each other of stored changes and revoked devices on. */
export const RECORDS_CHANNEL = 'orchard_records'

/** What one process tells the others: a team's changes stored by a device, or a device revoked. */
export type RecordsNotice = { stored: string; by: string } | { revoked: string }

/** Tells every server process on the database, this one included (a second wake-up here finds nobody waiting). */
export async function tellOthers(storage: Storage, notice: RecordsNotice): Promise<void> {
  await storage.query('SELECT pg_notify($1, $2)', [RECORDS_CHANNEL, JSON.stringify(notice)])
}

export interface Waiter {
  team: string
  deviceId: string
  wake(): void
}

export class RecordsWatch {
  private readonly waiting = new Set<Waiter>()
  private closed = false

  /**
   * Resolves when a device of `team` other than `deviceId` stores changes, when `deviceId` is
   * revoked, when the server closes, when `signal` aborts (the caller went away) or after `ms`.
   * Register before reading the database and await after, so a change stored between the two
   * is not missed: see `subscribe`.
   */
  subscribe(team: string, deviceId: string, ms: number, signal?: AbortSignal): { woken: Promise<void>; cancel(): void } {
    let waiter!: Waiter
    let timer: NodeJS.Timeout | undefined
    const woken = new Promise<void>((resolve) => {
      const done = () => {
        this.waiting.delete(waiter)
        clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        resolve()
      }
      waiter = { team, deviceId, wake: done }
      if (this.closed || signal?.aborted) return done()
      this.waiting.add(waiter)
      timer = setTimeout(done, ms)
      signal?.addEventListener('abort', done, { once: true })
    })
    return { woken, cancel: () => waiter.wake() }
  }

  /** Another device stored changes: every other waiting device of the team pulls them now. */
  stored(team: string, byDevice: string): void {
    for (const w of [...this.waiting]) if (w.team === team && w.deviceId !== byDevice) w.wake()
  }

  /** A revoked device's waiting pull ends at once (its next call is refused). */
  revoked(deviceId: string): void {
    for (const w of [...this.waiting]) if (w.deviceId === deviceId) w.wake()
  }

  /** A notice from a server process (see tellOthers); anything else on the channel is ignored. */
  heard(payload: string): void {
    let notice: Partial<{ stored: unknown; by: unknown; revoked: unknown }>
    try {
      notice = JSON.parse(payload) as typeof notice
    } catch {
      return
    }
    if (typeof notice.stored === 'string' && typeof notice.by === 'string') this.stored(notice.stored, notice.by)
    else if (typeof notice.revoked === 'string') this.revoked(notice.revoked)
  }

  /** The server is stopping: nobody is kept waiting for it. */
  close(): void {
    this.closed = true
    for (const w of [...this.waiting]) w.wake()
  }

  get size(): number {
    return this.waiting.size
  }
}
