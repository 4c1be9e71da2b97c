import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { dayIn } from '../../../src-shared/time'
import type { OrchardCore } from '../api'
import { SYSTEM_ACTOR } from '../audit/audit'
import { databaseAt } from '../db/olderStudio.testkit'
import { newId } from '../ids'
import { entryId, periodOf } from '../ledger/entries'
import { postLedger } from '../ledger/posting'
import { readRecords } from '../records/sync'
import { teamHarness } from '../sync/team.testkit'
import { planCare } from './planner'
import { DEFAULT_PLANS, writePlan } from './plans'
import { createRule, DEFAULT_RULES, defaultRuleId, proposalId, updateRule } from './rules'

/**
 * A studio that had its care plans, rules, approvals and appeals before they were shared
 * (migration 0027): upgraded, its shipped plans and rules take the ids every workstation
 * gives them, everything else it had reaches the team once, on its first sync — and two
 * such studios of one team hold the shipped ones once.
 */
const team_ = teamHarness('lifecycle-upgrade')
const { workstation, enrol, sync } = team_
let teamNo = 0
const TZ = 'Asia/Shanghai'

interface OldStudio {
  dir: string
  plan: string
  rule: string
  editedRule: string
  /** The approved action, under the id every workstation gives it since 0031. */
  action: string
  appeal: string
  member: string
  tasks: number
}

/**
 * A workstation's studio as an Orchard at migration 0026 left it: the migrations up to 0026
 * only, the shipped plans and rules installed as that version installed them (ids of their
 * own), one of them edited, a plan and a rule of the studio's, an approved action of that
 * rule with an appeal, a member and the care planned for them.
 */
function studioAt0026(dir: string, tag: string): OldStudio {
  const db = databaseAt(dir, 26)
  try {
    const now = new Date()
    const today = dayIn(TZ, now)
    const out = db.transaction(() => {
      for (const spec of DEFAULT_PLANS) {
        writePlan(db, { name: spec.name, description: spec.description, trigger: spec.trigger, active: true, steps: spec.steps.map((s) => ({ ...s, offsetHours: s.offsetHours ?? 0 })) }, now, true, null)
      }
      for (const r of DEFAULT_RULES) createRule(db, { ...r, effectiveFrom: today }, SYSTEM_ACTOR, now, today, null)
      db.prepare("INSERT INTO lifecycle_settings (key, value) VALUES ('defaults_installed', 'true')").run()
      const later = new Date(now.getTime() + 1000)
      const editedRule = (db.prepare('SELECT id FROM rules WHERE name = ?').get(DEFAULT_RULES[1].name) as { id: string }).id
      updateRule(db, editedRule, { threshold: 4 }, SYSTEM_ACTOR, later, null)
      const plan = writePlan(
        db,
        { name: `复购关怀 ${tag}`, description: '', trigger: 'first_sale', active: true, steps: [{ offsetDays: 1, offsetHours: 0, channel: 'private', ownerKind: 'mentor', purpose: 'light', title: '致谢', script: '' }] },
        later,
        false,
        null,
      ).id
      const rule = createRule(
        db,
        { name: `群外警告 ${tag}`, description: '', eventType: 'apprentices_outside_group', threshold: 1, windowDays: 30, action: { kind: 'warning', points: 0, amountFen: 0, days: 0 }, active: true, effectiveFrom: today },
        SYSTEM_ACTOR,
        later,
        today,
        null,
      ).id
      const member = newId()
      db.prepare("INSERT INTO members (id, name, invite_code, join_date, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)").run(member, `小郑${tag}`, `OLD${tag}01`, today, later.toISOString(), later.toISOString())
      const action = newId()
      db.prepare(
        `INSERT INTO rule_actions (id, idem_key, rule_id, rule_name, rule_version, member_id, member_name, kind, reason, event_count, window_from, window_to, status, proposed_at, decided_at, decided_by_name, decision_reason)
         VALUES (?, ?, ?, ?, 1, ?, ?, 'warning', '群外发现徒弟', 1, ?, ?, 'approved', ?, ?, '陈姐', '属实')`,
      ).run(action, `idem-${action}`, rule, `群外警告 ${tag}`, member, `小郑${tag}`, later.toISOString(), later.toISOString(), later.toISOString(), later.toISOString())
      const appeal = newId()
      db.prepare("INSERT INTO appeals (id, action_id, reason, filed_at, filed_by_name, status) VALUES (?, ?, '徒弟已进群', ?, '小周', 'open')").run(appeal, action, later.toISOString())
      return { plan, rule, editedRule, action: proposalId(rule, member, later.toISOString(), later.toISOString()), appeal, member }
    })()
    // The care that version planned for the new member, from the shipped onboarding plan's steps as they were then.
    planCare(db, TZ, now)
    const tasks = db.prepare('SELECT count(*) FROM care_tasks WHERE member_id = ?').pluck().get(out.member) as number
    return { dir, ...out, tasks }
  } finally {
    db.close()
  }
}

