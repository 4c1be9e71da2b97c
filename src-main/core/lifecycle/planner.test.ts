import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CareTask } from '../../../src-shared/contracts/lifecycle'
import { newId } from '../ids'
import { openTestStudio, refusal, type TestStudio } from './lifecycle.testkit'

// Shanghai is UTC+8: 02:00Z is 10:00 in the studio.
let s: TestStudio

beforeEach(async () => {
  s = await openTestStudio('2026-03-02T02:00:00Z')
})
afterEach(async () => {
  await s.close()
})

const local = (iso: string) =>
  new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(new Date(iso))

async function tasksOf(memberId: string): Promise<string[]> {
  const db = s.core.context.db
  const ids = db.prepare('SELECT id FROM care_tasks WHERE member_id = ? ORDER BY due_at, title').all(memberId) as { id: string }[]
  const tasks: CareTask[] = []
  for (const { id } of ids) tasks.push(await s.core.invoke('care', 'task', { id }))
  return tasks.map((t) => `${local(t.dueAt)} ${t.title} → ${t.ownerName}`)
}

function addToGroup(groupId: string, memberId: string, at: string) {
  s.core.context.db.prepare('INSERT OR IGNORE INTO group_members (group_id, member_id, joined_at) VALUES (?, ?, ?)').run(groupId, memberId, at)
}

function sale(memberId: string, at: string) {
  s.core.context.db
    .prepare(
      `INSERT INTO orders (id, order_no, source, status, placed_at, member_id, total_fen, created_at, updated_at)
       VALUES (?, ?, 'manual', 'paid', ?, ?, 12900, ?, ?)`,
    )
    .run(newId(), `T${Date.parse(at)}`, at, memberId, at, at)
}

