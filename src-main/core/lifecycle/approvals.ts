import type { Appeal, MemberEvent, ProposedAction } from '../../../src-shared/contracts/lifecycle'
import { OrchardError } from '../../../src-shared/errors'
import type { Db } from '../db/connection'
import {
  APPEAL_SELECT,
  APPEALS,
  MEMBER_EVENT_COLUMNS,
  RULE_ACTION_SELECT,
  toAppeal,
  toMemberEvent,
  toProposedAction,
  type AppealRow,
  type MemberEventRow,
  type RuleActionRow,
} from '../db/tables/lifecycle'
import { insertRow } from '../db/tables/table'
import { newId } from '../ids'
import { recordChange, ruleWriter, type ChangeWriter } from '../records/changes'
import { readRecords } from '../records/sync'
import { appendAudit, SYSTEM_ACTOR, type Actor } from '../audit/audit'
import { describeAction } from './rules'
import { DAY_MS } from './studioTime'

function actionRow(db: Db, id: string): RuleActionRow {
  const row = db.prepare(`${RULE_ACTION_SELECT} WHERE a.id = ?`).get(id) as RuleActionRow | undefined
  if (!row) throw new OrchardError('not_found', `处理提议不存在 / proposed action not found: ${id}`, { id })
  return row
}

export function getAction(db: Db, id: string): ProposedAction {
  return toProposedAction(actionRow(db, id))
}

