import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addDays } from '../../../src-shared/time'
import { openTestStudio, refusal, type TestStudio } from '../lifecycle/lifecycle.testkit'

/**
 * A member leaves the demo studio: the operator 小周 hands their customers, groups, open care
 * tasks and pending follow-ups to another member in one step. A trainer is refused, and so is a
 * receiving member who has left; either refusal changes nothing.
 */
let s: TestStudio

beforeAll(async () => {
  s = await openTestStudio('2026-03-01T02:00:00Z', 'demo')
})
afterAll(async () => {
  await s.close()
})

const db = () => s.core.context.db
/** Everything a hand-over may touch, as the studio holds it. */
const book = () => ({
  customers: db().prepare('SELECT id, owner_member_id FROM customers ORDER BY id').all(),
  groups: db().prepare('SELECT id, owner_member_id FROM groups ORDER BY id').all(),
  tasks: db().prepare('SELECT id, owner_kind, owner_id, owner_name, status FROM care_tasks ORDER BY id').all(),
  followUps: db().prepare('SELECT id, owner_member_id FROM customer_follow_ups ORDER BY id').all(),
  members: db().prepare('SELECT id, status FROM members ORDER BY id').all(),
  changes: db().prepare('SELECT COUNT(*) FROM record_changes').pluck().get(),
  audit: db().prepare('SELECT COUNT(*) FROM audit_log').pluck().get(),
})
/** The active member owning the most customers who also owns a group, and an active member to receive their book. */
const leaving = () =>
  db()
    .prepare(
      `SELECT m.id, m.name FROM members m WHERE m.status = 'active' AND EXISTS (SELECT 1 FROM groups g WHERE g.owner_member_id = m.id)
        ORDER BY (SELECT COUNT(*) FROM customers c WHERE c.owner_member_id = m.id) DESC, m.id LIMIT 1`,
    )
    .get() as { id: string; name: string }
const receiving = (fromId: string) =>
  db().prepare("SELECT id, name FROM members WHERE status = 'active' AND id <> ? AND (mentor_id IS NULL OR mentor_id <> ?) ORDER BY join_date, id LIMIT 1").get(fromId, fromId) as {
    id: string
    name: string
  }

