import { createHash } from 'node:crypto'
import type { z } from 'zod'
import {
  MEMBER_EVENT_LABELS,
  RULE_ACTION_LABELS,
  type EvaluationResult,
  type ProposedAction,
  type Rule,
  type RuleActionSpec,
  type RuleInput,
} from '../../../src-shared/contracts/lifecycle'
import { OrchardError } from '../../../src-shared/errors'
import type { Db } from '../db/connection'
import { proposalId } from '../db/proposalIds'
import { RULE_ACTION_EVENTS, RULE_ACTIONS, RULES, toRule, type MemberEventTableRow, type RuleRow } from '../db/tables/lifecycle'
import { insertRow, insertRowIfNew } from '../db/tables/table'
import { newId } from '../ids'
import { appendAudit, AuditBatch, type Actor } from '../audit/audit'
import { recordChange, ruleWriter, type ChangeWriter } from '../records/changes'
import { readRecords } from '../records/sync'
import { DAY_MS, StudioTime } from './studioTime'

type RuleFields = z.output<typeof RuleInput>

/** The rule book a studio starts with (DOMAIN: pruning — typical penalties and rewards). */
export const DEFAULT_RULES: Omit<RuleFields, 'effectiveFrom'>[] = [
  {
    name: '低于控价销售提醒',
    description: '每出现一次低于控价销售，提议一次警告，提醒控价保护的是整个团队的信任。',
    eventType: 'price_below_floor',
    threshold: 1,
    windowDays: 30,
    action: { kind: 'warning', points: 0, amountFen: 0, days: 0 },
    active: true,
  },
  {
    name: '屡次乱价扣除佣金',
    description: '30 天内 3 次低于控价销售，提议从佣金中扣除 50 元。',
    eventType: 'price_below_floor',
    threshold: 3,
    windowDays: 30,
    action: { kind: 'penalty', points: 0, amountFen: 5000, days: 0 },
    active: true,
  },
  {
    name: '欺骗式拉人头暂停资格',
    description: '经核实的欺骗式拉人头举报，提议暂停会员资格 30 天。',
    eventType: 'deceptive_recruiting',
    threshold: 1,
    windowDays: 90,
    action: { kind: 'suspension', points: 0, amountFen: 0, days: 30 },
    active: true,
  },
  {
    name: '销售其他平台商品',
    description: '30 天内 2 次销售其他平台商品，提议扣除佣金 100 元。',
    eventType: 'other_platform_goods',
    threshold: 2,
    windowDays: 30,
    action: { kind: 'penalty', points: 0, amountFen: 10000, days: 0 },
    active: true,
  },
  {
    name: '不让徒弟进群',
    description: '徒弟被留在群外会枯萎：每次发现提议一次警告。',
    eventType: 'apprentices_outside_group',
    threshold: 1,
    windowDays: 30,
    action: { kind: 'warning', points: 0, amountFen: 0, days: 0 },
    active: true,
  },
  {
    name: '群内分享经验奖励',
    description: '30 天内在群里分享 2 次经验，提议奖励 20 元。',
    eventType: 'experience_shared',
    threshold: 2,
    windowDays: 30,
    action: { kind: 'bonus', points: 0, amountFen: 2000, days: 0 },
    active: true,
  },
  {
    name: '发展并带好新会员',
    description: '帮助新会员扎根，记 50 积分。只记积分、不发奖金：按拉人头数量发钱属于传销（《禁止传销条例》第七条）。',
    eventType: 'member_recruited',
    threshold: 1,
    windowDays: 30,
    action: { kind: 'points', points: 50, amountFen: 0, days: 0 },
    active: true,
  },
  {
    name: '线下推广奖励',
    description: '组织一次线下推广活动，提议奖励 30 元。',
    eventType: 'offline_promotion',
    threshold: 1,
    windowDays: 30,
    action: { kind: 'bonus', points: 0, amountFen: 3000, days: 0 },
    active: true,
  },
]

/**
 * The action as stored: only the field its kind uses, the others zero. Refuses what the
 * law or common sense forbids, with the field to fix.
 */
export function normaliseAction(eventType: string, a: RuleFields['action']): RuleActionSpec {
  const fail = (field: string, message: string, value: unknown) => {
    throw new OrchardError('invalid_rule', message, { field: `action.${field}`, value })
  }
  switch (a.kind) {
    case 'penalty':
    case 'bonus':
      if (!(a.amountFen > 0)) fail('amountFen', '金额必须大于 0 分 / the amount must be more than 0 fen', a.amountFen)
      if (a.kind === 'bonus' && eventType === 'member_recruited') {
        fail(
          'kind',
          '不能按发展人数发放奖金：按拉人头数量计酬属于传销（《禁止传销条例》第七条）。可改为积分奖励。 / A cash bonus per recruit is not allowed: paying by the number of recruits is a pyramid scheme under Chinese law. Award points instead.',
          a.kind,
        )
      }
      return { kind: a.kind, points: 0, amountFen: a.amountFen, days: 0 }
    case 'points':
      if (a.points === 0) fail('points', '积分不能为 0 / points must not be 0', a.points)
      return { kind: 'points', points: a.points, amountFen: 0, days: 0 }
    case 'suspension':
      if (!(a.days >= 1)) fail('days', '暂停天数至少 1 天 / a suspension lasts at least 1 day', a.days)
      return { kind: 'suspension', points: 0, amountFen: 0, days: a.days }
    default:
      return { kind: 'warning', points: 0, amountFen: 0, days: 0 }
  }
}