describe('care planning', () => {
  it('plans exactly the onboarding, first-sale, check-in and quiet-member tasks on their days', async () => {
    const mentor = await s.core.invoke('members', 'create', { name: '老李', joinDate: '2025-06-01' })
    const group = await s.core.invoke('groups', 'create', { name: '新人成长营', ownerMemberId: mentor.id })
    addToGroup(group.id, mentor.id, '2025-06-01T02:00:00Z')
    // 新芽 joins at 10:00 on Monday 2 March.
    const sprout = await s.core.invoke('members', 'create', { name: '新芽', mentorId: mentor.id })

    s.clock.set('2026-03-02T02:05:00Z')
    await s.core.invoke('care', 'plan')
    expect(await tasksOf(sprout.id)).toEqual([
      '2026-03-02 10:00 欢迎新人 → 老李',
      '2026-03-02 11:00 一小时内拉进社群 → 小周',
      '2026-03-03 10:00 第 1 天培训：认识团队与自己的角色 → 林老师',
      '2026-03-04 10:00 定下首单目标 → 老李',
      '2026-03-04 10:00 第 2 天培训：产品知识：先讲清楚三款主推品 → 林老师',
      '2026-03-05 10:00 第 3 天培训：朋友圈怎么发：一天三个高峰 → 林老师',
      '2026-03-06 10:00 第 4 天培训：私聊话术：真实推荐，不夸大 → 林老师',
      '2026-03-07 10:00 引导第一次晒单 → 老李',
      '2026-03-07 10:00 第 5 天培训：社群互动与晒单 → 林老师',
      '2026-03-08 10:00 第 6 天培训：售后与控价规则 → 林老师',
      '2026-03-09 10:00 第 7 天培训：第一周复盘 → 林老师',
      '2026-03-09 10:00 第一周复盘通话 → 老李',
    ])

    // Still outside every group an hour after joining: the rescue is due at 11:00.
    s.clock.set('2026-03-02T03:01:00Z')
    const outside = await s.core.invoke('care', 'plan')
    expect(outside.created).toBe(1)
    expect((await tasksOf(sprout.id)).filter((t) => t.includes('立即拉进社群'))).toEqual(['2026-03-02 11:00 立即拉进社群 → 小周'])

    addToGroup(group.id, sprout.id, '2026-03-02T04:00:00Z')
    s.clock.set('2026-03-02T05:00:00Z')
    expect((await s.core.invoke('care', 'plan')).created).toBe(0)

    // The first sale on Thursday 15:00: the red envelope that day, the 晒单 invitation the next.
    sale(sprout.id, '2026-03-05T07:00:00Z')
    s.clock.set('2026-03-05T08:00:00Z')
    expect((await s.core.invoke('care', 'plan')).created).toBe(2)
    // A share the next morning, logged by the operator.
    s.clock.set('2026-03-06T02:00:00Z')
    await s.signIn('operator')
    await s.core.invoke('care', 'logEvent', { memberId: sprout.id, type: 'share', occurredAt: '2026-03-06T01:00:00Z' })

    // Quiet from 19 March 15:00: 14 days without a sale (the last was on the 5th), noticed on the 20th.
    s.clock.set('2026-03-20T02:00:00Z')
    await s.core.invoke('care', 'plan')
    // A week on, the 30-day check-in comes within the planning horizon; the quiet spell is not planned twice.
    s.clock.set('2026-03-27T02:00:00Z')
    expect((await s.core.invoke('care', 'plan')).created).toBe(1)

    const all = await tasksOf(sprout.id)
    expect(all.filter((t) => !t.includes('培训：') && !/^2026-03-0[2-9]/.test(t))).toEqual([
      '2026-03-19 15:00 师父私聊关心 → 老李',
      '2026-03-21 10:00 运营电话回访 → 小周',
      '2026-03-24 10:00 邀请参加线下培训 → 林老师',
      '2026-04-01 10:00 30 天回访 → 老李',
    ])
    expect(all.filter((t) => /^2026-03-0[5-6]/.test(t) && !t.includes('培训'))).toEqual(['2026-03-05 15:00 群内发成交红包 → 小周', '2026-03-06 10:00 邀请买家晒单 → 老李'])

    // Planning again, any number of times, creates nothing new.
    expect((await s.core.invoke('care', 'plan')).created).toBe(0)
    expect((await s.core.invoke('care', 'plan')).created).toBe(0)
  })

  it('does not invent missed care: tasks due before the lookback window are never created', async () => {
    s.clock.set('2026-01-05T02:00:00Z')
    const m = await s.core.invoke('members', 'create', { name: '远方' })
    s.clock.set('2026-03-02T02:00:00Z')
    await s.core.invoke('care', 'plan')
    const titles = await tasksOf(m.id)
    // Joined 56 days ago: the first week is long gone, the day-60 check-in (6 March) is within the horizon.
    expect(titles.some((t) => t.includes('欢迎新人') || t.includes('培训：'))).toBe(false)
    expect(titles).toContain('2026-03-06 10:00 60 天回访 → 小周')
    // Quiet since 19 January: dormant, not a drop that is news today.
    expect(titles.some((t) => t.includes('师父私聊关心'))).toBe(false)
  })

  it('watches a group’s temperature and a mentor whose apprentices all went quiet', async () => {
    await s.signIn('operator')
    const owner = await s.core.invoke('members', 'create', { name: '群主阿梅', joinDate: '2025-01-01' })
    const group = await s.core.invoke('groups', 'create', { name: '宝妈好物分享群', ownerMemberId: owner.id })
    const warm = { morning: 1, night: 1, training: 1, goal: 1, red_envelope: 2, showcase: 4, replies: 150 }
    const cold = { morning: 0, night: 0, training: 0, goal: 0, red_envelope: 0, showcase: 0, replies: 12 }
    for (const day of ['2026-02-20', '2026-02-21', '2026-02-22', '2026-02-23', '2026-02-24', '2026-02-25']) {
      await s.core.invoke('temperature', 'log', { groupId: group.id, day, counts: warm })
    }
    for (const day of ['2026-02-26', '2026-02-27', '2026-02-28', '2026-03-01']) {
      await s.core.invoke('temperature', 'log', { groupId: group.id, day, counts: cold })
    }
    await s.core.invoke('care', 'plan')
    const db = s.core.context.db
    const groupTasks = db.prepare('SELECT title, owner_name AS owner, due_day AS day FROM care_tasks WHERE group_id = ? ORDER BY due_at, title').all(group.id)
    // 100 a day, then 2.4: on 26 Feb the 3-day average fell by 32.5 points; seen the morning after.
    expect(groupTasks).toEqual([
      { title: '恢复早安 / 晚安仪式', owner: '小周', day: '2026-02-27' },
      { title: '群主带动互动', owner: '群主阿梅', day: '2026-02-27' },
      { title: '安排一次群内培训', owner: '林老师', day: '2026-02-28' },
    ])
    const ranking = await s.core.invoke('temperature', 'ranking', {})
    expect(ranking[0]).toMatchObject({ groupId: group.id, cooling: true, asOf: '2026-03-01', score: 2.4 })

    // Two apprentices, both quiet since 15 February (14 days after joining): the operator calls their mentor.
    const mentor = await s.core.invoke('members', 'create', { name: '师父老王', joinDate: '2025-03-01' })
    sale(mentor.id, '2026-03-01T02:00:00Z')
    await s.core.invoke('care', 'logEvent', { memberId: mentor.id, type: 'share', occurredAt: '2026-03-01T03:00:00Z' })
    for (const name of ['徒弟一', '徒弟二']) await s.core.invoke('members', 'create', { name, mentorId: mentor.id, joinDate: '2026-02-01' })
    await s.core.invoke('care', 'plan')
    const mentorTasks = db.prepare("SELECT title, owner_name AS owner FROM care_tasks WHERE member_id = ? AND trigger = 'apprentices_quiet' ORDER BY due_at").all(mentor.id)
    expect(mentorTasks).toEqual([
      { title: '与师父通话', owner: '小周' },
      { title: '师徒一起参加线下培训', owner: '林老师' },
    ])
  })

  it('keeps thresholds editable by managers only, and plans with the new ones', async () => {
    const m = await s.core.invoke('members', 'create', { name: '慢热' })
    await s.signIn('operator')
    expect(await refusal(() => s.core.invoke('care', 'updateTriggers', { notInGroupMinutes: 30 }))).toMatchObject({
      code: 'forbidden',
      details: { method: 'care.updateTriggers', role: 'operator', needs: ['manager'] },
    })
    await s.signIn('manager')
    await s.core.invoke('care', 'updateTriggers', { notInGroupMinutes: 30 })
    s.clock.advance(31 * 60_000)
    await s.core.invoke('care', 'plan')
    expect((await tasksOf(m.id)).filter((t) => t.includes('立即拉进社群'))).toEqual(['2026-03-02 10:30 立即拉进社群 → 小周'])
    const audit = await s.core.invoke('audit', 'list', { kinds: ['triggers.updated'] })
    expect(audit.rows[0]).toMatchObject({ actorName: '陈姐', before: { notInGroupMinutes: 60 }, after: { notInGroupMinutes: 30 } })
  })
})

