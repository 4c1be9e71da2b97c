import type { SyncRound } from '../../../src-shared/contracts/sync'
import type { LedgerEntryWire, LedgerStatusChange } from '../../../src-shared/ledgerWire'
import type { PulledRecordChange, RecordChangeWire, RecordMerged, RecordRefusal, RecordsSnapshotResponse, SyncedRecord } from '../../../src-shared/recordsProtocol'
import type { PulledEntry } from '../../../src-shared/syncProtocol'
import type { JobProgress } from '../../../src-shared/schemas'
import type { CoreContext } from '../context'
import { waitForWriteLock, type Db } from '../db/connection'
import { progressMeter } from '../jobs/progress'
import { downloadFiles, emptyFilesRound, namedFiles, pruneFiles, uploadFiles } from './files'
import { SyncFailure, type SyncHttp } from './http'
import type { LedgerSyncPort } from './port'
import {
  adoptMergedRecords,
  applyPulledRecords,
  markRecordsPushed,
  recordRefusals,
  recordsCursor,
  recordsOutbox,
  recordsPending,
  recordsPushed,
  restartRecordsSync,
  saveRecordsCursor,
} from '../records/sync'
import { forgetRestoresHere, saveConflicts } from '../records/conflicts'
import { refreshCustomerStats } from '../customers/derived'
import { linkPulledEntries } from '../records/orders'
import { finishSnapshot, needsSnapshot, snapshotState, withoutForeignKeys, writeSnapshotPage } from '../records/snapshot'
import { auditOutbox, auditPending, auditPushed, auditRefusal, markAuditPushed, recordAuditRefusal, restartAuditPush } from './teamAudit'
import { adoptServer, clearRefused, isEnrolled, readSyncState, recordConflicts, recordRefused, recordUnknownMembers, saveCursor } from './state'

/**
 * The steps of a round, in order. Each network step is safe to repeat and each
 * local step is one SQLite transaction, so a workstation killed between any two of
 * them loses nothing and duplicates nothing: at worst the next round repeats a
 * request the server already answered, and the server answers it the same way.
 */
export const SYNC_STEPS = ['hello', 'push.request', 'push.answered', 'push.marked', 'pull.request', 'pull.received', 'pull.applied'] as const
/** The shared records' steps, after the ledger's (the records' push ones only when there is something to send). */
export const RECORDS_SYNC_STEPS = [
  'records.push.request',
  'records.push.answered',
  'records.push.marked',
  'records.pull.request',
  'records.pull.received',
  'records.pull.applied',
] as const
/** A new workstation's snapshot steps (before the records' push), page by page until the last one. */
export const SNAPSHOT_SYNC_STEPS = ['records.snapshot.request', 'records.snapshot.received', 'records.snapshot.applied'] as const
/** The audit's steps, last (only when there are records of the chain the server does not hold). */
export const AUDIT_SYNC_STEPS = ['audit.push.request', 'audit.push.answered', 'audit.push.marked'] as const
export type SyncStep =
  | (typeof SYNC_STEPS)[number]
  | (typeof RECORDS_SYNC_STEPS)[number]
  | (typeof SNAPSHOT_SYNC_STEPS)[number]
  | (typeof AUDIT_SYNC_STEPS)[number]

/** Entries per push request (the server takes up to 2000). */
export const PUSH_BATCH = 2000
/**
 * Push requests in flight at once: while the server stores one batch the next is
 * already on its way, and the workstation marks an answered batch while the next is
 * stored (the server stores a team's batches one at a time).
 */
export const PUSH_IN_FLIGHT = 2
/** Batches read from the outbox at a time; the lanes above work through them. */
const PUSH_WINDOW = 8
export const PULL_PAGE = 500
/** Record changes per push request and per pull page (the server takes up to 1000 and 2000). */
export const RECORDS_PUSH_BATCH = 500
export const RECORDS_PULL_PAGE = 1000
/** Records per snapshot page (the server gives up to 5000). */
export const SNAPSHOT_PAGE = 5000
/** Audit records per push request (the server takes up to 1000). */
export const AUDIT_PUSH_BATCH = 500
/** How soon audit records the server refused are offered again. */
const AUDIT_RETRY_MS = 3_600_000
/** Push-then-pull passes in one round at most (entries posted while a round runs are taken along). */
const MAX_PASSES = 5