/** The part of a rule the audit shows before and after a change. */
function auditView(rule: Rule): Record<string, unknown> {
  const { id: _id, createdAt: _c, updatedAt: _u, proposedCount: _p, ...rest } = rule
  return rest
}

export function ruleRow(db: Db, id: string): RuleRow {
  const row = db.prepare('SELECT * FROM rules WHERE id = ?').get(id) as RuleRow | undefined
  if (!row) throw new OrchardError('not_found', `规则不存在 / rule not found: ${id}`, { id })
  return row
}

export function listRules(db: Db, includeArchived: boolean): Rule[] {
  const counts = new Map(
    (db.prepare('SELECT rule_id AS id, COUNT(*) AS n FROM rule_actions GROUP BY rule_id').all() as { id: string; n: number }[]).map((r) => [r.id, r.n]),
  )
  const rows = db.prepare(`SELECT * FROM rules ${includeArchived ? '' : 'WHERE archived_at IS NULL'} ORDER BY archived_at IS NOT NULL, created_at, id`).all() as RuleRow[]
  return rows.map((r) => toRule(r, counts.get(r.id) ?? 0))
}

function duplicateName(db: Db, name: string, except?: string): void {
  if (db.prepare('SELECT 1 FROM rules WHERE name = ? AND archived_at IS NULL AND id IS NOT ?').get(name, except ?? null)) {
    throw new OrchardError('duplicate', `已有同名规则「${name}」/ a rule named ${name} already exists`, { field: 'name', value: name })
  }
}

/** A rule as the team shares it (its fields as the field table names them). */
const shared = (db: Db, id: string) => readRecords(db, 'rule', [id]).get(id)

/**
 * Rules are shared records: each write is checked and recorded through `changes` in its
 * transaction (a refused field takes the write back). Only the rules every studio starts
 * with are written without (installDefaultRules).
 */
export function createRule(db: Db, input: RuleFields, actor: Actor, now: Date, today: string, changes: ChangeWriter | null, id = newId()): Rule {
  duplicateName(db, input.name)
  const action = normaliseAction(input.eventType, input.action)
  const at = now.toISOString()
  return db.transaction(() => {
    insertRow(db, RULES, {
      id,
      name: input.name,
      description: input.description,
      event_type: input.eventType,
      threshold: input.threshold,
      window_days: input.windowDays,
      action_kind: action.kind,
      action_points: action.points,
      action_amount_fen: action.amountFen,
      action_days: action.days,
      active: input.active ? 1 : 0,
      effective_from: input.effectiveFrom ?? today,
      version: 1,
      archived_at: null,
      created_at: at,
      updated_at: at,
    })
    const rule = toRule(ruleRow(db, id))
    if (changes) recordChange(changes, { record: 'rule', id, label: rule.name, op: 'create', after: shared(db, id), audited: true })
    appendAudit(db, actor, { kind: 'rule.created', entity: 'rule', entityId: id, summary: `新建规则「${rule.name}」/ rule ${rule.name} created`, after: auditView(rule) }, now)
    return rule
  })()
}

export function updateRule(db: Db, id: string, patch: Partial<RuleFields>, actor: Actor, now: Date, changes: ChangeWriter | null): Rule {
  const beforeRow = ruleRow(db, id)
  if (beforeRow.archived_at) throw new OrchardError('rule_archived', '已停用的规则不能修改 / an archived rule cannot be changed', { id })
  const before = toRule(beforeRow)
  const merged: RuleFields = {
    name: patch.name ?? before.name,
    description: patch.description ?? before.description,
    eventType: (patch.eventType ?? before.eventType) as RuleFields['eventType'],
    threshold: patch.threshold ?? before.threshold,
    windowDays: patch.windowDays ?? before.windowDays,
    action: patch.action ?? before.action,
    active: patch.active ?? before.active,
    effectiveFrom: patch.effectiveFrom ?? before.effectiveFrom,
  }
  if (patch.name !== undefined) duplicateName(db, patch.name, id)
  const action = normaliseAction(merged.eventType, merged.action)
  return db.transaction(() => {
    const held = shared(db, id)
    db.prepare(
      `UPDATE rules SET name = ?, description = ?, event_type = ?, threshold = ?, window_days = ?, action_kind = ?, action_points = ?, action_amount_fen = ?,
         action_days = ?, active = ?, effective_from = ?, version = version + 1, updated_at = ? WHERE id = ?`,
    ).run(merged.name, merged.description, merged.eventType, merged.threshold, merged.windowDays, action.kind, action.points, action.amountFen, action.days, merged.active ? 1 : 0, merged.effectiveFrom, now.toISOString(), id)
    const after = toRule(ruleRow(db, id))
    if (changes) recordChange(changes, { record: 'rule', id, label: after.name, op: 'update', before: held, after: shared(db, id), audited: true })
    appendAudit(db, actor, { kind: 'rule.updated', entity: 'rule', entityId: id, summary: `修改规则「${after.name}」/ rule ${after.name} changed`, before: auditView(before), after: auditView(after) }, now)
    return after
  })()
}

