import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addDays } from '../../../src-shared/time'
import { openTestStudio, refusal, type TestStudio } from '../lifecycle/lifecycle.testkit'

/**
 * Follow-up records (跟进记录) on the demo studio: the operator 小周 records a WeChat talk with a
 * customer and a next follow-up day; the day is a task of the member owning the customer in the
 * care calendar; left open past its day it goes up to the member's mentor and a manager; the
 * next record closes all three. A trainer is refused and changes nothing.
 */
let s: TestStudio

beforeAll(async () => {
  s = await openTestStudio('2026-03-01T02:00:00Z', 'demo')
})
afterAll(async () => {
  await s.close()
})

const db = () => s.core.context.db
const today = async () => (await s.core.invoke('system', 'clock')).today
const state = () => ({
  followUps: db().prepare('SELECT * FROM customer_follow_ups ORDER BY id').all(),
  tasks: db().prepare("SELECT * FROM care_tasks WHERE plan_id = 'follow-up' ORDER BY id").all(),
})
/** A customer whose owning member has a mentor who is still with the team. */
const customerWithMentor = () =>
  db()
    .prepare(
      `SELECT c.id, c.name, m.id AS memberId, m.name AS memberName, mentor.id AS mentorId, mentor.name AS mentorName
         FROM customers c JOIN members m ON m.id = c.owner_member_id JOIN members mentor ON mentor.id = m.mentor_id
        WHERE m.status = 'active' AND mentor.status = 'active' ORDER BY c.rowid LIMIT 1`,
    )
    .get() as { id: string; name: string; memberId: string; memberName: string; mentorId: string; mentorName: string }

describe('follow-up records on a customer', () => {
  it('puts the next follow-up in the owning member’s calendar, escalates it when missed, and closes it with the next record', async () => {
    await s.signIn('operator')
    const c = customerWithMentor()
    const day0 = await today()
    const next = addDays(day0, 2)
    expect(await s.core.invoke('customers', 'followUps', { customerId: c.id })).toEqual([])

    const first = await s.core.invoke('customers', 'addFollowUp', { customerId: c.id, channel: 'wechat', summary: '问了宝宝湿巾的用量，想等活动再买', nextDay: next })
    expect(first).toMatchObject({ customerId: c.id, channel: 'wechat', nextDay: next, ownerMemberId: c.memberId, ownerName: c.memberName, byName: '小周', nextState: 'open' })

    // The member's task on the next day, in the care calendar.
    const onDay = await s.core.invoke('care', 'calendar', { date: next, ownerId: c.memberId })
    const task = onDay.rows.find((t) => t.customerId === c.id)!
    expect(task).toMatchObject({ trigger: 'follow_up', ownerKind: 'member', ownerName: c.memberName, customerName: c.name, dueDay: next, status: 'open', overdue: false })
    expect(task.script).toContain('宝宝湿巾')
    expect(onDay.owners.find((o) => o.ownerId === c.memberId)).toMatchObject({ ownerKind: 'member', open: 1 })

    // Still open on its day: the planning round escalates nothing yet.
    s.clock.set(new Date(Date.parse(`${next}T14:00:00+08:00`)).toISOString())
    await s.core.invoke('care', 'plan')
    expect(db().prepare("SELECT COUNT(*) FROM care_tasks WHERE trigger = 'follow_up_overdue'").pluck().get()).toBe(0)

    // The day after it was due, the hourly round sends it up to the mentor and a manager.
    const late = addDays(next, 1)
    s.clock.set(new Date(Date.parse(`${late}T09:00:00+08:00`)).toISOString())
    await s.core.invoke('care', 'plan')
    const mentorDay = await s.core.invoke('care', 'calendar', { date: late, ownerId: c.mentorId })
    expect(mentorDay.rows.filter((t) => t.customerId === c.id)).toEqual([
      expect.objectContaining({ trigger: 'follow_up_overdue', ownerKind: 'mentor', ownerName: c.mentorName, customerName: c.name, status: 'open' }),
    ])
    expect(mentorDay.rows.find((t) => t.customerId === c.id)!.title).toContain(c.memberName)
    const managerDay = await s.core.invoke('care', 'calendar', { date: late, ownerKind: 'manager' })
    expect(managerDay.rows.filter((t) => t.customerId === c.id)).toEqual([
      expect.objectContaining({ trigger: 'follow_up_overdue', ownerKind: 'manager', ownerId: s.profiles.manager, status: 'open' }),
    ])
    // The member's own task is still on their list, overdue.
    const memberDay = await s.core.invoke('care', 'calendar', { date: late, ownerId: c.memberId })
    expect(memberDay.rows.find((t) => t.customerId === c.id)).toMatchObject({ trigger: 'follow_up', overdue: true })
    expect((await s.core.invoke('customers', 'followUps', { customerId: c.id }))[0].nextState).toBe('overdue')
    // Running the round again escalates nothing twice.
    expect((await s.core.invoke('care', 'plan')).occurrences.follow_up_overdue ?? 0).toBe(0)

    // The next record is the follow-up they asked for: all three tasks close.
    const second = await s.core.invoke('customers', 'addFollowUp', { customerId: c.id, channel: 'call', summary: '电话确认了活动价，下单两包' })
    expect(second.nextState).toBe('none')
    const tasks = db().prepare('SELECT trigger, owner_kind AS kind, status FROM care_tasks WHERE customer_id = ? ORDER BY owner_kind').all(c.id)
    expect(tasks).toEqual([
      { trigger: 'follow_up_overdue', kind: 'manager', status: 'done' },
      { trigger: 'follow_up', kind: 'member', status: 'done' },
      { trigger: 'follow_up_overdue', kind: 'mentor', status: 'done' },
    ])
    const list = await s.core.invoke('customers', 'followUps', { customerId: c.id })
    expect(list.map((f) => [f.channel, f.nextState])).toEqual([
      ['call', 'none'],
      ['wechat', 'done'],
    ])
  })

  it('refuses a trainer, and the records and the calendar stay as they were', async () => {
    await s.signIn('operator')
    const c = customerWithMentor()
    const before = state()
    await s.signIn('trainer')
    const err = await refusal(() => s.core.invoke('customers', 'addFollowUp', { customerId: c.id, channel: 'wechat', summary: '不该留下', nextDay: addDays(s.clock.now().toISOString().slice(0, 10), 3) }))
    expect(err.code).toBe('forbidden')
    expect(state()).toEqual(before)
  })

  it('refuses a next day already past and a contact in the future, naming the field, and writes nothing', async () => {
    await s.signIn('operator')
    const c = customerWithMentor()
    const day = await today()
    const before = state()
    const past = await refusal(() => s.core.invoke('customers', 'addFollowUp', { customerId: c.id, channel: 'wechat', summary: '回访', nextDay: addDays(day, -1) }))
    expect(past).toMatchObject({ code: 'next_day_past', details: { field: 'nextDay', value: addDays(day, -1), today: day } })
    const future = new Date(s.clock.now().getTime() + 3_600_000).toISOString()
    const ahead = await refusal(() => s.core.invoke('customers', 'addFollowUp', { customerId: c.id, channel: 'wechat', summary: '回访', followedAt: future }))
    expect(ahead).toMatchObject({ code: 'follow_up_in_future', details: { field: 'followedAt', value: future } })
    const nobody = await refusal(() => s.core.invoke('customers', 'addFollowUp', { customerId: 'no-such-customer', channel: 'call', summary: '回访' }))
    expect(nobody).toMatchObject({ code: 'not_found', details: { field: 'customerId' } })
    expect(state()).toEqual(before)
  })
})