export interface RoundEnv {
  ctx: CoreContext
  port: LedgerSyncPort
  http: SyncHttp
  /** True once the core is closing: no more writes to its database. */
  stopped(): boolean
  /** Test seam: called at each step; throwing here is a crash at that step. */
  onStep?(step: SyncStep): void | Promise<void>
  /** After each batch or page, so the console's pending count moves during a long round. */
  onProgress?(): void
  /** The ledger changed here (entries or statuses from the server): screens showing it refresh. */
  onLedgerChanged?(): void
  /** Records changed here by the team's other workstations: screens showing them refresh. */
  onRecordsChanged?(): void
  pushBatch?: number
  pullPage?: number
  recordsPushBatch?: number
  recordsPullPage?: number
  snapshotPage?: number
  /** A new workstation taking the team's snapshot: where it stands, after each page (null once it is done). */
  onBootstrap?(progress: JobProgress | null): void
}

/** The server was reset or restored while the round ran: start over against the new instance. */
class ServerChanged extends Error {}

export async function runRound(env: RoundEnv): Promise<SyncRound> {
  const { ctx, port, http } = env
  const db = (): Db => {
    if (env.stopped()) throw new SyncFailure('sync_unreachable', '同步已停止 / sync stopped', false)
    return ctx.db
  }
  const step = async (s: SyncStep) => {
    if (env.onStep) await env.onStep(s)
  }
  const round: SyncRound = {
    startedAt: ctx.clock.now().toISOString(),
    finishedAt: '',
    pushed: 0,
    accepted: 0,
    conflicts: 0,
    refused: 0,
    pulled: 0,
    statusChanges: 0,
    pending: 0,
    serverReset: false,
    records: { pushed: 0, pulled: 0, conflicts: 0, refused: 0, notApplied: 0, pending: 0 },
    audit: { pushed: 0, pending: 0 },
    files: emptyFilesRound(),
  }
  if (!isEnrolled(readSyncState(db()))) {
    throw new SyncFailure('sync_not_enrolled', '此工作站尚未连接团队服务器 / this workstation is not enrolled with a team server', false)
  }

  /** Every local entry goes back into the outbox and the cursors restart: nothing is deleted here. */
  const adopt = (serverId: string) => {
    const d = db()
    d.transaction(() => {
      port.requeueAll(d)
      restartRecordsSync(d)
      restartAuditPush(d)
      adoptServer(d, serverId)
      d.prepare('DELETE FROM sync_conflicts').run()
    })()
    round.serverReset = true
  }

  for (let attempt = 0; ; attempt++) {
    try {
      const hello = await http.hello()
      await step('hello')
      const known = readSyncState(db()).serverId
      if (known !== hello.serverId) {
        await waitForWriteLock(db())
        adopt(hello.serverId)
      }
      const serverId = hello.serverId
      for (let pass = 0; pass < MAX_PASSES; pass++) {
        await pushAll(env, db, step, round, serverId)
        await pullAll(env, db, step, round, serverId)
        // Before this workstation's own records go up: the snapshot is the team's book without them
        // (a record of the team one of them shares a natural key with is left for the server to merge).
        if (needsSnapshot(db())) await snapshotAll(env, db, step, round, serverId)
        // The pictures the waiting changes name reach the server before the changes naming them.
        const named = namedFiles(db())
        await uploadFiles(db, http, round.files)
        await pushRecordsAll(env, db, step, round, serverId)
        await pullRecordsAll(env, db, step, round, serverId)
        if (await downloadFiles(db, http, round.files)) env.onRecordsChanged?.()
        pruneFiles(db(), named)
        await pushAuditAll(env, db, step, round, serverId)
        if (port.outboxCount(db()) === 0 && recordsPending(db()) === 0) break
      }
      break
    } catch (err) {
      if (!(err instanceof ServerChanged) || attempt >= 2) throw err
    }
  }
  round.pending = port.outboxCount(db())
  round.records.pending = recordsPending(db())
  round.audit.pending = auditPending(db())
  round.finishedAt = ctx.clock.now().toISOString()
  return round
}