export function archiveRule(db: Db, id: string, actor: Actor, now: Date, changes: ChangeWriter | null): Rule {
  const beforeRow = ruleRow(db, id)
  if (beforeRow.archived_at) return toRule(beforeRow)
  const before = toRule(beforeRow)
  return db.transaction(() => {
    const held = shared(db, id)
    db.prepare('UPDATE rules SET active = 0, archived_at = ?, updated_at = ?, version = version + 1 WHERE id = ?').run(now.toISOString(), now.toISOString(), id)
    const after = toRule(ruleRow(db, id))
    if (changes) recordChange(changes, { record: 'rule', id, label: after.name, op: 'update', before: held, after: shared(db, id), audited: true })
    appendAudit(db, actor, { kind: 'rule.archived', entity: 'rule', entityId: id, summary: `停用规则「${after.name}」/ rule ${after.name} archived`, before: auditView(before), after: auditView(after) }, now)
    return after
  })()
}

/**
 * The rule book every studio starts with, under the same ids on every workstation (made
 * from each rule's name): the same records of the team from the start, so they are not
 * sent as new ones — an edit of one travels as any change of a rule does.
 */
export function installDefaultRules(db: Db, actor: Actor, now: Date, effectiveFrom: string): void {
  for (const r of DEFAULT_RULES) createRule(db, { ...r, effectiveFrom }, actor, now, effectiveFrom, null, defaultRuleId(r.name))
}

export const defaultRuleId = (name: string) => `rule-${createHash('sha256').update(name).digest('hex').slice(0, 16)}`

export { proposalId }

// ---------------------------------------------------------------- evaluation

function fen(amount: number): string {
  return `¥${(amount / 100).toFixed(2)}`
}

export function describeAction(a: RuleActionSpec): string {
  const label = RULE_ACTION_LABELS[a.kind].zh
  switch (a.kind) {
    case 'penalty':
    case 'bonus':
      return `${label} ${fen(a.amountFen)}`
    case 'points':
      return `${label} ${a.points > 0 ? '+' : ''}${a.points}`
    case 'suspension':
      return `${label} ${a.days} 天`
    default:
      return label
  }
}

type EventRow = Pick<MemberEventTableRow, 'id' | 'member_id' | 'occurred_at'>

/**
 * Proposes the actions the rules call for. For each rule and member, the events not yet
 * used by one of that rule's proposals are walked in time order; as soon as N of them
 * fall within the window, they become one proposal and are used up. The proposal's key
 * is the rule, the member and exactly those events, and a table holds each (rule, event)
 * pair once — so evaluating again, or concurrently from the CLI, proposes nothing twice,
 * and an event added late cannot make an old group of events count again.
 */