describe('the care calendar', () => {
  it('lists a day per owner with overdue tasks first, and records done and skipped with a note (in bulk)', async () => {
    const mentor = await s.core.invoke('members', 'create', { name: '老李', joinDate: '2025-06-01' })
    s.clock.set('2026-02-27T02:00:00Z')
    const m = await s.core.invoke('members', 'create', { name: '新芽', mentorId: mentor.id })
    s.clock.set('2026-03-02T01:30:00Z')
    await s.core.invoke('care', 'plan')
    await s.signIn('operator')
    const cal = await s.core.invoke('care', 'calendar', { memberId: m.id })
    expect(cal.date).toBe('2026-03-02')
    // Earlier days' open tasks come first, flagged overdue; then today's (due at 10:00, it is 09:30).
    const overdue = cal.rows.filter((r) => r.overdue)
    expect(overdue.map((r) => r.dueDay)).toEqual(['2026-02-27', '2026-02-27', '2026-02-27', '2026-02-28', '2026-03-01', '2026-03-01'])
    expect(cal.rows.slice(0, overdue.length).every((r) => r.overdue)).toBe(true)
    expect(cal.rows.slice(overdue.length).map((r) => `${r.dueDay} ${r.title}`)).toEqual(['2026-03-02 第 3 天培训：朋友圈怎么发：一天三个高峰'])
    expect(cal.owners.map((o) => `${o.ownerKind}:${o.ownerName}:${o.total}/${o.overdue}`).sort()).toEqual(['mentor:老李:2/2', 'operator:小周:2/2', 'trainer:林老师:3/2'])

    const done = await s.core.invoke('care', 'complete', { ids: overdue.slice(0, 2).map((r) => r.id), status: 'done', note: '已私聊欢迎' })
    expect(done.updated).toBe(2)
    await s.core.invoke('care', 'complete', { ids: [overdue[2].id], status: 'skipped', note: '当天外出' })
    const after = await s.core.invoke('care', 'calendar', { memberId: m.id })
    // Earlier days' finished tasks leave the day's list; three are still overdue.
    expect(after.counts).toMatchObject({ total: 4, overdue: 3, done: 0, skipped: 0 })
    const task = await s.core.invoke('care', 'task', { id: overdue[0].id })
    expect(task).toMatchObject({ status: 'done', note: '已私聊欢迎', doneBy: '小周' })

    const timeline = await s.core.invoke('care', 'timeline', { memberId: m.id })
    expect(timeline.entries.filter((e) => e.kind === 'care').map((e) => e.subtype)).toEqual(expect.arrayContaining(['done', 'skipped']))
    expect(timeline.entries.at(-1)).toMatchObject({ kind: 'joined' })

    const mine = await s.core.invoke('care', 'calendar', { ownerId: s.profiles.trainer })
    expect(mine.rows.every((r) => r.ownerName === '林老师')).toBe(true)
    expect(mine.owners.length).toBeGreaterThan(1)
  })
})
