import type { MemberEventType, RitualCounts } from '../../../src-shared/contracts/lifecycle'
import { temperatureScore } from '../../../src-shared/lifecycle/temperature'
import type { AreaSeedOptions } from '../coreArea'
import type { CoreContext } from '../context'
import { GROUP_RITUALS, MEMBER_EVENTS, toProfile } from '../db/tables/lifecycle'
import { insertRow } from '../db/tables/table'
import { demoId, Random } from '../random/seeded'
import { decideActions, endSuspensions, decideAppeal, fileAppeal } from './approvals'
import { appendAudit, clearAudit, SYSTEM_ACTOR, type Actor } from '../audit/audit'
import { planCare } from './planner'
import { hashPinSync, insertProfile, sessionInfo, startSession } from './profiles'
import { evaluateRules, installDefaultRules, updateRule, ruleRow } from './rules'
import { ruleWriter, type ChangeWriter } from '../records/changes'
import { DAY_MS, StudioTime, addDays } from './studioTime'

/**
 * The demo studio's lifecycle: the workstation's profiles, a year of member activity
 * and conduct, 60 days of group rituals, a year of rule proposals that the manager
 * decided week by week (so the audit log reads like a real year), appeals, and the
 * care calendar around today with the past days' tasks mostly done.
 *
 * Demo PINs: 运营 小周 1111 (the default profile), 运营 小吴 3333, 培训 林老师 2222, 店长 陈姐 8888.
 */
export const DEMO_PROFILES = [
  { name: '小周', role: 'operator', pin: '1111', isDefault: true },
  { name: '小吴', role: 'operator', pin: '3333', isDefault: false },
  { name: '林老师', role: 'trainer', pin: '2222', isDefault: false },
  { name: '陈姐', role: 'manager', pin: '8888', isDefault: false },
] as const

interface DemoMember {
  id: string
  name: string
  mentorId: string | null
  status: string
  joinMs: number
  /** 0 (quiet) … 1 (very active): how often this member shares and attends. */
  zeal: number
  /** When this member's activity stopped (quiet members and those who left); null while active. */
  stopMs: number | null
}