async function pushAll(env: RoundEnv, db: () => Db, step: (s: SyncStep) => Promise<void>, round: SyncRound, serverId: string): Promise<void> {
  const { port, http, ctx } = env
  const size = env.pushBatch ?? PUSH_BATCH
  for (;;) {
    const pending = port.outboxBatch(db(), size * PUSH_WINDOW)
    if (!pending.length) return
    const batches: (typeof pending)[] = []
    for (let i = 0; i < pending.length; i += size) batches.push(pending.slice(i, i + size))
    // PUSH_IN_FLIGHT requests on the way at all times: each batch is marked as soon as its own answer
    // is in, while the next ones travel. A lost reply leaves its batch in the outbox and the next round
    // sends it again (the server keeps ids forever). After a failure no new batch is sent.
    let next = 0
    let failure: { err: unknown } | null = null
    const pushOne = async (batch: typeof pending): Promise<void> => {
      await step('push.request')
      const answer = await http.push(batch)
      round.pushed += batch.length
      if (answer.serverId !== serverId) throw new ServerChanged()
      await step('push.answered')
      const settled = new Set([...answer.accepted, ...answer.conflicts.map((c) => c.id), ...answer.refused.map((r) => r.id)])
      const missing = batch.filter((e) => !settled.has(e.id))
      if (missing.length) {
        throw new SyncFailure('sync_protocol', `团队服务器没有答复 ${missing.length} 条分录 / the team server left ${missing.length} entries unanswered`, true, {
          ids: missing.slice(0, 5).map((e) => e.id),
        })
      }
      await waitForWriteLock(db())
      const d = db()
      d.transaction(() => {
        // A conflicting entry will never be accepted as it is: it leaves the outbox and waits in sync_conflicts for a person.
        // So does one the server refused (sync_refused, with its reason): the entries behind it keep syncing.
        port.markAccepted(d, [...settled])
        const mine = new Map(batch.map((e) => [e.id, e]))
        if (answer.conflicts.length) recordConflicts(d, answer.conflicts, mine, ctx.clock.now().toISOString())
        if (answer.refused.length) recordRefused(d, answer.refused, mine, ctx.clock.now().toISOString())
        clearRefused(d, answer.accepted)
      })()
      round.accepted += answer.accepted.length
      round.conflicts += answer.conflicts.length
      round.refused += answer.refused.length
      await step('push.marked')
      env.onProgress?.()
    }
    const lane = async (): Promise<void> => {
      while (!failure && next < batches.length) {
        try {
          await pushOne(batches[next++])
        } catch (err) {
          failure ??= { err }
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(PUSH_IN_FLIGHT, batches.length) }, lane))
    if (failure) throw (failure as { err: unknown }).err
  }
}

async function pullAll(env: RoundEnv, db: () => Db, step: (s: SyncStep) => Promise<void>, round: SyncRound, serverId: string): Promise<void> {
  const { http, ctx } = env
  const size = env.pullPage ?? PULL_PAGE
  for (;;) {
    const state = readSyncState(db())
    const cursor = { entries: state.entriesCursor, statuses: state.statusesCursor }
    await step('pull.request')
    const page = await http.pull(cursor, size)
    if (page.serverId !== serverId) throw new ServerChanged()
    if (page.high.entries < cursor.entries || page.high.statuses < cursor.statuses) {
      // The server went back in time (restored from an older backup): it lost what came after.
      await waitForWriteLock(db())
      const d = db()
      d.transaction(() => {
        env.port.requeueAll(d)
        saveCursor(d, { entries: 0, statuses: 0 })
        restartRecordsSync(d)
        restartAuditPush(d)
      })()
      round.serverReset = true
      throw new ServerChanged()
    }
    await step('pull.received')
    await waitForWriteLock(db())
    const d = db()
    const at = ctx.clock.now().toISOString()
    d.transaction(() => {
      applyPulled(env.port, d, page.entries, at)
      if (page.statusChanges.length) env.port.applyStatusChanges(d, page.statusChanges)
      saveCursor(d, page.cursor)
    })()
    round.pulled += page.entries.length
    round.statusChanges += page.statusChanges.length
    if (page.entries.length || page.statusChanges.length) env.onLedgerChanged?.()
    await step('pull.applied')
    env.onProgress?.()
    if (!page.more) return
  }
}