const held = (core: OrchardCore, record: 'carePlan' | 'rule' | 'action' | 'appeal', id: string) => readRecords(core.context.db, record, [id]).get(id)
const ids = (core: OrchardCore, table: string) => core.context.db.prepare(`SELECT id FROM ${table} ORDER BY id`).pluck().all() as string[]
const shippedPlanIds = DEFAULT_PLANS.map((p) => `plan-${p.key}`).sort()
const shippedRuleIds = DEFAULT_RULES.map((r) => defaultRuleId(r.name))

/**
 * One studio's workstation as an Orchard at 0026 left it, after both of the studio's
 * workstations had evaluated the same bonus rule for the same member (the rule, the member
 * and the event are the studio's, the same on both): the proposal under an id of its own,
 * approved here by 陈姐 with its 50.00 posted when `approved`.
 */
function workstationAt0026(dir: string, studio: { rule: string; member: string; event: string; at: Date }, action: string, approved: boolean): void {
  const db = databaseAt(dir, 26)
  try {
    const at = studio.at.toISOString()
    const today = dayIn(TZ, studio.at)
    db.transaction(() => {
      db.prepare("INSERT INTO lifecycle_settings (key, value) VALUES ('defaults_installed', 'true')").run()
      createRule(
        db,
        { name: '分享奖励', description: '', eventType: 'share', threshold: 1, windowDays: 30, action: { kind: 'bonus', points: 0, amountFen: 5000, days: 0 }, active: true, effectiveFrom: today },
        SYSTEM_ACTOR,
        studio.at,
        today,
        null,
        studio.rule,
      )
      db.prepare('INSERT INTO members (id, name, invite_code, join_date, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)').run(studio.member, '小郑', 'OLDBONUS', today, at, at)
      db.prepare("INSERT INTO member_events (id, member_id, type, occurred_at, source, created_at) VALUES (?, ?, 'share', ?, 'manual', ?)").run(studio.event, studio.member, at, at)
      db.prepare(
        `INSERT INTO rule_actions (id, idem_key, rule_id, rule_name, rule_version, member_id, member_name, kind, amount_fen, reason, event_count, window_from, window_to, status, proposed_at, decided_at, decided_by_name)
         VALUES (?, ?, ?, '分享奖励', 1, ?, '小郑', 'bonus', 5000, '分享转发 → 提议奖励 ¥50.00', 1, ?, ?, ?, ?, ?, ?)`,
      ).run(action, `idem-${studio.event}`, studio.rule, studio.member, at, at, approved ? 'approved' : 'proposed', at, approved ? at : null, approved ? '陈姐' : null)
      db.prepare('INSERT INTO rule_action_events (rule_id, event_id, action_id) VALUES (?, ?, ?)').run(studio.rule, studio.event, action)
      if (approved) {
        const period = periodOf(TZ)(at)
        db.prepare(
          `INSERT INTO ledger_entries (id, member_code, kind, amount_fen, source_type, source_key, period, booked_period, occurred_at, memo, device_id, origin, pending_sync, created_at)
           VALUES (?, 'OLDBONUS', 'bonus', 5000, 'rule_action', ?, ?, ?, ?, '奖励 · 分享奖励', 'old-device', 'local', 1, ?)`,
        ).run(entryId('rule_action', action, 'OLDBONUS', 'bonus'), action, period, period, at, at)
      }
    })()
  } finally {
    db.close()
  }
}

const balance = (core: OrchardCore, code: string) => core.context.db.prepare('SELECT coalesce(sum(amount_fen), 0) FROM ledger_entries WHERE member_code = ?').pluck().get(code) as number

