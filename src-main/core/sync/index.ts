import { createHash, randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { syncContract, type SyncStatus } from '../../../src-shared/contracts/sync'
import type { EnrolRequest, EnrolResponse } from '../../../src-shared/syncProtocol'
import type { CoreArea } from '../coreArea'
import type { CoreContext, ServiceHandlers } from '../context'
import { SyncFailure, SyncHttp } from './http'
import { restartAuditPush, verifyTeamAudit } from './teamAudit'
import { SyncLoop, syncStatus, type SyncLoopOptions } from './loop'
import { ledgerSyncPort } from '../ledger/syncPort'
import { listConflicts as listRecordConflicts, restoreConflict } from '../records/conflicts'
import { listRecordIssues } from '../records/sync'
import type { LedgerSyncPort } from './port'
import { clearEnrolment, clearSyncStudio, listConflicts, listRefused, readSyncState, saveEnrolment } from './state'

export { SyncLoop, backoffDelay } from './loop'
export type { SyncLoopOptions } from './loop'
export { AUDIT_SYNC_STEPS, RECORDS_SYNC_STEPS, SNAPSHOT_SYNC_STEPS, SYNC_STEPS, type SyncStep } from './round'

type Services = keyof typeof syncContract

/** The ledger's side of the seam (core/ledger/syncPort.ts). */
const port = (): LedgerSyncPort => ledgerSyncPort

const loops = new WeakMap<CoreContext, SyncLoop>()
const loopOptions = new WeakMap<CoreContext, SyncLoopOptions>()

/** Starts (or restarts) the background sync of this studio; the CLI's `orchard sync` and the desktop/browser hosts use it. */
export async function startSyncLoop(ctx: CoreContext, options?: SyncLoopOptions): Promise<SyncLoop> {
  await stopSyncLoop(ctx)
  if (options) loopOptions.set(ctx, options)
  const loop = new SyncLoop(ctx, port(), loopOptions.get(ctx))
  loops.set(ctx, loop)
  loop.start()
  return loop
}

export async function stopSyncLoop(ctx: CoreContext): Promise<void> {
  const loop = loops.get(ctx)
  loops.delete(ctx)
  await loop?.stop()
}

export const syncLoopOf = (ctx: CoreContext): SyncLoop | null => loops.get(ctx) ?? null

/** The one loop for this studio, created on demand (not started) so `syncNow` works in every host. */
function loopFor(ctx: CoreContext): SyncLoop {
  let loop = loops.get(ctx)
  if (!loop || loop.isStopped) {
    loop = new SyncLoop(ctx, port(), loopOptions.get(ctx))
    loops.set(ctx, loop)
  }
  return loop
}

/**
 * Enrolment over a bad network: a lost reply has spent the code on the server, so the
 * same request is repeated; the server recognises it by the token hash and answers
 * the same device. Only network failures are retried; a refusal is final.
 */
async function enrolWithRetries(http: SyncHttp, request: EnrolRequest): Promise<EnrolResponse> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await http.enrol(request)
    } catch (err) {
      const transient = err instanceof SyncFailure && (!err.reachable || err.code === 'sync_server_error')
      if (!transient || attempt >= 5) throw err
      await new Promise((r) => setTimeout(r, 200 * attempt))
    }
  }
}

const status = (ctx: CoreContext): SyncStatus => syncStatus(ctx, port(), loops.get(ctx) ?? null)

/** Hosts that run the sync in the background; the CLI runs it only when asked (`orchard sync`). */
const autostarts = (ctx: CoreContext) => ctx.host !== 'cli'

/** The sync services, one handler per contract method. */
export const syncHandlers: { [S in Services]: ServiceHandlers<S> } = {
  records: {
    conflicts: (input, ctx) => listRecordConflicts(ctx, input.status),
    // The restore is an edit waiting to be sent: the next round takes it like any other.
    restoreConflict: (input, ctx) => restoreConflict(ctx, input.id),
  },
  sync: {
    status: (_input, ctx) => status(ctx),

    async enrol(input, ctx) {
      const ledger = port()
      const serverUrl = input.server.replace(/\/+$/, '')
      const deviceName = input.deviceName ?? hostname()
      // The device's token is made here and never crosses the network at enrolment; the server keeps only its hash.
      const token = `ord_${randomBytes(32).toString('base64url')}`
      const tokenHash = createHash('sha256').update(token, 'utf8').digest('hex')
      const answer = await enrolWithRetries(new SyncHttp({ baseUrl: serverUrl }), { code: input.code, tokenHash, deviceName, workstationId: ledger.deviceId(ctx.db) })
      const running = loops.get(ctx)
      await stopSyncLoop(ctx)
      const db = ctx.db
      db.transaction(() => {
        saveEnrolment(db, { serverUrl, team: answer.team, deviceId: answer.deviceId, deviceName, token, serverId: answer.serverId, at: ctx.clock.now().toISOString() })
        // A server (or team) this workstation may never have talked to: it gets every entry here, and answers "already stored" for those it has.
        ledger.requeueAll(db)
        db.prepare('DELETE FROM sync_conflicts').run()
        db.prepare('DELETE FROM sync_refused').run()
        db.prepare('DELETE FROM sync_record_issues').run()
        db.prepare('DELETE FROM record_conflicts').run()
        restartAuditPush(db)
      })()
      if (autostarts(ctx) || running) await startSyncLoop(ctx)
      const s = status(ctx)
      ctx.emit('sync.state', s)
      return s
    },

    async syncNow(_input, ctx) {
      return loopFor(ctx).syncNow()
    },

    conflicts: (_input, ctx) => listConflicts(ctx.db),

    refused: (_input, ctx) => listRefused(ctx.db),

    recordIssues: (_input, ctx) => listRecordIssues(ctx.db),

    async forget(_input, ctx) {
      await stopSyncLoop(ctx)
      clearEnrolment(ctx.db)
      const s = status(ctx)
      ctx.emit('sync.state', s)
      return s
    },
  },
}

/** The audit service's method that asks the team server (the audit's other methods are the lifecycle's). */
export const teamAuditHandlers: Pick<ServiceHandlers<'audit'>, 'verifyTeam'> = {
  verifyTeam: (_input, ctx) => verifyTeamAudit(ctx),
}

export const syncArea: CoreArea = {
  start(ctx) {
    if (!autostarts(ctx)) return
    try {
      const s = readSyncState(ctx.db)
      if (s.serverUrl && s.token) void startSyncLoop(ctx)
    } catch {
      // start must not throw; the console shows the state when asked.
    }
  },
  async stop(ctx) {
    await stopSyncLoop(ctx)
  },
  clearStudio(ctx) {
    void stopSyncLoop(ctx)
    clearSyncStudio(ctx.db)
  },
}