/**
 * Sends the records' outbox one batch at a time, oldest first; a batch is marked
 * pushed only once the server has answered for every change of it (a lost reply
 * sends it again, and the server applies nothing twice).
 */
async function pushRecordsAll(env: RoundEnv, db: () => Db, step: (s: SyncStep) => Promise<void>, round: SyncRound, serverId: string): Promise<void> {
  const { http, ctx } = env
  const size = env.recordsPushBatch ?? RECORDS_PUSH_BATCH
  for (;;) {
    const batch = recordsOutbox(db(), size)
    if (batch.upTo <= recordsPushed(db())) return
    let refused: RecordRefusal[] = []
    let merged: RecordMerged[] = []
    if (batch.changes.length) {
      await step('records.push.request')
      const answer = await http.pushRecords(readSyncState(db()).team ?? '', batch.changes)
      round.records.pushed += batch.changes.length
      if (answer.serverId !== serverId) throw new ServerChanged()
      await step('records.push.answered')
      const settled = new Set([...answer.accepted, ...answer.refused.map((r) => r.clientSeq)])
      const missing = batch.changes.filter((c) => !settled.has(c.clientSeq))
      if (missing.length) {
        throw new SyncFailure('sync_protocol', `团队服务器没有答复 ${missing.length} 条记录变更 / the team server left ${missing.length} record changes unanswered`, true, {
          clientSeqs: missing.slice(0, 5).map((c) => c.clientSeq),
        })
      }
      refused = answer.refused
      merged = answer.merged
    }
    await waitForWriteLock(db())
    const d = db()
    d.transaction(() => {
      markRecordsPushed(d, batch.upTo)
      forgetRestoresHere(d, [...batch.unsentRestores, ...restoresRefused(refused, batch.changes)])
      if (merged.length) adoptMergedRecords(d, merged, ctx.clock.now().toISOString())
      if (refused.length) {
        const at = ctx.clock.now().toISOString()
        recordRefusals(d, refused, batch.changes, at)
        // Undone here as the team's book holds it (a field changed again since is left as it is: it is sent next).
        applyPulledRecords(d, restoresOf(refused, batch.changes), at)
      }
    })()
    if (refused.length || merged.length) env.onRecordsChanged?.()
    round.records.refused += refused.length
    await step('records.push.marked')
    env.onProgress?.()
  }
}

/** The conflicts the refused changes were restoring. */
function restoresRefused(refused: RecordRefusal[], sent: RecordChangeWire[]): string[] {
  const bySeq = new Map(sent.map((c) => [c.clientSeq, c]))
  return refused.flatMap((r) => bySeq.get(r.clientSeq)?.restores ?? [])
}

/**
 * A workstation that has pulled nothing yet takes the team's records as of one server
 * sequence, page by page, each page with the snapshot's place in one transaction (so a
 * workstation stopped half-way goes on from there); after the last page, the references
 * are checked once and the records cursor becomes that sequence. The changes after it
 * are then pulled as usual.
 */