describe('an existing studio’s lifecycle records on upgrade', () => {
  it('the shipped plans and rules take the team’s ids with every reference kept; what the studio had reaches B on its first sync', async () => {
    const old = studioAt0026(join(team_.root, `old-${++teamNo}`), 'A')
    expect(old.tasks).toBeGreaterThan(0)
    const a = workstation(old.dir)
    const db = a.context.db
    // Re-keyed: the shipped plans, their steps and the shipped rules carry the ids every workstation gives them.
    expect(ids(a, 'care_plans').filter((id) => id.startsWith('plan-'))).toEqual(shippedPlanIds)
    // Each step under the id a new studio gives that same step.
    const byId = (list: [string, string][]) => [...list].sort(([x], [y]) => x.localeCompare(y))
    expect(byId((await a.invoke('care', 'plans', {})).find((p) => p.id === 'plan-onboarding')!.steps.map((s) => [s.id, s.title]))).toEqual(
      byId(DEFAULT_PLANS[0].steps.map((s, i) => [`plan-onboarding-${i + 1}`, s.title])),
    )
    expect(ids(a, 'rules').filter((id) => id !== old.rule).sort()).toEqual([...shippedRuleIds].sort())
    // Every reference intact: the tasks planned from the old steps point at the same steps under their new ids, and planning again adds none.
    const orphans = () =>
      db.prepare('SELECT count(*) FROM care_tasks t WHERE t.plan_id NOT IN (SELECT id FROM care_plans) OR t.step_id NOT IN (SELECT id FROM care_steps)').pluck().get()
    expect(orphans()).toBe(0)
    expect(db.prepare("SELECT count(*) FROM care_tasks WHERE member_id = ? AND plan_id = 'plan-onboarding'").pluck().get(old.member)).toBe(old.tasks)
    planCare(db, TZ, a.context.clock.now())
    expect(db.prepare('SELECT count(*) FROM care_tasks WHERE member_id = ?').pluck().get(old.member)).toBe(old.tasks)
    expect(held(a, 'appeal', old.appeal)).toMatchObject({ actionId: old.action })
    expect(db.prepare('SELECT rule_id FROM rule_actions WHERE id = ?').pluck().get(old.action)).toBe(old.rule)
    const edited = defaultRuleId(DEFAULT_RULES[1].name)
    expect(held(a, 'rule', edited)).toMatchObject({ threshold: 4 })

    // Sent once, on the first sync: the studio's plan and rule, the edited shipped rule, the action and its appeal
    // (the action's decision — decision, when, by whom, why — also as the manager's changes of those four fields, since 0031).
    const team = `u${teamNo}`
    const b = workstation()
    await enrol(a, team, 'A')
    await enrol(b, team, 'B')
    const first = await sync(a)
    expect(first.records).toMatchObject({ pushed: 9, refused: 0, pending: 0 })
    expect((await sync(a)).records).toMatchObject({ pushed: 0 })
    await sync(b)
    for (const [record, id] of [
      ['carePlan', old.plan],
      ['rule', old.rule],
      ['rule', edited],
      ['action', old.action],
      ['appeal', old.appeal],
    ] as const) {
      expect(held(b, record, id), `${record} ${id}`).toEqual(held(a, record, id))
    }
    expect((await b.invoke('approvals', 'appeals', { status: ['open'] })).map((p) => [p.id, p.reason])).toEqual([[old.appeal, '徒弟已进群']])
    expect(ids(b, 'care_plans')).toEqual(ids(a, 'care_plans'))
    expect(ids(b, 'rules')).toEqual(ids(a, 'rules'))
  })

  it('two upgraded workstations do not hold the shipped plans and rules twice on the team; each one’s own records reach the other', async () => {
    const team = `u${++teamNo}`
    const oldA = studioAt0026(join(team_.root, `old-${teamNo}-a`), 'A')
    const oldB = studioAt0026(join(team_.root, `old-${teamNo}-b`), 'B')
    const a = workstation(oldA.dir)
    const b = workstation(oldB.dir)
    await enrol(a, team, 'A')
    await enrol(b, team, 'B')
    await sync(a)
    await sync(b)
    await sync(a)
    // A new workstation's snapshot is the team's book: each shipped plan and rule once, both studios' own.
    const c = workstation()
    await enrol(c, team, 'C')
    await sync(c)
    for (const ws of [a, b, c]) {
      const plans = (await ws.invoke('care', 'plans', {})).map((p) => p.name)
      expect(plans.filter((n) => DEFAULT_PLANS.some((d) => d.name === n))).toHaveLength(DEFAULT_PLANS.length)
      expect(plans).toEqual(expect.arrayContaining(['复购关怀 A', '复购关怀 B']))
      const rules = (await ws.invoke('rules', 'list')).map((r) => r.name)
      expect(rules.filter((n) => DEFAULT_RULES.some((d) => d.name === n))).toHaveLength(DEFAULT_RULES.length)
      expect(rules).toEqual(expect.arrayContaining(['群外警告 A', '群外警告 B']))
    }
    expect(ids(c, 'care_plans')).toEqual(ids(a, 'care_plans'))
    expect(ids(b, 'rules')).toEqual(ids(a, 'rules'))
    expect(ids(c, 'appeals')).toEqual([oldA.appeal, oldB.appeal].sort())
  })

  it('what a device enrolled for a lower role may not send is refused with its reason and kept on the workstation as it was', async () => {
    const team = `u${++teamNo}`
    const old = studioAt0026(join(team_.root, `old-${teamNo}`), 'O')
    const a = workstation(old.dir)
    const before = { plan: held(a, 'carePlan', old.plan), rule: held(a, 'rule', old.rule) }
    await enrol(a, team, '运营室', 'operator')
    const round = await sync(a)
    expect(round.records.refused).toBeGreaterThan(0)
    const refused = (await a.invoke('sync', 'recordIssues', {})).filter((i) => i.kind === 'refused')
    expect(refused.map((i) => [i.record, i.recordId, i.code])).toEqual(expect.arrayContaining([['carePlan', old.plan, 'forbidden'], ['rule', old.rule, 'forbidden']]))
    // Kept here as it was; the team never held it.
    expect({ plan: held(a, 'carePlan', old.plan), rule: held(a, 'rule', old.rule) }).toEqual(before)
    const b = workstation()
    await enrol(b, team, 'B')
    await sync(b)
    expect(held(b, 'carePlan', old.plan)).toBeUndefined()
    expect(held(b, 'rule', old.rule)).toBeUndefined()
  })
  it('one proposal both workstations made before 0027, approved and paid on one: after the upgrade the team and both hold it once, its decision kept, its money posted once', async () => {
    const team = `u${++teamNo}`
    const studio = { rule: newId(), member: newId(), event: newId(), at: new Date(Date.now() - 86_400_000) }
    const [oldA, oldB] = [newId(), newId()]
    workstationAt0026(join(team_.root, `old-${teamNo}-a`), studio, oldA, true)
    workstationAt0026(join(team_.root, `old-${teamNo}-b`), studio, oldB, false)
    const a = workstation(join(team_.root, `old-${teamNo}-a`))
    const b = workstation(join(team_.root, `old-${teamNo}-b`))
    // Both hold it under the id every workstation gives it, the event it counted with it.
    const id = proposalId(studio.rule, studio.member, studio.at.toISOString(), studio.at.toISOString())
    for (const ws of [a, b]) {
      expect(ids(ws, 'rule_actions')).toEqual([id])
      expect(ws.context.db.prepare('SELECT action_id FROM rule_action_events').pluck().all()).toEqual([id])
    }
    // A's 50.00 posted under the old id is reversed once; the bonus is posted under the team's id.
    postLedger(a.context)
    postLedger(a.context)
    expect(balance(a, 'OLDBONUS')).toBe(5000)

    // B's undecided copy reaches the team first; A's decision stands.
    await enrol(a, team, 'A')
    await enrol(b, team, 'B')
    await sync(b)
    expect((await sync(a)).records).toMatchObject({ refused: 0, notApplied: 0 })
    expect((await sync(b)).records).toMatchObject({ notApplied: 0 })
    postLedger(b.context)
    await sync(b)
    await sync(a)
    const c = workstation()
    await enrol(c, team, 'C')
    await sync(c)
    for (const ws of [a, b, c]) {
      expect(ids(ws, 'rule_actions')).toEqual([id])
      expect(held(ws, 'action', id)).toMatchObject({ decision: 'approved', decidedByName: '陈姐' })
    }
    postLedger(c.context)
    for (const ws of [a, b, c]) expect(balance(ws, 'OLDBONUS')).toBe(5000)
    // The team's ledger holds the old entry, its reversal and the bonus under the team's id.
    expect(c.context.db.prepare("SELECT source_key, amount_fen FROM ledger_entries WHERE member_code = 'OLDBONUS' ORDER BY source_key").raw().all()).toEqual(
      [
        [oldA, 5000],
        [`${oldA}~rekeyed`, -5000],
        [id, 5000],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    )
  })
})