export function evaluateRules(db: Db, timezone: string, asOfDate: Date, actor: Actor, options: { memberId?: string; ruleIds?: string[] } = {}): EvaluationResult {
  const started = performance.now()
  const asOf = asOfDate.toISOString()
  const time = new StudioTime(timezone, asOfDate)
  const rules = (db.prepare('SELECT * FROM rules WHERE active = 1 AND archived_at IS NULL ORDER BY created_at, id').all() as RuleRow[]).filter(
    (r) => !options.ruleIds || options.ruleIds.includes(r.id),
  )
  const names = new Map<string, { name: string; status: string }>()
  const memberOf = (id: string) => {
    let m = names.get(id)
    if (!m) {
      m = (db.prepare('SELECT name, status FROM members WHERE id = ?').get(id) as { name: string; status: string } | undefined) ?? { name: id, status: 'left' }
      names.set(id, m)
    }
    return m
  }
  const proposed: ProposedAction[] = []
  let scanned = 0
  // Each proposal is a create of the team's record, made as whoever evaluates (the studio itself on its rounds).
  const changes = ruleWriter(db, actor, asOfDate)

  db.transaction(() => {
    const audit = new AuditBatch(db)
    for (const rule of rules) {
      const from = new Date(time.startOf(rule.effective_from)).toISOString()
      const params: unknown[] = [rule.event_type, from, asOf]
      let memberClause = ''
      if (options.memberId) {
        memberClause = 'AND e.member_id = ?'
        params.push(options.memberId)
      }
      const events = db
        .prepare(
          `SELECT e.id, e.member_id, e.occurred_at FROM member_events e
            WHERE e.type = ? AND e.occurred_at >= ? AND e.occurred_at <= ? ${memberClause}
              AND NOT EXISTS (SELECT 1 FROM rule_action_events x WHERE x.rule_id = '${rule.id.replace(/'/g, "''")}' AND x.event_id = e.id)
            ORDER BY e.member_id, e.occurred_at, e.id`,
        )
        .all(...params) as EventRow[]
      scanned += events.length
      const windowMs = rule.window_days * DAY_MS
      let queue: EventRow[] = []
      let queueMember = ''
      const action: RuleActionSpec = { kind: rule.action_kind, points: rule.action_points, amountFen: rule.action_amount_fen, days: rule.action_days }
      for (const e of events) {
        if (e.member_id !== queueMember) {
          queue = []
          queueMember = e.member_id
        }
        const at = Date.parse(e.occurred_at)
        queue.push(e)
        while (queue.length && at - Date.parse(queue[0].occurred_at) >= windowMs) queue.shift()
        if (queue.length < rule.threshold) continue
        const used = queue
        queue = []
        const member = memberOf(e.member_id)
        if (member.status === 'left') continue
        const ids = used.map((u) => u.id).sort()
        const idemKey = createHash('sha256').update(`${rule.id}\n${e.member_id}\n${ids.join('\n')}`).digest('base64url')
        const windowFrom = used[0].occurred_at
        const windowTo = used[used.length - 1].occurred_at
        const id = proposalId(rule.id, e.member_id, windowFrom, windowTo)
        const label = MEMBER_EVENT_LABELS[rule.event_type].zh
        const reason =
          rule.threshold === 1
            ? `${time.dayOf(Date.parse(windowTo))} ${label} → 提议${describeAction(action)}`
            : `${rule.window_days} 天内${label} ${used.length} 次（${time.dayOf(Date.parse(windowFrom))} 至 ${time.dayOf(Date.parse(windowTo))}）→ 提议${describeAction(action)}`
        const written = insertRowIfNew(db, RULE_ACTIONS, {
          id,
          idem_key: idemKey,
          rule_id: rule.id,
          rule_name: rule.name,
          rule_version: rule.version,
          member_id: e.member_id,
          member_name: member.name,
          kind: action.kind,
          points: action.points,
          amount_fen: action.amountFen,
          days: action.days,
          reason,
          event_count: used.length,
          window_from: windowFrom,
          window_to: windowTo,
          status: 'proposed',
          proposed_at: asOf,
          decided_at: null,
          decided_by: null,
          decided_by_name: null,
          decision_reason: null,
          overturned_at: null,
          effect_until: null,
          effect_state: null,
          created_at: asOf,
          updated_at: asOf,
        })
        if (written === 0) continue
        for (const u of used) insertRowIfNew(db, RULE_ACTION_EVENTS, { rule_id: rule.id, event_id: u.id, action_id: id })
        recordChange(changes, {
          record: 'action',
          id,
          label: `${rule.name} · ${member.name}`,
          op: 'create',
          after: { idemKey, ruleId: rule.id, ruleName: rule.name, ruleVersion: rule.version, memberId: e.member_id, memberName: member.name, reason, proposedAt: asOf, events: ids },
          audited: true,
        })
        const p: ProposedAction = {
          id,
          ruleId: rule.id,
          ruleName: rule.name,
          ruleVersion: rule.version,
          memberId: e.member_id,
          memberName: member.name,
          action,
          reason,
          eventCount: used.length,
          windowFrom,
          windowTo,
          status: 'proposed',
          proposedAt: asOf,
          decidedAt: null,
          decidedBy: null,
          decisionReason: null,
          overturnedAt: null,
          openAppeal: false,
        }
        proposed.push(p)
        audit.append(
          actor,
          {
            kind: 'action.proposed',
            entity: 'action',
            entityId: id,
            summary: `规则「${rule.name}」为 ${member.name} 提议：${describeAction(action)} / rule ${rule.name} proposed an action for ${member.name}`,
            after: { ruleId: rule.id, ruleVersion: rule.version, memberId: e.member_id, action, events: ids, reason },
          },
          asOfDate,
        )
      }
    }
    audit.end()
  })()
  return { proposed: proposed.length, actions: proposed, rulesEvaluated: rules.length, eventsScanned: scanned, durationMs: performance.now() - started }
}