export function listActions(
  db: Db,
  q: { status?: string[]; memberId?: string; ruleId?: string; offset: number; limit: number },
): { rows: ProposedAction[]; total: number } {
  const clauses: string[] = []
  const params: unknown[] = []
  if (q.status?.length) {
    clauses.push(`a.status IN (${q.status.map(() => '?').join(',')})`)
    params.push(...q.status)
  }
  if (q.memberId) {
    clauses.push('a.member_id = ?')
    params.push(q.memberId)
  }
  if (q.ruleId) {
    clauses.push('a.rule_id = ?')
    params.push(q.ruleId)
  }
  const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM rule_actions a ${where}`).get(...params) as { n: number }).n
  // Awaiting approval first (oldest first: fairness), then the decided, newest first.
  const rows = db
    .prepare(
      `${RULE_ACTION_SELECT} ${where}
        ORDER BY a.status = 'proposed' DESC, CASE WHEN a.status = 'proposed' THEN a.proposed_at END ASC, COALESCE(a.decided_at, a.proposed_at) DESC, a.id
        LIMIT ? OFFSET ?`,
    )
    .all(...params, q.limit, q.offset) as RuleActionRow[]
  return { rows: rows.map(toProposedAction), total }
}

export function actionEvents(db: Db, actionId: string): MemberEvent[] {
  return (
    db
      .prepare(
        `SELECT ${MEMBER_EVENT_COLUMNS} FROM rule_action_events x JOIN member_events e ON e.id = x.event_id JOIN members m ON m.id = e.member_id
          WHERE x.action_id = ? ORDER BY e.occurred_at`,
      )
      .all(actionId) as MemberEventRow[]
  ).map(toMemberEvent)
}

function auditView(a: ProposedAction): Record<string, unknown> {
  return { status: a.status, memberId: a.memberId, ruleId: a.ruleId, action: a.action, decidedBy: a.decidedBy, decisionReason: a.decisionReason, overturnedAt: a.overturnedAt }
}

/** A proposal or an appeal as the team shares it (its fields as the field table names them). */
const sharedAction = (db: Db, id: string) => readRecords(db, 'action', [id]).get(id)
const sharedAppeal = (db: Db, id: string) => readRecords(db, 'appeal', [id]).get(id)

/**
 * Approves or rejects proposals. All or none: when any of them was already decided the
 * whole batch is refused, so a manager never approves something twice by accident.
 * An approved suspension pauses an active member until it ends (maintenance restores them).
 * The decision is a change of the team's record, made through `changes` (a role that may
 * not decide is refused there too, and nothing is written); the member's pause is a change
 * of its own, from the rule, made here once — a workstation taking the decision from the
 * team takes the member's status from the team as well and pauses no one again.
 */
export function decideActions(db: Db, ids: string[], decision: 'approved' | 'rejected', reason: string, actor: Actor, now: Date, changes: ChangeWriter): ProposedAction[] {
  const rows = ids.map((id) => actionRow(db, id))
  const decided = rows.filter((r) => r.status !== 'proposed')
  if (decided.length) {
    throw new OrchardError(
      'already_decided',
      `${decided.length} 条提议已经处理过，不能再次${decision === 'approved' ? '批准' : '驳回'} / ${decided.length} of these were already decided`,
      { ids: decided.map((r) => r.id), statuses: decided.map((r) => r.status) },
    )
  }
  const at = now.toISOString()
  const effects: ChangeWriter = { ...changes, source: 'rule' }
  return db.transaction(() =>
    rows.map((row) => {
      const before = toProposedAction(row)
      const held = sharedAction(db, row.id)
      let effectUntil: string | null = null
      let effectState: string | null = null
      if (decision === 'approved' && row.kind === 'suspension') {
        effectUntil = new Date(now.getTime() + row.days * DAY_MS).toISOString()
        const paused = db.prepare("UPDATE members SET status = 'paused', updated_at = ? WHERE id = ? AND status = 'active'").run(at, row.member_id)
        effectState = paused.changes > 0 ? 'paused' : null
        if (paused.changes > 0) {
          recordChange(effects, { record: 'member', id: row.member_id, label: row.member_name, op: 'update', before: { status: 'active' }, after: { status: 'paused' } })
        }
      }
      db.prepare(
        'UPDATE rule_actions SET status = ?, decided_at = ?, decided_by = ?, decided_by_name = ?, decision_reason = ?, effect_until = ?, effect_state = ?, updated_at = ? WHERE id = ?',
      ).run(decision, at, actor.id, actor.name, reason, effectUntil, effectState, at, row.id)
      recordChange(changes, { record: 'action', id: row.id, label: `${row.rule_name} · ${row.member_name}`, op: 'update', before: held, after: sharedAction(db, row.id), audited: true })
      const after = getAction(db, row.id)
      appendAudit(
        db,
        actor,
        {
          kind: decision === 'approved' ? 'action.approved' : 'action.rejected',
          entity: 'action',
          entityId: row.id,
          summary: `${decision === 'approved' ? '批准' : '驳回'}：${row.member_name} · ${describeAction(after.action)}（${row.rule_name}）—— ${reason} / ${decision}: ${row.member_name}`,
          before: auditView(before),
          after: auditView(after),
        },
        now,
      )
      return after
    }),
  )()
}

/** Members paused by a suspension that has ended become active again (unless someone changed them since). */
export function endSuspensions(db: Db, now: Date): number {
  const at = now.toISOString()
  const due = db
    .prepare("SELECT id, member_id FROM rule_actions WHERE kind = 'suspension' AND status = 'approved' AND effect_state = 'paused' AND (effect_until <= ? OR overturned_at IS NOT NULL)")
    .all(at) as { id: string; member_id: string }[]
  let restored = 0
  const changes = ruleWriter(db, SYSTEM_ACTOR, now)
  // Each member's status and its change record are written together.
  db.transaction(() => {
    for (const d of due) {
      // Another suspension still running keeps the member paused.
      const other = db
        .prepare("SELECT 1 FROM rule_actions WHERE member_id = ? AND id <> ? AND kind = 'suspension' AND status = 'approved' AND effect_state = 'paused' AND effect_until > ? AND overturned_at IS NULL")
        .get(d.member_id, d.id, at)
      const back = other ? 0 : db.prepare("UPDATE members SET status = 'active', updated_at = ? WHERE id = ? AND status = 'paused'").run(at, d.member_id).changes
      if (back) {
        const name = (db.prepare('SELECT name FROM members WHERE id = ?').get(d.member_id) as { name: string }).name
        recordChange(changes, { record: 'member', id: d.member_id, label: name, op: 'update', before: { status: 'paused' }, after: { status: 'active' } })
      }
      restored += back
      db.prepare("UPDATE rule_actions SET effect_state = 'restored' WHERE id = ?").run(d.id)
    }
  })()
  return restored
}

// ---------------------------------------------------------------- appeals

export function listAppeals(db: Db, q: { status?: string[]; memberId?: string; actionId?: string }): Appeal[] {
  const clauses: string[] = []
  const params: unknown[] = []
  if (q.status?.length) {
    clauses.push(`p.status IN (${q.status.map(() => '?').join(',')})`)
    params.push(...q.status)
  }
  if (q.memberId) {
    clauses.push('a.member_id = ?')
    params.push(q.memberId)
  }
  if (q.actionId) {
    clauses.push('p.action_id = ?')
    params.push(q.actionId)
  }
  const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''
  return (db.prepare(`${APPEAL_SELECT} ${where} ORDER BY p.status = 'open' DESC, p.filed_at DESC`).all(...params) as AppealRow[]).map(toAppeal)
}

function appealRow(db: Db, id: string): AppealRow {
  const row = db.prepare(`${APPEAL_SELECT} WHERE p.id = ?`).get(id) as AppealRow | undefined
  if (!row) throw new OrchardError('not_found', `申诉不存在 / appeal not found: ${id}`, { id })
  return row
}

/**
 * A member's appeal against an approved action, recorded by whoever took it. One appeal per
 * action, open or decided: the team keys appeals by their action (NATURAL_KEYS), so one
 * filed on another workstation offline becomes this one when it reaches the team, what it
 * says otherwise kept as a conflict of it.
 */
export function fileAppeal(db: Db, actionId: string, reason: string, actor: Actor, now: Date, changes: ChangeWriter): Appeal {
  const action = actionRow(db, actionId)
  if (action.status !== 'approved') {
    throw new OrchardError('not_appealable', '只能对已批准的处理提出申诉 / only an approved action can be appealed', { actionId, status: action.status })
  }
  if (action.overturned_at) throw new OrchardError('not_appealable', '该处理已被撤销 / this action was already overturned', { actionId })
  if (action.open_appeal) throw new OrchardError('appeal_open', '该处理已有待裁决的申诉 / this action already has an open appeal', { actionId })
  const decided = db.prepare('SELECT id, status FROM appeals WHERE action_id = ? LIMIT 1').get(actionId) as { id: string; status: string } | undefined
  if (decided) {
    throw new OrchardError('already_appealed', '该处理的申诉已经裁决，一项处理只能申诉一次 / this action’s appeal was decided already: an action is appealed once', {
      actionId,
      appealId: decided.id,
      status: decided.status,
    })
  }
  const id = newId()
  return db.transaction(() => {
    const at = now.toISOString()
    insertRow(db, APPEALS, {
      id,
      action_id: actionId,
      reason,
      filed_at: at,
      filed_by: actor.id,
      filed_by_name: actor.name,
      status: 'open',
      decided_at: null,
      decided_by: null,
      decided_by_name: null,
      decision_reason: null,
      created_at: at,
      updated_at: at,
    })
    recordChange(changes, { record: 'appeal', id, label: `${action.rule_name} · ${action.member_name}`, op: 'create', after: sharedAppeal(db, id), audited: true })
    const appeal = toAppeal(appealRow(db, id))
    appendAudit(
      db,
      actor,
      {
        kind: 'appeal.filed',
        entity: 'appeal',
        entityId: id,
        summary: `${action.member_name} 对「${action.rule_name}」的处理提出申诉：${reason} / ${action.member_name} appealed`,
        after: { actionId, reason, status: 'open' },
      },
      now,
    )
    return appeal
  })()
}

/** Upheld: the action stands. Overturned: the action is reversed (money actions then reach the ledger's reversals). */
export function decideAppeal(db: Db, appealId: string, decision: 'upheld' | 'overturned', reason: string, actor: Actor, now: Date, changes: ChangeWriter): Appeal {
  const row = appealRow(db, appealId)
  if (row.status !== 'open') throw new OrchardError('already_decided', '该申诉已经裁决 / this appeal was already decided', { appealId, status: row.status })
  const at = now.toISOString()
  const label = `${row.rule_name} · ${row.member_name}`
  return db.transaction(() => {
    const held = sharedAppeal(db, appealId)
    db.prepare('UPDATE appeals SET status = ?, decided_at = ?, decided_by = ?, decided_by_name = ?, decision_reason = ?, updated_at = ? WHERE id = ?').run(
      decision,
      at,
      actor.id,
      actor.name,
      reason,
      at,
      appealId,
    )
    recordChange(changes, { record: 'appeal', id: appealId, label, op: 'update', before: held, after: sharedAppeal(db, appealId), audited: true })
    if (decision === 'overturned') {
      const action = sharedAction(db, row.action_id)
      db.prepare('UPDATE rule_actions SET overturned_at = ?, updated_at = ? WHERE id = ?').run(at, at, row.action_id)
      recordChange(changes, { record: 'action', id: row.action_id, label, op: 'update', before: action, after: sharedAction(db, row.action_id), audited: true })
      endSuspensions(db, now)
    }
    const after = toAppeal(appealRow(db, appealId))
    appendAudit(
      db,
      actor,
      {
        kind: decision === 'upheld' ? 'appeal.upheld' : 'appeal.overturned',
        entity: 'appeal',
        entityId: appealId,
        summary: `${decision === 'upheld' ? '维持' : '撤销'}对 ${row.member_name} 的处理（${row.rule_name}）—— ${reason} / appeal ${decision}`,
        before: { status: 'open', actionId: row.action_id },
        after: { status: decision, actionId: row.action_id, reason },
      },
      now,
    )
    return after
  })()
}

export function pendingCounts(db: Db): { actions: number; appeals: number } {
  return {
    actions: (db.prepare("SELECT COUNT(*) AS n FROM rule_actions WHERE status = 'proposed'").get() as { n: number }).n,
    appeals: (db.prepare("SELECT COUNT(*) AS n FROM appeals WHERE status = 'open'").get() as { n: number }).n,
  }
}
