import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ruleWriter } from '../records/changes'
import { readRecords } from '../records/sync'
import { decideActions } from './approvals'
import { openRuleStudio, refusal, ruleStudioDay as day, type TestStudio } from './lifecycle.testkit'
import { writePlan } from './plans'
import { updateRule } from './rules'

/**
 * Care plans, rules, approvals and appeals are shared records: every write of one goes
 * through the one write path in its transaction, checked field by field for the role it is
 * made as — a refused one leaves nothing behind, neither the write nor a change to send.
 */
let s: TestStudio
let member: string

const db = () => s.core.context.db
const changes = () => db().prepare('SELECT record, record_id AS id, op, field, source, actor_role AS role FROM record_changes ORDER BY seq').all() as Record<string, unknown>[]
const operator = () => ({ id: s.profiles.operator, name: '小周', role: 'operator' as const })

beforeEach(async () => {
  ;({ studio: s, member } = await openRuleStudio())
})
afterEach(async () => {
  await s.close()
})

const step = (title: string, offsetDays: number) => ({ offsetDays, offsetHours: 0, channel: 'private' as const, ownerKind: 'mentor' as const, purpose: 'light' as const, title, script: '' })

describe('the lifecycle’s writes go through the one write path', () => {
  it('a care plan is one change with its steps as a field; a role that may not edit plans is refused and nothing is written', async () => {
    await s.signIn('trainer')
    const before = changes().length
    const plan = await s.core.invoke('care', 'savePlan', { name: '复购关怀', trigger: 'first_sale', steps: [step('致谢', 0), step('回访', 3)] })
    expect(changes().slice(before)).toEqual([{ record: 'carePlan', id: plan.id, op: 'create', field: null, source: 'console', role: 'trainer' }])
    await s.core.invoke('care', 'savePlan', { id: plan.id, name: '复购关怀', trigger: 'first_sale', steps: [...plan.steps, step('满月', 30)] })
    expect(changes().slice(-1)).toEqual([expect.objectContaining({ record: 'carePlan', id: plan.id, op: 'update', field: 'steps', role: 'trainer' })])

    // An operator may not edit plans: the field check refuses the write inside its transaction.
    const held = readRecords(db(), 'carePlan', [plan.id]).get(plan.id)
    const rows = changes().length
    const w = ruleWriter(db(), operator(), s.clock.now())
    const refused = await refusal(async () =>
      db().transaction(() => writePlan(db(), { id: plan.id, name: '改名', description: '', trigger: 'first_sale', active: false, steps: [step('只剩一步', 0)] }, s.clock.now(), false, w))(),
    )
    expect(refused).toMatchObject({ code: 'forbidden', details: { record: 'carePlan', role: 'operator' } })
    expect(readRecords(db(), 'carePlan', [plan.id]).get(plan.id)).toEqual(held)
    expect(changes()).toHaveLength(rows)

    await s.signIn('trainer')
    await s.core.invoke('care', 'removePlan', { id: plan.id })
    expect(changes().slice(-1)).toEqual([expect.objectContaining({ record: 'carePlan', id: plan.id, op: 'delete', field: null })])
  })

  it('a rule’s change is recorded field by field, audited once with its values; a role that may not edit rules is refused and nothing is written', async () => {
    const rule = await s.core.invoke('rules', 'create', { name: '乱价扣佣', eventType: 'price_below_floor', threshold: 1, windowDays: 30, action: { kind: 'penalty', amountFen: 5000 } })
    await s.core.invoke('rules', 'update', { id: rule.id, patch: { threshold: 2, action: { kind: 'penalty', amountFen: 8000 } } })
    expect(changes().filter((c) => c.record === 'rule' && c.id === rule.id)).toEqual([
      expect.objectContaining({ op: 'create', field: null, role: 'manager' }),
      expect.objectContaining({ op: 'update', field: 'threshold', role: 'manager' }),
      expect.objectContaining({ op: 'update', field: 'actionAmountFen', role: 'manager' }),
    ])
    // Audited once, by the rule's own records with before and after (not a second record of the change).
    expect((await s.core.invoke('audit', 'list', { entityId: rule.id })).rows.map((r) => r.kind)).toEqual(['rule.updated', 'rule.created'])

    const held = readRecords(db(), 'rule', [rule.id]).get(rule.id)
    const rows = changes().length
    const refused = await refusal(async () => updateRule(db(), rule.id, { threshold: 5 }, operator(), s.clock.now(), ruleWriter(db(), operator(), s.clock.now())))
    expect(refused).toMatchObject({ code: 'forbidden', details: { record: 'rule', field: 'threshold', role: 'operator' } })
    expect(readRecords(db(), 'rule', [rule.id]).get(rule.id)).toEqual(held)
    expect(changes()).toHaveLength(rows)
  })

  it('an operator’s approval is refused by the write path: the proposal still waits, the member is not paused, nothing is recorded', async () => {
    await s.core.invoke('rules', 'create', { name: '欺骗拉人暂停', eventType: 'deceptive_recruiting', threshold: 1, windowDays: 30, action: { kind: 'suspension', days: 7 } })
    s.clock.set(day(2, 18))
    const [proposal] = (await s.core.invoke('care', 'logEvent', { memberId: member, type: 'deceptive_recruiting', occurredAt: day(2), note: '举报属实' })).proposed
    expect(changes().slice(-1)).toEqual([expect.objectContaining({ record: 'action', id: proposal.id, op: 'create', source: 'rule' })])

    const rows = changes().length
    const refused = await refusal(async () => decideActions(db(), [proposal.id], 'approved', '核实', operator(), s.clock.now(), ruleWriter(db(), operator(), s.clock.now())))
    expect(refused).toMatchObject({ code: 'forbidden', details: { record: 'action', field: 'decision', role: 'operator' } })
    expect((await s.core.invoke('approvals', 'get', { id: proposal.id })).action.status).toBe('proposed')
    expect((await s.core.invoke('members', 'get', { id: member })).status).toBe('active')
    expect(changes()).toHaveLength(rows)

    // A manager's approval: the decision, and the member's pause as a change of its own from the rule.
    await s.core.invoke('approvals', 'approve', { ids: [proposal.id], reason: '核实' })
    expect(changes().slice(rows)).toEqual([
      expect.objectContaining({ record: 'member', id: member, op: 'update', field: 'status', source: 'rule', role: 'manager' }),
      expect.objectContaining({ record: 'action', id: proposal.id, op: 'update', field: 'decision', role: 'manager' }),
      expect.objectContaining({ record: 'action', id: proposal.id, op: 'update', field: 'decidedAt' }),
      expect.objectContaining({ record: 'action', id: proposal.id, op: 'update', field: 'decidedBy' }),
      expect.objectContaining({ record: 'action', id: proposal.id, op: 'update', field: 'decidedByName' }),
      expect.objectContaining({ record: 'action', id: proposal.id, op: 'update', field: 'decisionReason' }),
    ])
  })
})
