import type { AuditRecordWire } from '../../../src-shared/auditChain'
import type { TeamAuditResult } from '../../../src-shared/contracts/lifecycle'
import { OrchardError } from '../../../src-shared/errors'
import type { CoreContext } from '../context'
import type { Db } from '../db/connection'
import { SyncHttp } from './http'
import { isEnrolled, readSyncState } from './state'
import { workstationId } from '../workstation'
import { readLifecycleSetting, writeLifecycleSetting } from '../db/lifecycleSettings'
import { chainRecord, type AuditRow } from '../audit/audit'

/**
 * This workstation's side of the team's audit: its chain travels to the team server record
 * by record, in chain order, as the shared records' changes do — `audit_pushed` is the last
 * record the server holds (its own answer), a batch is marked only once answered, and a
 * repeat is answered the same way. The server checks every record links to the one before;
 * a batch it refuses stays here, the refusal is kept for the audit screen, and the rest of
 * the round (ledger, records) goes on.
 */
export const auditPushed = (db: Db): number => (db.prepare('SELECT audit_pushed AS n FROM sync_state WHERE id = 1').get() as { n: number }).n

export function auditPending(db: Db): number {
  return (db.prepare('SELECT count(*) AS n FROM audit_log WHERE seq > ?').get(auditPushed(db)) as { n: number }).n
}

/** The next `limit` records of the chain the server does not hold yet, oldest first. */
export function auditOutbox(db: Db, limit: number): AuditRecordWire[] {
  const rows = db.prepare('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?').all(auditPushed(db), limit) as AuditRow[]
  return rows.map((r) => chainRecord(r))
}

export function markAuditPushed(db: Db, upTo: number): void {
  db.prepare('UPDATE sync_state SET audit_pushed = ? WHERE id = 1').run(upTo)
  db.prepare("DELETE FROM lifecycle_settings WHERE key = 'audit_push_refused'").run()
}

/** A server this workstation has not spoken with: the whole chain is offered again. */
export function restartAuditPush(db: Db): void {
  db.prepare('UPDATE sync_state SET audit_pushed = 0 WHERE id = 1').run()
  db.prepare("DELETE FROM lifecycle_settings WHERE key = 'audit_push_refused'").run()
}

export interface AuditPushRefusal {
  at: string
  code: string
  message: string
  details: unknown
}

export function recordAuditRefusal(db: Db, refusal: AuditPushRefusal): void {
  writeLifecycleSetting(db, 'audit_push_refused', refusal)
}

export const auditRefusal = (db: Db): AuditPushRefusal | null => readLifecycleSetting<AuditPushRefusal>(db, 'audit_push_refused') ?? null

/**
 * The team's audit, verified by the team server: every workstation's chain as pushed and the
 * server's own, each from its first record against its head; with where this workstation's
 * chain stands (records here, how many the server holds, a refused push).
 */
export async function verifyTeamAudit(ctx: CoreContext): Promise<TeamAuditResult> {
  const state = readSyncState(ctx.db)
  if (!isEnrolled(state)) {
    throw new OrchardError('sync_not_enrolled', '此工作站尚未连接团队服务器，团队的审计无从校验 / this workstation is not enrolled with a team server: there is no team audit to verify')
  }
  const team = await new SyncHttp({ baseUrl: state.serverUrl ?? '', token: state.token }).verifyTeamAudit()
  const refused = auditRefusal(ctx.db)
  return {
    ...team,
    here: {
      workstationId: workstationId(ctx.db),
      records: (ctx.db.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n,
      pushed: auditPushed(ctx.db),
      refused: refused ? { at: refused.at, message: refused.message, details: refused.details } : null,
    },
  }
}