async function snapshotAll(env: RoundEnv, db: () => Db, step: (s: SyncStep) => Promise<void>, round: SyncRound, serverId: string): Promise<void> {
  const { http, ctx } = env
  const size = env.snapshotPage ?? SNAPSHOT_PAGE
  const started = performance.now()
  let records = 0
  // The job engine's progress, handed to the sync loop (which sends it on and keeps it for the
  // sync state); every page goes out, as a page is thousands of records however fast it came.
  // Its rate counts from the round's start: the first report comes with the first page written.
  const meter = progressMeter({ emit: (_event, progress) => env.onBootstrap?.(progress) }, 'sync.bootstrap', 'records.bootstrap', {
    minIntervalMs: 0,
    since: { at: started, done: snapshotState(db()).done },
  })
  const report = (phase: string, state: { done: number; total: number }) => meter(phase, state.done, Math.max(state.total, state.done))
  // The next page is asked for as soon as a page arrives, so the server reads it while this
  // workstation writes the one before. A page is only read on the server: one asked for and
  // never written (the round stopped) changes nothing, and the next round asks again from
  // the place the last written page left.
  let ahead: { key: string; page: Promise<RecordsSnapshotResponse> } | null = null
  const ask = (q: { at: number | null; record: SyncedRecord | null; after: string }) => {
    const page = http.recordsSnapshot(q, size)
    // Settled later (or dropped with the round): never an unhandled rejection meanwhile.
    page.catch(() => undefined)
    return { key: JSON.stringify([q.at, q.record, q.after]), page }
  }
  for (;;) {
    const from = snapshotState(db())
    // The total is known from the first page on (the server counts the records at `at`).
    if (from.at !== null) report('snapshot', from)
    await step('records.snapshot.request')
    const asked = ahead?.key === JSON.stringify([from.at, from.record, from.after]) ? ahead : ask({ at: from.at, record: from.record, after: from.after })
    ahead = null
    const page = await asked.page
    if (page.serverId !== serverId) throw new ServerChanged()
    await step('records.snapshot.received')
    if (page.next) ahead = ask({ at: page.at, record: page.next.record, after: page.next.after })
    await waitForWriteLock(db())
    const d = db()
    const at = ctx.clock.now().toISOString()
    const written = withoutForeignKeys(d, () =>
      d.transaction(() => {
        const result = writeSnapshotPage(d, page, at)
        if (!page.next) {
          saveConflicts(d, page.conflicts)
          // A reference to a record the team's book no longer holds is cleared here, and kept as an issue.
          result.notApplied += finishSnapshot(d, at).dangling
          // The orders came in bulk: their ledger entries and their buyers' figures follow once.
          linkPulledEntries(d)
          refreshCustomerStats(d, 'all')
        }
        return result
      })(),
    )
    records += page.records.length
    // What the team had that this workstation did not: its own records come back in the snapshot too.
    round.records.pulled += written.fresh
    round.records.notApplied += written.notApplied
    if (written.written) env.onRecordsChanged?.()
    await step('records.snapshot.applied')
    env.onProgress?.()
    if (!page.next) {
      report('done', { done: from.done + page.records.length, total: from.done + page.records.length })
      env.onBootstrap?.(null)
      if (records) round.records.bootstrap = { records: from.done + page.records.length, seq: page.at, ms: Math.round(performance.now() - started) }
      return
    }
  }
}

/**
 * Sends this workstation's audit chain, oldest record first, each batch marked once the
 * server holds it (its `upTo`). A batch the server refuses (it does not continue the chain
 * the server holds) stays here with the refusal kept for the audit screen; the round's other
 * work is done and the next round offers it again.
 */
async function pushAuditAll(env: RoundEnv, db: () => Db, step: (s: SyncStep) => Promise<void>, round: SyncRound, serverId: string): Promise<void> {
  const { http, ctx } = env
  // A refused chain does not mend itself: it is offered again hourly, not every round (each refusal is a record of the server's chain).
  const refused = auditRefusal(db())
  if (refused && ctx.clock.now().getTime() - Date.parse(refused.at) < AUDIT_RETRY_MS) return
  for (;;) {
    const batch = auditOutbox(db(), AUDIT_PUSH_BATCH)
    if (!batch.length) return
    await step('audit.push.request')
    let upTo: number
    try {
      const answer = await http.pushAudit(batch)
      if (answer.serverId !== serverId) throw new ServerChanged()
      upTo = answer.upTo
    } catch (err) {
      if (!(err instanceof SyncFailure) || (err.details as { serverCode?: string } | undefined)?.serverCode !== 'audit_chain_broken') throw err
      await waitForWriteLock(db())
      recordAuditRefusal(db(), { at: ctx.clock.now().toISOString(), code: 'audit_chain_broken', message: err.message, details: (err.details as { details?: unknown }).details ?? null })
      return
    }
    round.audit.pushed += batch.length
    await step('audit.push.answered')
    const before = auditPushed(db())
    await waitForWriteLock(db())
    const d = db()
    d.transaction(() => markAuditPushed(d, upTo))()
    await step('audit.push.marked')
    env.onProgress?.()
    // The server holds no more than it did: what is left is for the next round.
    if (upTo <= before) return
  }
}

