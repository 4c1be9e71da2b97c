import { describe, expect, it } from 'vitest'
import type { OrchardCore } from '../api'
import { readRecords } from '../records/sync'
import { teamHarness } from '../sync/team.testkit'
import { actAs, archiveShippedRules, refusal } from './lifecycle.testkit'

/**
 * One action, one appeal — also when two workstations each took the member's appeal
 * offline: after the rounds the team holds one appeal of the action, every workstation the
 * same one, and what the second workstation wrote down is kept as a conflict of it.
 */
const team_ = teamHarness('appeals-offline')
const { workstation, enrol, sync } = team_
let teamNo = 0

const today = (core: OrchardCore) => core.context.clock.now().toISOString()
const appealsOf = (core: OrchardCore, actionId: string) =>
  core.context.db.prepare('SELECT id FROM appeals WHERE action_id = ? ORDER BY id').pluck().all(actionId) as string[]

/** Two managers' workstations of one team with an approved action both hold. */
async function approvedAction(): Promise<{ a: OrchardCore; b: OrchardCore; actionId: string }> {
  const team = `ap${++teamNo}`
  const a = workstation()
  const b = workstation()
  await enrol(a, team, 'A')
  await enrol(b, team, 'B')
  actAs(a, 'manager', '陈姐')
  await archiveShippedRules(a)
  await a.invoke('rules', 'create', { name: '乱价扣佣', eventType: 'price_below_floor', threshold: 1, windowDays: 30, action: { kind: 'penalty', amountFen: 5000 } })
  const member = await a.invoke('members', 'create', { name: '小吴', joinDate: today(a).slice(0, 10) })
  const occurredAt = new Date(a.context.clock.now().getTime() - 1000).toISOString()
  const [proposal] = (await a.invoke('care', 'logEvent', { memberId: member.id, type: 'price_below_floor', occurredAt, note: '' })).proposed
  await a.invoke('approvals', 'approve', { ids: [proposal.id], reason: '属实' })
  await sync(a)
  await sync(b)
  expect((await b.invoke('approvals', 'get', { id: proposal.id })).action.status).toBe('approved')
  return { a, b, actionId: proposal.id }
}

describe('two appeals of one action filed offline', () => {
  it('become the team’s one appeal: the first filed keeps its id, the second’s reason wins as the later change and the first’s is a conflict that can be restored', async () => {
    const { a, b, actionId } = await approvedAction()
    actAs(a, 'operator', '小周')
    actAs(b, 'trainer', '林老师')
    const first = await a.invoke('approvals', 'appeal', { actionId, reason: '当天是别人用我的链接' })
    const second = await b.invoke('approvals', 'appeal', { actionId, reason: '价格是平台活动价' })
    expect(second.id).not.toBe(first.id)

    await sync(a)
    await sync(b)
    await sync(a)
    // One appeal of the action, on both workstations, the same record field by field.
    for (const ws of [a, b]) expect(appealsOf(ws, actionId)).toEqual([first.id])
    expect(readRecords(b.context.db, 'appeal', [first.id]).get(first.id)).toEqual(readRecords(a.context.db, 'appeal', [first.id]).get(first.id))
    for (const ws of [a, b]) {
      expect((await ws.invoke('approvals', 'appeals', { actionId })).map((p) => [p.id, p.reason, p.filedBy, p.status])).toEqual([[first.id, '价格是平台活动价', '林老师', 'open']])
      expect((await ws.invoke('approvals', 'get', { id: actionId })).action.openAppeal).toBe(true)
    }
    // Nothing either wrote is lost: the first filing's reason is a conflict both workstations list.
    const reasonConflict = async (ws: OrchardCore) => (await ws.invoke('records', 'conflicts', { status: 'open' })).filter((k) => k.record === 'appeal' && k.field === 'reason')
    const [k] = await reasonConflict(a)
    expect(k).toMatchObject({ recordId: first.id, earlier: { value: '当天是别人用我的链接', actor: '小周' }, later: { value: '价格是平台活动价', actor: '林老师' } })
    expect((await reasonConflict(b)).map((x) => x.id)).toEqual([k.id])

    // Restored with one click on B, the first reason holds everywhere; the one appeal is then decided once.
    actAs(b, 'manager', '王店长')
    await b.invoke('records', 'restoreConflict', { id: k.id })
    await sync(b)
    await sync(a)
    for (const ws of [a, b]) expect((await ws.invoke('approvals', 'appeals', { actionId })).map((p) => p.reason)).toEqual(['当天是别人用我的链接'])
    await b.invoke('approvals', 'decideAppeal', { appealId: first.id, decision: 'upheld', reason: '维持' })
    await sync(b)
    await sync(a)
    for (const ws of [a, b]) expect((await ws.invoke('approvals', 'appeals', { actionId })).map((p) => [p.id, p.status])).toEqual([[first.id, 'upheld']])
  })

  it('an appeal filed offline after the team’s appeal of the action was decided does not reopen it', async () => {
    const { a, b, actionId } = await approvedAction()
    actAs(a, 'manager', '陈姐')
    actAs(b, 'operator', '小周')
    const first = await a.invoke('approvals', 'appeal', { actionId, reason: '第一次申诉' })
    await a.invoke('approvals', 'decideAppeal', { appealId: first.id, decision: 'upheld', reason: '维持原处理' })
    const late = await b.invoke('approvals', 'appeal', { actionId, reason: '我也要申诉' })
    await sync(a)
    await sync(b)
    await sync(a)
    for (const ws of [a, b]) {
      expect(appealsOf(ws, actionId)).toEqual([first.id])
      expect((await ws.invoke('approvals', 'appeals', { actionId })).map((p) => [p.id, p.status, p.decisionReason])).toEqual([[first.id, 'upheld', '维持原处理']])
    }
    expect(appealsOf(b, actionId)).not.toContain(late.id)
  })

  it('a workstation that holds the action’s appeal files no second one, whether it is open or decided', async () => {
    const { a, actionId } = await approvedAction()
    actAs(a, 'manager', '陈姐')
    const first = await a.invoke('approvals', 'appeal', { actionId, reason: '第一次申诉' })
    expect(await refusal(() => a.invoke('approvals', 'appeal', { actionId, reason: '再申诉' }))).toMatchObject({ code: 'appeal_open' })
    await a.invoke('approvals', 'decideAppeal', { appealId: first.id, decision: 'upheld', reason: '维持' })
    const refused = await refusal(() => a.invoke('approvals', 'appeal', { actionId, reason: '再申诉' }))
    expect(refused).toMatchObject({ code: 'already_appealed', details: { actionId, appealId: first.id } })
    expect(appealsOf(a, actionId)).toEqual([first.id])
  })
})
