import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { approvedMoneyActions, overturnedMoneyActions } from './ledgerFeed'
import { openRuleStudio, refusal, ruleStudioDay as day, type TestStudio } from './lifecycle.testkit'

let s: TestStudio
let member: string

beforeEach(async () => {
  ;({ studio: s, member } = await openRuleStudio())
})
afterEach(async () => {
  await s.close()
})

async function logAt(d: number, type: 'price_below_floor' | 'experience_shared' = 'price_below_floor') {
  s.clock.set(day(d, 18))
  return s.core.invoke('care', 'logEvent', { memberId: member, type, occurredAt: day(d), note: `第 ${d} 天` })
}

describe('rule evaluation', () => {
  it('proposes once when N events fall within the window, and never twice for the same events', async () => {
    const rule = await s.core.invoke('rules', 'create', {
      name: '一周三次乱价扣佣',
      eventType: 'price_below_floor',
      threshold: 3,
      windowDays: 7,
      action: { kind: 'penalty', amountFen: 5000 },
    })
    expect(rule).toMatchObject({ effectiveFrom: '2026-03-01', action: { kind: 'penalty', amountFen: 5000, points: 0, days: 0 }, version: 1 })

    // Days 1, 3 and 8: the first and the last are 7 days apart, which is outside a 7-day window.
    expect((await logAt(1)).proposed).toEqual([])
    expect((await logAt(3)).proposed).toEqual([])
    expect((await logAt(8)).proposed).toEqual([])
    // Day 9: days 3, 8 and 9 are within 7 days.
    const third = await logAt(9)
    expect(third.proposed).toHaveLength(1)
    expect(third.proposed[0]).toMatchObject({ ruleName: '一周三次乱价扣佣', memberName: '乱价小王', eventCount: 3, status: 'proposed', windowFrom: day(3), windowTo: day(9) })
    expect(third.proposed[0].reason).toContain('7 天内低于控价销售 3 次（2026-03-04 至 2026-03-10）')

    // Evaluating again — from the console, the CLI, or both — proposes nothing new.
    for (let i = 0; i < 3; i++) expect((await s.core.invoke('rules', 'evaluate')).proposed).toBe(0)

    // Used events do not count again: two more are not enough, a third is.
    expect((await logAt(10)).proposed).toEqual([])
    expect((await logAt(11)).proposed).toEqual([])
    const again = await logAt(12)
    expect(again.proposed).toHaveLength(1)
    expect(again.proposed[0]).toMatchObject({ windowFrom: day(10), windowTo: day(12) })
    // An event logged late, inside an old window, does not make the old events count again.
    s.clock.set(day(13))
    await s.core.invoke('care', 'logEvent', { memberId: member, type: 'price_below_floor', occurredAt: day(2) })
    expect((await s.core.invoke('rules', 'evaluate')).proposed).toBe(0)
    const list = await s.core.invoke('approvals', 'list', { ruleId: rule.id })
    expect(list.total).toBe(2)
  })

  it('does not apply a rule to events before it took effect', async () => {
    await logAt(1)
    await logAt(2)
    s.clock.set(day(5))
    await s.core.invoke('rules', 'create', { name: '每次乱价警告', eventType: 'price_below_floor', threshold: 1, windowDays: 30, action: { kind: 'warning' } })
    expect((await s.core.invoke('rules', 'evaluate')).proposed).toBe(0)
    expect((await logAt(6)).proposed).toHaveLength(1)
  })

  it('refuses a cash bonus per recruit (拉人头) and money actions without an amount, with the field to fix', async () => {
    expect(
      await refusal(() => s.core.invoke('rules', 'create', { name: '拉人头奖', eventType: 'member_recruited', threshold: 1, windowDays: 30, action: { kind: 'bonus', amountFen: 1000 } })),
    ).toMatchObject({ code: 'invalid_rule', details: { field: 'action.kind' } })
    expect(await refusal(() => s.core.invoke('rules', 'create', { name: '扣佣', eventType: 'price_below_floor', threshold: 1, windowDays: 30, action: { kind: 'penalty' } }))).toMatchObject({
      code: 'invalid_rule',
      details: { field: 'action.amountFen' },
    })
    const points = await s.core.invoke('rules', 'create', { name: '带新积分', eventType: 'member_recruited', threshold: 1, windowDays: 30, action: { kind: 'points', points: 50 } })
    expect(points.action).toEqual({ kind: 'points', points: 50, amountFen: 0, days: 0 })
  })

  it('records every rule change in the audit with before and after', async () => {
    const rule = await s.core.invoke('rules', 'create', { name: '分享奖励', eventType: 'experience_shared', threshold: 2, windowDays: 30, action: { kind: 'bonus', amountFen: 2000 } })
    const changed = await s.core.invoke('rules', 'update', { id: rule.id, patch: { action: { kind: 'bonus', amountFen: 3000 } } })
    expect(changed.version).toBe(2)
    const records = await s.core.invoke('audit', 'list', { entityId: rule.id })
    expect(records.rows.map((r) => r.kind)).toEqual(['rule.updated', 'rule.created'])
    expect(records.rows[0]).toMatchObject({
      actorName: '陈姐',
      actorRole: 'manager',
      before: { action: { amountFen: 2000 }, version: 1 },
      after: { action: { amountFen: 3000 }, version: 2 },
    })
  })
})