export function seedLifecycleDemo(ctx: CoreContext, options: AreaSeedOptions): void {
  const db = ctx.db
  const random = new Random(options.seed).fork('lifecycle')
  const nowMs = options.now.getTime()
  const yearAgo = nowMs - 365 * DAY_MS
  const time = new StudioTime(options.timezone, options.now)
  const today = time.dayOf(nowMs)

  // The history starts a year ago: the rule book and the profiles were set up then.
  clearAudit(db)
  db.prepare('DELETE FROM rules').run()
  const rp = random.fork('profiles')
  if (!(db.prepare('SELECT 1 FROM profiles LIMIT 1').get() as unknown)) {
    DEMO_PROFILES.forEach((p, i) => {
      const at = new Date(yearAgo - (10 - i) * 60_000)
      const salt = Buffer.alloc(16)
      for (let k = 0; k < 16; k += 4) salt.writeUInt32BE(rp.uint32(), k)
      const row = insertProfile(db, { id: demoId(rp, at.getTime()), name: p.name, role: p.role, pin: hashPinSync(p.pin, salt), isDefault: p.isDefault }, at)
      const profile = toProfile(row, at)
      appendAudit(db, SYSTEM_ACTOR, { kind: 'profile.created', entity: 'profile', entityId: row.id, summary: `新建档案「${p.name}」/ profile ${p.name} created`, after: { name: profile.name, role: profile.role, isDefault: profile.isDefault } }, at)
    })
  }
  const profiles = db.prepare('SELECT id, name, role FROM profiles ORDER BY created_at, id').all() as { id: string; name: string; role: string }[]
  const manager = profiles.find((p) => p.role === 'manager')
  const operator = profiles.find((p) => p.role === 'operator')
  const managerActor: Actor = manager ? { id: manager.id, name: manager.name, role: 'manager' } : SYSTEM_ACTOR
  const operatorActor: Actor = operator ? { id: operator.id, name: operator.name, role: 'operator' } : SYSTEM_ACTOR
  installDefaultRules(db, SYSTEM_ACTOR, new Date(yearAgo), time.dayOf(yearAgo))

  // ------------------------------------------------------------ member events
  const re = random.fork('events')
  const members = (db.prepare('SELECT id, name, mentor_id AS mentorId, status, join_date AS joinDate, created_at AS createdAt FROM members ORDER BY join_date, id').all() as {
    id: string
    name: string
    mentorId: string | null
    status: string
    joinDate: string
    createdAt: string
  }[]).map((m): DemoMember => {
    const joinMs = Math.min(Date.parse(m.createdAt), time.at(m.joinDate, '09:00'))
    const zeal = re.around(0.45, 0.25, 0.03, 0.95)
    let stopMs: number | null = null
    if (m.status === 'left') stopMs = nowMs - re.int(40, 300) * DAY_MS
    else if (m.status === 'paused') stopMs = nowMs - re.int(20, 120) * DAY_MS
    // About one active member in six has gone quiet in the last weeks: they are who care is for.
    else if (re.chance(0.17) && nowMs - joinMs > 30 * DAY_MS) stopMs = nowMs - re.int(12, 45) * DAY_MS
    return { id: m.id, name: m.name, mentorId: m.mentorId, status: m.status, joinMs, zeal, stopMs }
  })
  const add = (m: DemoMember, type: MemberEventType, at: number, note = '', source = 'demo') => {
    if (at > nowMs - 60_000 || at < m.joinMs) return
    insertRow(db, MEMBER_EVENTS, {
      id: demoId(re, at),
      member_id: m.id,
      type,
      occurred_at: new Date(at).toISOString(),
      note,
      source,
      recorded_by: source === 'demo' ? null : operatorActor.name,
      created_at: new Date(Math.min(nowMs, at + re.int(5, 600) * 60_000)).toISOString(),
    })
  }
  // Peaks when members post: 07–09, 12–13, 19–21.
  const postingTime = (dayStart: number) => dayStart + [7.5, 8.2, 12.3, 19.5, 20.4, 21][re.int(0, 5)] * 3_600_000 + re.int(0, 40) * 60_000
  const byId = new Map(members.map((m) => [m.id, m]))
  for (const m of members) {
    const from = Math.max(m.joinMs, yearAgo)
    const end = Math.min(nowMs, m.stopMs ?? nowMs)
    for (let d = time.startOf(time.dayOf(from)); d < end; d += DAY_MS) {
      // New members are keen in their first weeks, then settle at their own level.
      const fresh = d - m.joinMs < 21 * DAY_MS ? 0.25 : 0
      if (re.chance(Math.min(0.9, m.zeal * 0.8 + fresh))) add(m, 'share', postingTime(d))
      if (re.chance(m.zeal * 0.07)) add(m, 'showcase', postingTime(d), '买家实拍')
      if (new Date(d + time.offsetMs).getUTCDay() === 3 && re.chance(0.15 + m.zeal * 0.4)) add(m, 'training', d + 20 * 3_600_000, '周三晚线上培训')
      if (re.chance(m.zeal * 0.004)) add(m, 'experience_shared', d + 21 * 3_600_000, '在群里分享了成交经验')
      if (re.chance(m.zeal * 0.0015)) add(m, 'offline_promotion', d + 15 * 3_600_000, '社区线下推广')
    }
    // A recruit is an event of the mentor's, on the day the apprentice joined.
    const mentor = m.mentorId ? byId.get(m.mentorId) : undefined
    if (mentor && m.joinMs >= yearAgo && (mentor.stopMs === null || mentor.stopMs > m.joinMs)) add(mentor, 'member_recruited', m.joinMs + 30 * 60_000, `带新会员 ${m.name} 入门`, 'manual')
  }
  // Conduct the rules exist for: rare, and concentrated on a few members, as in real teams.
  const sellers = members.filter((m) => m.status !== 'left' && nowMs - m.joinMs > 120 * DAY_MS)
  const culprits = re.sample(sellers, 9)
  const reported = (m: DemoMember, type: MemberEventType, at: number, note: string) => add(m, type, at, note, 'manual')
  if (culprits.length >= 9) {
    // One member undercut the price floor three times within a month (warning ×3, then a deduction).
    const a = nowMs - re.int(50, 80) * DAY_MS
    for (const k of [0, 9, 19]) reported(culprits[0], 'price_below_floor', a + k * DAY_MS + 11 * 3_600_000, '朋友圈标价低于控价')
    reported(culprits[1], 'price_below_floor', nowMs - re.int(150, 200) * DAY_MS, '群内报价低于控价')
    reported(culprits[2], 'price_below_floor', nowMs - 2 * DAY_MS - 5 * 3_600_000, '私聊报价低于控价（客户截图举报）')
    const b = nowMs - re.int(90, 120) * DAY_MS
    reported(culprits[3], 'other_platform_goods', b, '群内推广其他平台的同款')
    reported(culprits[3], 'other_platform_goods', b + 12 * DAY_MS, '再次推广其他平台商品')
    reported(culprits[4], 'deceptive_recruiting', nowMs - re.int(200, 250) * DAY_MS, '以“月入过万”招揽新人，经核实')
    reported(culprits[5], 'apprentices_outside_group', nowMs - re.int(30, 60) * DAY_MS, '两位徒弟加入一周仍未进群')
    reported(culprits[6], 'apprentices_outside_group', nowMs - 3 * DAY_MS, '新徒弟未拉进社群')
    reported(culprits[7], 'other_platform_goods', nowMs - 1 * DAY_MS - 3 * 3_600_000, '朋友圈转发其他平台链接')
    reported(culprits[7], 'other_platform_goods', nowMs - 20 * 3_600_000, '再次转发其他平台链接')
  }

  // ------------------------------------------------------------ a year of rule rounds, week by week
  // The demo's decisions and appeals are the team's changes as any others are, made by the demo's people.
  const seeded = (actor: Actor, at: Date): ChangeWriter => ({ ...ruleWriter(db, actor, at), source: 'demo' })
  const rng = random.fork('decisions')
  for (let t = yearAgo + 7 * DAY_MS; t <= nowMs; t += 7 * DAY_MS) {
    const at = new Date(t)
    evaluateRules(db, options.timezone, at, SYSTEM_ACTOR)
    // The manager works through proposals a few days old; the last days' stay waiting.
    const waiting = db.prepare("SELECT id, kind, rule_id AS ruleId FROM rule_actions WHERE status = 'proposed' AND proposed_at <= ? ORDER BY proposed_at, id").all(new Date(t - 2 * DAY_MS).toISOString()) as {
      id: string
      kind: string
      ruleId: string
    }[]
    if (nowMs - t < 5 * DAY_MS) continue
    const decidedAt = new Date(t + 10 * 3_600_000)
    for (const w of waiting) {
      const reject = w.kind === 'warning' ? rng.chance(0.12) : w.kind === 'points' ? rng.chance(0.04) : rng.chance(0.08)
      if (reject) decideActions(db, [w.id], 'rejected', rng.pick(['核实后属误报', '情况已说明，本次不处理', '证据不足']), managerActor, decidedAt, seeded(managerActor, decidedAt))
      else decideActions(db, [w.id], 'approved', w.kind === 'bonus' ? '分享内容对新人很有帮助' : w.kind === 'points' ? '新人已进群并完成第一周培训' : '经核实属实', managerActor, decidedAt, seeded(managerActor, decidedAt))
    }
    // Mid-year the manager tightened the experience-sharing reward (the audit shows before and after).
    if (t >= yearAgo + 180 * DAY_MS && t < yearAgo + 187 * DAY_MS) {
      const rule = db.prepare("SELECT id FROM rules WHERE event_type = 'experience_shared'").get() as { id: string } | undefined
      if (rule && ruleRow(db, rule.id).threshold === 2)
        updateRule(db, rule.id, { description: '30 天内在群里分享 2 次经验，提议奖励 30 元（年中调高）。', action: { kind: 'bonus', points: 0, amountFen: 3000, days: 0 } }, managerActor, new Date(t + 11 * 3_600_000), seeded(managerActor, new Date(t + 11 * 3_600_000)))
    }
  }
  // Appeals: one upheld, one overturned, one still open.
  const approvedPenalty = (eventType: string) =>
    (db.prepare("SELECT a.id FROM rule_actions a JOIN rules r ON r.id = a.rule_id WHERE a.status = 'approved' AND a.kind = 'penalty' AND r.event_type = ? ORDER BY a.decided_at LIMIT 1").get(eventType) as { id: string } | undefined)?.id ?? null
  const appealable = approvedPenalty('price_below_floor')
  const overturnable = approvedPenalty('other_platform_goods')
  if (appealable) {
    const appealAt = new Date(nowMs - 20 * DAY_MS)
    const a = fileAppeal(db, appealable, '会员说明：当时是给家人的自用价，并非对外报价。', operatorActor, appealAt, seeded(operatorActor, appealAt))
    decideAppeal(db, a.id, 'upheld', '朋友圈公开标价，属对外报价，维持处理。', managerActor, new Date(appealAt.getTime() + DAY_MS), seeded(managerActor, new Date(appealAt.getTime() + DAY_MS)))
  }
  if (overturnable) {
    const appealAt = new Date(nowMs - 9 * DAY_MS)
    const a = fileAppeal(db, overturnable, '会员提供了品牌授权书，所售商品属团队渠道。', operatorActor, appealAt, seeded(operatorActor, appealAt))
    decideAppeal(db, a.id, 'overturned', '核实授权书无误，撤销扣款。', managerActor, new Date(appealAt.getTime() + 2 * DAY_MS), seeded(managerActor, new Date(appealAt.getTime() + 2 * DAY_MS)))
  }
  const lastApproved = db.prepare("SELECT id FROM rule_actions a WHERE status = 'approved' AND kind IN ('warning','points') AND NOT EXISTS (SELECT 1 FROM appeals p WHERE p.action_id = a.id) ORDER BY decided_at DESC LIMIT 1").get() as { id: string } | undefined
  if (lastApproved) fileAppeal(db, lastApproved.id, '会员认为事实有出入，希望店长重新核实。', operatorActor, new Date(nowMs - 1 * DAY_MS), seeded(operatorActor, new Date(nowMs - 1 * DAY_MS)))
  endSuspensions(db, options.now)

  // ------------------------------------------------------------ 60 days of group rituals
  const rg = random.fork('rituals')
  const groups = db.prepare('SELECT id FROM groups ORDER BY created_at, id').all() as { id: string }[]
  groups.forEach((g, gi) => {
    const warmth = rg.around(0.74, 0.14, 0.4, 0.97)
    // A few groups cool down over their last week: those are the ones the ranking puts on top.
    const cooling = gi % 7 === 3
    for (let back = 60; back >= 0; back--) {
      const day = addDays(today, -back)
      const fade = cooling && back <= 6 ? 0.35 : 1
      const w = warmth * fade
      const partial = back === 0
      const counts: RitualCounts = {
        morning: rg.chance(0.35 + w * 0.6) ? 1 : 0,
        night: partial ? 0 : rg.chance(0.3 + w * 0.6) ? 1 : 0,
        training: partial ? 0 : rg.chance(w * 0.25) ? 1 : 0,
        goal: partial ? 0 : rg.chance(w * 0.18) ? 1 : 0,
        red_envelope: partial ? 0 : rg.chance(w * 0.5) ? rg.int(1, 3) : 0,
        showcase: partial ? rg.int(0, 1) : Math.round(rg.around(w * 4, 1.5, 0, 8)),
        replies: Math.round(rg.around(w * 160, 40, 2, 320) * (partial ? 0.3 : 1)),
      }
      const at = new Date(Math.min(nowMs, time.at(day, '22:30')))
      insertRow(db, GROUP_RITUALS, { group_id: g.id, day, ...counts, score: temperatureScore(counts), source: 'demo', updated_at: at.toISOString(), updated_by: operatorActor.name })
    }
  })

  // ------------------------------------------------------------ the care calendar around today
  planCare(db, options.timezone, options.now)
  const rc = random.fork('care')
  const tasks = db.prepare("SELECT id, due_at AS dueAt, owner_name AS ownerName FROM care_tasks WHERE due_at < ? ORDER BY due_at, id").all(options.now.toISOString()) as { id: string; dueAt: string; ownerName: string | null }[]
  const finish = db.prepare('UPDATE care_tasks SET status = ?, note = ?, done_at = ?, done_by = ? WHERE id = ?')
  for (const t of tasks) {
    const due = Date.parse(t.dueAt)
    const isToday = time.dayOf(due) === today
    const roll = rc.next()
    const doneAt = new Date(Math.min(nowMs - 60_000, due + rc.int(10, 300) * 60_000)).toISOString()
    if (roll < (isToday ? 0.4 : 0.74)) finish.run('done', rc.pick(['', '', '已私聊，回复积极', '已电话沟通', '已拉进群并欢迎', '已在群里@TA']), doneAt, t.ownerName ?? operatorActor.name, t.id)
    else if (roll < (isToday ? 0.45 : 0.84)) finish.run('skipped', rc.pick(['会员本周外出，下周再联系', '已由师父当面沟通', '电话未接通，改为私聊']), doneAt, t.ownerName ?? operatorActor.name, t.id)
  }
  startSession(ctx)
  ctx.emit('session.changed', sessionInfo(ctx))
}