describe('handing over a leaving member’s book', () => {
  it('previews what would move, refuses a trainer and a receiver who left, and changes nothing then', async () => {
    await s.signIn('operator')
    const from = leaving()
    const to = receiving(from.id)
    const preview = await s.core.invoke('members', 'handoverPreview', { fromMemberId: from.id, toMemberId: to.id })
    expect(preview).toMatchObject({
      from,
      to,
      customers: db().prepare('SELECT COUNT(*) FROM customers WHERE owner_member_id = ?').pluck().get(from.id),
      groups: db().prepare('SELECT COUNT(*) FROM groups WHERE owner_member_id = ?').pluck().get(from.id),
    })
    expect(preview.customers).toBeGreaterThan(0)
    expect(preview.groups).toBeGreaterThan(0)

    const before = book()
    await s.signIn('trainer')
    expect((await refusal(() => s.core.invoke('members', 'handover', { fromMemberId: from.id, toMemberId: to.id }))).code).toBe('forbidden')
    await s.signIn('operator')
    const gone = db().prepare("SELECT id FROM members WHERE status = 'left' LIMIT 1").get() as { id: string } | undefined
    const left = gone?.id ?? (await s.core.invoke('members', 'update', { id: to.id, patch: { status: 'left' } })).id
    const snapshot = book()
    const err = await refusal(() => s.core.invoke('members', 'handover', { fromMemberId: from.id, toMemberId: left }))
    expect(err).toMatchObject({ code: 'handover_to_left', details: { field: 'toMemberId', value: left } })
    const self = await refusal(() => s.core.invoke('members', 'handover', { fromMemberId: from.id, toMemberId: from.id }))
    expect(self).toMatchObject({ code: 'handover_same_member', details: { field: 'toMemberId' } })
    expect(book()).toEqual(snapshot)
    if (!gone) await s.core.invoke('members', 'update', { id: to.id, patch: { status: 'active' } })
    expect(book().customers).toEqual(before.customers)
  })

  it('moves customers, groups, open care tasks and pending follow-ups in one step, each owner change recorded and the run audited', async () => {
    await s.signIn('operator')
    const from = leaving()
    const to = receiving(from.id)
    const today = (await s.core.invoke('system', 'clock')).today
    const customer = db().prepare('SELECT id FROM customers WHERE owner_member_id = ? ORDER BY rowid LIMIT 1').pluck().get(from.id) as string
    await s.core.invoke('customers', 'addFollowUp', { customerId: customer, channel: 'wechat', summary: '约好下周看新品', nextDay: addDays(today, 3) })
    const theirs = {
      customers: db().prepare('SELECT id FROM customers WHERE owner_member_id = ? ORDER BY id').pluck().all(from.id),
      groups: db().prepare('SELECT id FROM groups WHERE owner_member_id = ? ORDER BY id').pluck().all(from.id),
      openTasks: db().prepare("SELECT id FROM care_tasks WHERE status = 'open' AND owner_kind IN ('member', 'mentor') AND owner_id = ? ORDER BY id").pluck().all(from.id),
      doneTasks: db().prepare("SELECT id FROM care_tasks WHERE status <> 'open' AND owner_id = ? ORDER BY id").pluck().all(from.id),
    }
    expect(theirs.openTasks.length).toBeGreaterThan(0)
    const others = db().prepare('SELECT id, owner_member_id FROM customers WHERE owner_member_id IS NOT ? ORDER BY id').all(from.id)
    const changesBefore = db().prepare('SELECT MAX(seq) FROM record_changes').pluck().get() as number

    const result = await s.core.invoke('members', 'handover', { fromMemberId: from.id, toMemberId: to.id })
    expect(result).toMatchObject({ from, to, customers: theirs.customers.length, groups: theirs.groups.length, tasks: theirs.openTasks.length, followUps: 1, markedLeft: true })
    expect(result.moved.customers.map((c) => c.id).sort()).toEqual(theirs.customers)
    expect(result.moved.groups.map((g) => g.id).sort()).toEqual(theirs.groups)
    expect(result.moved.tasks.map((t) => t.id).sort()).toEqual(theirs.openTasks)

    // Everything that was theirs is the receiver's; nobody else's customers moved.
    expect(db().prepare('SELECT COUNT(*) FROM customers WHERE owner_member_id = ?').pluck().get(from.id)).toBe(0)
    expect(db().prepare('SELECT id FROM customers WHERE owner_member_id = ? ORDER BY id').pluck().all(to.id)).toEqual(expect.arrayContaining(theirs.customers))
    const owners = new Map((db().prepare('SELECT id, owner_member_id AS owner FROM customers').all() as { id: string; owner: string | null }[]).map((c) => [c.id, c.owner]))
    for (const c of others as { id: string; owner_member_id: string | null }[]) expect(owners.get(c.id)).toBe(c.owner_member_id)
    expect(db().prepare('SELECT COUNT(*) FROM groups WHERE owner_member_id = ?').pluck().get(from.id)).toBe(0)
    for (const id of theirs.openTasks) {
      expect(db().prepare('SELECT owner_id, owner_name FROM care_tasks WHERE id = ?').get(id)).toEqual({ owner_id: to.id, owner_name: to.name })
    }
    // Done care stays with whoever did it.
    for (const id of theirs.doneTasks) expect(db().prepare('SELECT owner_id FROM care_tasks WHERE id = ?').pluck().get(id)).toBe(from.id)
    const [pending] = await s.core.invoke('customers', 'followUps', { customerId: customer })
    expect(pending).toMatchObject({ ownerMemberId: to.id, ownerName: to.name, nextState: 'open' })
    expect((await s.core.invoke('members', 'get', { id: from.id })).status).toBe('left')

    // Each owner change went through the one write path, as the operator; the run is one audit entry.
    const changes = db()
      .prepare('SELECT record, field, actor_role AS role, COUNT(*) AS n FROM record_changes WHERE seq > ? GROUP BY record, field, actor_role ORDER BY record, field')
      .all(changesBefore)
    expect(changes).toEqual([
      { record: 'customer', field: 'ownerMemberId', role: 'operator', n: theirs.customers.length },
      { record: 'group', field: 'ownerMemberId', role: 'operator', n: theirs.groups.length },
      { record: 'member', field: 'status', role: 'operator', n: 1 },
    ])
    const audit = db().prepare("SELECT summary, actor_name FROM audit_log WHERE kind = 'members.handover'").all() as { summary: string; actor_name: string }[]
    expect(audit).toHaveLength(1)
    expect(audit[0].actor_name).toBe('小周')
    expect(audit[0].summary).toContain(`「${from.name}」交接给「${to.name}」：客户 ${theirs.customers.length}`)
  })
})
