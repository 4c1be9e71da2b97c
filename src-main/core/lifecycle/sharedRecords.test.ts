import { describe, expect, it } from 'vitest'
import type { OrchardCore } from '../api'
import { readRecords } from '../records/sync'
import { pushAs, teamHarness } from '../sync/team.testkit'
import { actAs, archiveShippedRules, refusal } from './lifecycle.testkit'

/**
 * Care plans, rules, approvals and appeals between workstations and a real server process
 * (PGlite), over HTTP: what one workstation writes or decides, the others hold field by
 * field after a round; what a role may not write is refused by the core and by the server.
 */
const team_ = teamHarness('lifecycle-records')
const { sync, pair, joinTeam } = team_

const held = (core: OrchardCore, record: 'carePlan' | 'rule' | 'action' | 'appeal' | 'member', id: string) => readRecords(core.context.db, record, [id]).get(id)
const step = (title: string, offsetDays: number) => ({ offsetDays, offsetHours: 0, channel: 'private' as const, ownerKind: 'mentor' as const, purpose: 'light' as const, title, script: '' })
const rows = (core: OrchardCore, table: string) => (core.context.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
/** The studio's today, by the clock the workstation runs on (no date written into the test). */
const today = (core: OrchardCore) => core.context.clock.now().toISOString()

describe('care plans, rules, approvals and appeals shared through the team server', () => {
  it('a care plan made and edited on A is on B with its steps; a removal travels as a tombstone; a new workstation’s snapshot brings the plans', async () => {
    const [a, b, team] = await pair()
    actAs(a, 'trainer', '林老师')
    const plan = await a.invoke('care', 'savePlan', { name: '复购关怀', trigger: 'first_sale', steps: [step('致谢', 0), step('回访', 3)] })
    const gone = await a.invoke('care', 'savePlan', { name: '临时计划', trigger: 'first_sale', steps: [step('一步', 0)] })
    await sync(a)
    await sync(b)
    expect(held(b, 'carePlan', plan.id)).toEqual(held(a, 'carePlan', plan.id))
    expect((await b.invoke('care', 'plans', {})).find((p) => p.id === plan.id)?.steps.map((s) => [s.id, s.title])).toEqual(plan.steps.map((s) => [s.id, s.title]))

    // Edited on A: a step renamed, one added, the plan paused.
    const edited = await a.invoke('care', 'savePlan', { id: plan.id, name: '复购关怀', trigger: 'first_sale', active: false, steps: [{ ...plan.steps[0], title: '致谢（私聊）' }, plan.steps[1], step('满月', 30)] })
    await a.invoke('care', 'removePlan', { id: gone.id })
    await sync(a)
    await sync(b)
    expect(held(b, 'carePlan', plan.id)).toEqual(held(a, 'carePlan', plan.id))
    expect(held(b, 'carePlan', plan.id)).toMatchObject({ active: false, steps: edited.steps })
    expect(held(b, 'carePlan', gone.id)).toBeUndefined()

    // The workstation's own preferences stay its own: B's language and theme are not A's.
    const ownB = await b.invoke('settings', 'get', {})
    await a.invoke('settings', 'update', { language: ownB.language === 'en-US' ? 'zh-CN' : 'en-US', theme: ownB.theme === 'dark' ? 'light' : 'dark' })
    await sync(a)
    await sync(b)
    expect(await b.invoke('settings', 'get', {})).toMatchObject({ language: ownB.language, theme: ownB.theme })

    // A new workstation starts from the team's snapshot: the plan as it is now, the removed one not at all.
    const c = await joinTeam(team)
    await sync(c)
    expect(held(c, 'carePlan', plan.id)).toEqual(held(a, 'carePlan', plan.id))
    expect(held(c, 'carePlan', gone.id)).toBeUndefined()
  })

  it('a rule is the same on every workstation; the same rule, member and period proposes one action for the team; concurrent edits of a field give a conflict that can be restored', async () => {
    const [a, b] = await pair()
    actAs(a, 'manager', '陈姐')
    actAs(b, 'manager', '王店长')
    await archiveShippedRules(a)
    const rule = await a.invoke('rules', 'create', { name: '乱价扣佣', eventType: 'price_below_floor', threshold: 1, windowDays: 30, action: { kind: 'penalty', amountFen: 5000 } })
    const member = await a.invoke('members', 'create', { name: '乱价小王', joinDate: today(a).slice(0, 10) })
    await sync(a)
    await sync(b)
    expect(held(b, 'rule', rule.id)).toEqual(held(a, 'rule', rule.id))
    expect((await b.invoke('rules', 'list')).map((r) => r.id)).toEqual([rule.id])

    // Offline on both, the same event is logged (each imported the same report): each proposes — the same record.
    const occurredAt = new Date(a.context.clock.now().getTime() - 1000).toISOString()
    const onA = (await a.invoke('care', 'logEvent', { memberId: member.id, type: 'price_below_floor', occurredAt, note: '低于控价' })).proposed
    const onB = (await b.invoke('care', 'logEvent', { memberId: member.id, type: 'price_below_floor', occurredAt, note: '低于控价' })).proposed
    expect(onA).toHaveLength(1)
    expect(onB.map((p) => p.id)).toEqual(onA.map((p) => p.id))
    await sync(a)
    await sync(b)
    await sync(a)
    for (const ws of [a, b]) expect((await ws.invoke('approvals', 'list', { offset: 0, limit: 50 })).rows.map((p) => p.id)).toEqual([onA[0].id])
    expect(held(b, 'action', onA[0].id)).toEqual(held(a, 'action', onA[0].id))

    // Both managers change the threshold offline: B's push is later and wins, A's value is a conflict; restored on A, it holds everywhere.
    await a.invoke('rules', 'update', { id: rule.id, patch: { threshold: 2 } })
    await b.invoke('rules', 'update', { id: rule.id, patch: { threshold: 3 } })
    await sync(a)
    await sync(b)
    await sync(a)
    for (const ws of [a, b]) expect(held(ws, 'rule', rule.id)).toMatchObject({ threshold: 3 })
    const [k] = await a.invoke('records', 'conflicts', { status: 'open' })
    expect(k).toMatchObject({ record: 'rule', recordId: rule.id, field: 'threshold', earlier: { value: 2, actor: '陈姐' }, later: { value: 3, actor: '王店长' } })
    await a.invoke('records', 'restoreConflict', { id: k.id })
    await sync(a)
    await sync(b)
    for (const ws of [a, b]) expect(held(ws, 'rule', rule.id)).toMatchObject({ threshold: 2 })
  })

  it('a decision on A is the state on B, its member’s pause made once; an appeal filed on B reaches A’s manager; A’s overturning reaches B', async () => {
    const [a, b] = await pair()
    actAs(a, 'manager', '陈姐')
    await archiveShippedRules(a)
    await a.invoke('rules', 'create', { name: '欺骗拉人暂停', eventType: 'deceptive_recruiting', threshold: 1, windowDays: 30, action: { kind: 'suspension', days: 7 } })
    const member = await a.invoke('members', 'create', { name: '小李', joinDate: today(a).slice(0, 10) })
    const occurredAt = new Date(a.context.clock.now().getTime() - 1000).toISOString()
    const [proposal] = (await a.invoke('care', 'logEvent', { memberId: member.id, type: 'deceptive_recruiting', occurredAt, note: '举报属实' })).proposed
    await sync(a)
    await sync(b)
    expect((await b.invoke('approvals', 'get', { id: proposal.id })).action.status).toBe('proposed')

    await a.invoke('approvals', 'approve', { ids: [proposal.id], reason: '核实属实' })
    const pauses = (core: OrchardCore) =>
      core.context.db.prepare("SELECT source FROM record_changes WHERE record = 'member' AND record_id = ? AND field = 'status'").pluck().all(member.id) as string[]
    expect(pauses(a)).toEqual(['rule'])
    await sync(a)
    const before = rows(b, 'record_changes')
    await sync(b)
    expect((await b.invoke('approvals', 'get', { id: proposal.id })).action).toMatchObject({ status: 'approved', decidedBy: '陈姐', decisionReason: '核实属实' })
    expect((await b.invoke('members', 'get', { id: member.id })).status).toBe('paused')
    // Taken from the team, not decided again: B paused no one and has nothing to send back.
    expect(rows(b, 'record_changes')).toBe(before)

    actAs(b, 'operator', '小周')
    const appeal = await b.invoke('approvals', 'appeal', { actionId: proposal.id, reason: '被人冒名举报' })
    await sync(b)
    await sync(a)
    expect((await a.invoke('approvals', 'appeals', { status: ['open'] })).map((p) => [p.id, p.reason, p.filedBy])).toEqual([[appeal.id, '被人冒名举报', '小周']])
    expect((await a.invoke('approvals', 'get', { id: proposal.id })).action.openAppeal).toBe(true)

    await a.invoke('approvals', 'decideAppeal', { appealId: appeal.id, decision: 'overturned', reason: '核实为冒名' })
    expect((await a.invoke('members', 'get', { id: member.id })).status).toBe('active')
    await sync(a)
    await sync(b)
    expect(held(b, 'appeal', appeal.id)).toEqual(held(a, 'appeal', appeal.id))
    expect(held(b, 'appeal', appeal.id)).toMatchObject({ decision: 'overturned', decisionReason: '核实为冒名' })
    expect(held(b, 'action', proposal.id)).toEqual(held(a, 'action', proposal.id))
    expect((await b.invoke('members', 'get', { id: member.id })).status).toBe('active')
  })

  it('a workstation that proposed the same action offline does not take back the decision made on another meanwhile', async () => {
    const [a, b] = await pair()
    actAs(a, 'manager', '陈姐')
    actAs(b, 'manager', '王店长')
    await archiveShippedRules(a)
    await a.invoke('rules', 'create', { name: '群外警告', eventType: 'apprentices_outside_group', threshold: 1, windowDays: 30, action: { kind: 'warning' } })
    const member = await a.invoke('members', 'create', { name: '小孙', joinDate: today(a).slice(0, 10) })
    await sync(a)
    await sync(b)
    // Offline on both: the same event, the same proposal; A's manager approves it and A sends both first.
    const occurredAt = new Date(a.context.clock.now().getTime() - 1000).toISOString()
    const [proposal] = (await a.invoke('care', 'logEvent', { memberId: member.id, type: 'apprentices_outside_group', occurredAt, note: '' })).proposed
    expect((await b.invoke('care', 'logEvent', { memberId: member.id, type: 'apprentices_outside_group', occurredAt, note: '' })).proposed.map((p) => p.id)).toEqual([proposal.id])
    await a.invoke('approvals', 'approve', { ids: [proposal.id], reason: '属实' })
    await sync(a)
    // B's proposal reaches the server after the decision: it is the same record, and the decision stands.
    await sync(b)
    await sync(a)
    for (const ws of [a, b]) expect((await ws.invoke('approvals', 'get', { id: proposal.id })).action).toMatchObject({ status: 'approved', decidedBy: '陈姐' })
    expect(held(b, 'action', proposal.id)).toEqual(held(a, 'action', proposal.id))
    expect(await a.invoke('records', 'conflicts', {})).toEqual([])
  })

  it('two managers deciding one action offline: the later in server order wins, the other is a conflict on both that can be restored', async () => {
    const [a, b] = await pair()
    actAs(a, 'manager', '陈姐')
    actAs(b, 'manager', '王店长')
    await archiveShippedRules(a)
    await a.invoke('rules', 'create', { name: '群外警告', eventType: 'apprentices_outside_group', threshold: 1, windowDays: 30, action: { kind: 'warning' } })
    const member = await a.invoke('members', 'create', { name: '小赵', joinDate: today(a).slice(0, 10) })
    const occurredAt = new Date(a.context.clock.now().getTime() - 1000).toISOString()
    const [proposal] = (await a.invoke('care', 'logEvent', { memberId: member.id, type: 'apprentices_outside_group', occurredAt, note: '' })).proposed
    await sync(a)
    await sync(b)

    await a.invoke('approvals', 'approve', { ids: [proposal.id], reason: '属实' })
    await b.invoke('approvals', 'reject', { ids: [proposal.id], reason: '误报' })
    await sync(a)
    await sync(b)
    await sync(a)
    for (const ws of [a, b]) expect((await ws.invoke('approvals', 'get', { id: proposal.id })).action).toMatchObject({ status: 'rejected', decidedBy: '王店长', decisionReason: '误报' })
    const decision = async (ws: OrchardCore) => (await ws.invoke('records', 'conflicts', { status: 'open' })).filter((k) => k.field === 'decision')
    const [k] = await decision(a)
    expect(k).toMatchObject({ record: 'action', recordId: proposal.id, earlier: { value: 'approved', actor: '陈姐' }, later: { value: 'rejected', actor: '王店长' } })
    expect((await decision(b)).map((x) => x.id)).toEqual([k.id])

    await a.invoke('records', 'restoreConflict', { id: k.id })
    await sync(a)
    await sync(b)
    for (const ws of [a, b]) expect((await ws.invoke('approvals', 'get', { id: proposal.id })).action.status).toBe('approved')
  })

  it('an operator’s approval, appeal decision, rule edit or plan edit is refused by the core and by the server: nothing applied', async () => {
    const [a, op, team] = await pair({ names: ['店长', '运营室'], roleOfB: 'operator' })
    actAs(a, 'manager', '陈姐')
    await archiveShippedRules(a)
    const rule = await a.invoke('rules', 'create', { name: '乱价扣佣', eventType: 'price_below_floor', threshold: 1, windowDays: 30, action: { kind: 'penalty', amountFen: 5000 } })
    const member = await a.invoke('members', 'create', { name: '小钱', joinDate: today(a).slice(0, 10) })
    const occurredAt = new Date(a.context.clock.now().getTime() - 1000).toISOString()
    const [proposal] = (await a.invoke('care', 'logEvent', { memberId: member.id, type: 'price_below_floor', occurredAt, note: '' })).proposed
    await sync(a)
    await sync(op)

    // The core: an operator may not approve.
    actAs(op, 'operator', '小周')
    expect(await refusal(() => op.invoke('approvals', 'approve', { ids: [proposal.id], reason: '核实' }))).toMatchObject({ code: 'forbidden' })
    expect((await op.invoke('approvals', 'get', { id: proposal.id })).action.status).toBe('proposed')

    // The server: the operator's device sends the decision, a rule's amount, a plan's steps, the plan's removal and an appeal's decision itself.
    const planOnA = await a.invoke('care', 'savePlan', { name: '复购关怀', trigger: 'first_sale', steps: [step('致谢', 0)] })
    await sync(a)
    const answer = await pushAs(op, team, [
      { clientSeq: 9001, record: 'action', id: proposal.id, op: 'update', field: 'decision', value: 'approved', role: 'operator' },
      { clientSeq: 9002, record: 'rule', id: rule.id, op: 'update', field: 'actionAmountFen', value: 100, role: 'operator' },
      { clientSeq: 9003, record: 'carePlan', id: planOnA.id, op: 'update', field: 'steps', value: [], role: 'operator' },
      { clientSeq: 9004, record: 'carePlan', id: planOnA.id, op: 'delete', field: null, value: null, role: 'operator' },
      { clientSeq: 9005, record: 'appeal', id: 'appeal-of-someone', op: 'update', field: 'decision', value: 'overturned', role: 'operator' },
    ])
    expect(answer.accepted).toEqual([])
    expect(answer.refused.map((r) => [r.clientSeq, r.code])).toEqual([
      [9001, 'forbidden'],
      [9002, 'forbidden'],
      [9003, 'forbidden'],
      [9004, 'forbidden'],
      [9005, 'forbidden'],
    ])
    expect(answer.refused[0].reason).toMatch(/Operator may not change a action's decision/)
    expect(answer.refused[3].reason).toMatch(/may not delete a carePlan/)
    // Nothing applied: a manager's workstation pulls nothing of it.
    const before = { action: held(a, 'action', proposal.id), rule: held(a, 'rule', rule.id), plan: held(a, 'carePlan', planOnA.id) }
    expect((await sync(a)).records).toMatchObject({ pulled: 0 })
    expect({ action: held(a, 'action', proposal.id), rule: held(a, 'rule', rule.id), plan: held(a, 'carePlan', planOnA.id) }).toEqual(before)
    expect(before.action).toMatchObject({ decision: null })
  })
})