/**
 * What a studio had before it shared its lifecycle records, sent once by migration 0030: a
 * refused one (a device enrolled for a lower role than its fields need) is kept here as it
 * was, listed with the reason — the team never held it, and undoing it would remove it.
 */
const UPGRADE_TX = 'm0030-'

/** The changes that undo refused ones, in the shape of the team's changes. */
function restoresOf(refused: RecordRefusal[], sent: RecordChangeWire[]): PulledRecordChange[] {
  const bySeq = new Map(sent.map((c) => [c.clientSeq, c]))
  return refused.flatMap((r) => {
    const c = bySeq.get(r.clientSeq)
    if (!c || !r.restore) return []
    if (c.txId.startsWith(UPGRADE_TX) && r.restore.op === 'delete') return []
    return [{ seq: r.clientSeq, record: c.record, id: c.id, op: r.restore.op, field: r.restore.field, value: r.restore.value, deviceId: 'server', role: 'system', at: c.at }]
  })
}

/** Takes the team's record changes after the cursor, page by page, each page and its cursor in one transaction. */
async function pullRecordsAll(env: RoundEnv, db: () => Db, step: (s: SyncStep) => Promise<void>, round: SyncRound, serverId: string): Promise<void> {
  const { http, ctx } = env
  const size = env.recordsPullPage ?? RECORDS_PULL_PAGE
  for (;;) {
    const cursor = recordsCursor(db())
    await step('records.pull.request')
    const page = await http.pullRecords(cursor, size)
    if (page.serverId !== serverId) throw new ServerChanged()
    if (page.high < cursor) {
      // The server went back in time (restored from an older backup): everything is offered again.
      await waitForWriteLock(db())
      const d = db()
      d.transaction(() => {
        env.port.requeueAll(d)
        saveCursor(d, { entries: 0, statuses: 0 })
        restartRecordsSync(d)
        restartAuditPush(d)
      })()
      round.serverReset = true
      throw new ServerChanged()
    }
    await step('records.pull.received')
    await waitForWriteLock(db())
    const d = db()
    const at = ctx.clock.now().toISOString()
    const applied = d.transaction(() => {
      const result = applyPulledRecords(d, page.changes, at)
      if (result.buyers.length) refreshCustomerStats(d, result.buyers)
      const conflicts = saveConflicts(d, page.conflicts)
      saveRecordsCursor(d, page.cursor)
      return { ...result, conflicts }
    })()
    round.records.pulled += page.changes.length
    round.records.conflicts += applied.conflicts
    round.records.notApplied += applied.notApplied
    if (applied.applied) env.onRecordsChanged?.()
    await step('records.pull.applied')
    env.onProgress?.()
    if (!page.more) return
  }
}

const wireOf = (e: PulledEntry): LedgerEntryWire => ({
  id: e.id,
  memberCode: e.memberCode,
  kind: e.kind,
  amountFen: e.amountFen,
  sourceType: e.sourceType,
  sourceKey: e.sourceKey,
  reversesId: e.reversesId,
  schemeId: e.schemeId,
  schemeVersion: e.schemeVersion,
  period: e.period,
  occurredAt: e.occurredAt,
  memo: e.memo,
  deviceId: e.deviceId,
})

/**
 * Hands pulled entries to the ledger with the status the server holds for each (a
 * status change the entry received before this workstation saw it). Entries of
 * members unknown here are kept all the same; their codes are noted for the console.
 */
function applyPulled(port: LedgerSyncPort, db: Db, entries: PulledEntry[], at: string): void {
  if (!entries.length) return
  const result = port.applyRemoteEntries(db, entries.map(wireOf))
  if (result.unknownMembers.length) recordUnknownMembers(db, result.unknownMembers, at)
  const statuses: LedgerStatusChange[] = entries
    .filter((e) => e.statusSeq > 0)
    .map((e) => ({ entryId: e.id, status: e.status, seq: e.statusSeq, changedAt: e.statusChangedAt ?? at, note: null }))
  if (statuses.length) port.applyStatusChanges(db, statuses)
}