describe('approvals, appeals and the ledger feed', () => {
  it('waits for a manager, refuses an operator in the core, and feeds approved and overturned money actions to the ledger', async () => {
    await s.core.invoke('rules', 'create', { name: '乱价扣佣', eventType: 'price_below_floor', threshold: 1, windowDays: 30, action: { kind: 'penalty', amountFen: 5000 } })
    await s.core.invoke('rules', 'create', { name: '分享奖励', eventType: 'experience_shared', threshold: 1, windowDays: 30, action: { kind: 'bonus', amountFen: 2000 } })
    await s.signIn('operator')
    const penalty = (await logAt(2)).proposed[0]
    const bonus = (await logAt(3, 'experience_shared')).proposed[0]
    expect(approvedMoneyActions(s.core.context.db)).toEqual([])

    // The operator's call is refused by the core itself, whatever the console shows.
    const refused = await refusal(() => s.core.invoke('approvals', 'approve', { ids: [penalty.id], reason: '核实' }))
    expect(refused).toMatchObject({ code: 'forbidden', details: { method: 'approvals.approve', role: 'operator', needs: ['manager'] } })
    expect(refused.message).toContain('运营')
    expect((await s.core.invoke('approvals', 'get', { id: penalty.id })).action.status).toBe('proposed')

    await s.signIn('manager')
    expect(await refusal(() => s.core.invoke('approvals', 'approve', { ids: [penalty.id], reason: '  ' }))).toMatchObject({ code: 'invalid_input' })
    s.clock.set(day(4))
    const approved = await s.core.invoke('approvals', 'approve', { ids: [penalty.id, bonus.id], reason: '经核实属实' })
    expect(approved.updated.map((a) => a.status)).toEqual(['approved', 'approved'])
    expect(await refusal(() => s.core.invoke('approvals', 'reject', { ids: [penalty.id], reason: '再想想' }))).toMatchObject({ code: 'already_decided' })

    expect(approvedMoneyActions(s.core.context.db)).toEqual([
      { id: penalty.id, memberId: member, kind: 'penalty', amountFen: 5000, reason: penalty.reason, ruleName: '乱价扣佣', approvedAt: day(4), approvedBy: '陈姐' },
      { id: bonus.id, memberId: member, kind: 'bonus', amountFen: 2000, reason: bonus.reason, ruleName: '分享奖励', approvedAt: day(4), approvedBy: '陈姐' },
    ])

    // The member appeals (an operator records it); only a manager decides.
    await s.signIn('operator')
    const appeal = await s.core.invoke('approvals', 'appeal', { actionId: penalty.id, reason: '给家人的自用价' })
    expect(await refusal(() => s.core.invoke('approvals', 'decideAppeal', { appealId: appeal.id, decision: 'overturned', reason: '—' }))).toMatchObject({ code: 'forbidden' })
    expect(await refusal(() => s.core.invoke('approvals', 'appeal', { actionId: penalty.id, reason: '再次申诉' }))).toMatchObject({ code: 'appeal_open' })
    await s.signIn('manager')
    s.clock.set(day(6))
    const decided = await s.core.invoke('approvals', 'decideAppeal', { appealId: appeal.id, decision: 'overturned', reason: '核实为自用，撤销' })
    expect(decided).toMatchObject({ status: 'overturned', decidedBy: '陈姐' })
    expect(overturnedMoneyActions(s.core.context.db)).toEqual([{ id: penalty.id, overturnedAt: day(6) }])
    // Still approved (the ledger posted it once): the reversal is a separate fact.
    expect(approvedMoneyActions(s.core.context.db)).toHaveLength(2)

    const kinds = (await s.core.invoke('audit', 'list', { limit: 20 })).rows.map((r) => r.kind)
    expect(kinds.slice(0, 6)).toEqual(['appeal.overturned', 'profile.signed_in', 'appeal.filed', 'profile.signed_in', 'action.approved', 'action.approved'])
    const timeline = await s.core.invoke('care', 'timeline', { memberId: member })
    expect(timeline.entries.filter((e) => e.kind === 'action' || e.kind === 'appeal').map((e) => e.subtype)).toEqual(
      expect.arrayContaining(['proposed', 'approved', 'overturned', 'open']),
    )
  })

  it('pauses a member for an approved suspension and makes them active again when it ends', async () => {
    await s.core.invoke('rules', 'create', { name: '欺骗招募暂停', eventType: 'deceptive_recruiting', threshold: 1, windowDays: 90, action: { kind: 'suspension', days: 10 } })
    s.clock.set(day(2, 18))
    const { proposed } = await s.core.invoke('care', 'logEvent', { memberId: member, type: 'deceptive_recruiting', occurredAt: day(2) })
    await s.core.invoke('approvals', 'approve', { ids: [proposed[0].id], reason: '举报属实' })
    expect((await s.core.invoke('members', 'get', { id: member })).status).toBe('paused')
    s.clock.set(day(13))
    await s.reopen()
    expect((await s.core.invoke('members', 'get', { id: member })).status).toBe('active')
  })
})
