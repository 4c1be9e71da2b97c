import { dayIn } from '../clock'
import type { CoreContext } from '../context'
import type { Db } from '../db/connection'
import { endSuspensions } from './approvals'
import { clearAudit, SYSTEM_ACTOR } from '../audit/audit'
import { installDefaultKit } from './kits/defaultKit'
import { planCare } from './planner'
import { installDefaultPlans } from './plans'
import { evaluateRules, installDefaultRules } from './rules'
import { readLifecycleSetting, writeLifecycleSetting } from '../db/lifecycleSettings'

/**
 * The plans, rules and kit a studio starts with, installed once (a studio that archived
 * or edited them keeps its choices). Rules apply from the day they were installed.
 */
export function installDefaults(db: Db, now: Date, timezone: string): void {
  if (readLifecycleSetting<boolean>(db, 'defaults_installed')) return
  db.transaction(() => {
    if (!(db.prepare('SELECT 1 FROM care_plans LIMIT 1').get() as unknown)) installDefaultPlans(db, now)
    if (!(db.prepare('SELECT 1 FROM rules LIMIT 1').get() as unknown)) installDefaultRules(db, SYSTEM_ACTOR, now, dayIn(timezone, now))
    if (!(db.prepare('SELECT 1 FROM kit_templates LIMIT 1').get() as unknown)) installDefaultKit(db, now)
    writeLifecycleSetting(db, 'defaults_installed', true)
  })()
}

/**
 * Empties the studio's lifecycle data. The workstation's profiles stay: they belong to
 * the people at the keyboard, not to the studio's records, and removing them would let
 * anyone who can empty a studio sign in again as its first manager.
 */
export function clearLifecycle(db: Db): void {
  for (const table of ['care_tasks', 'care_steps', 'care_plans', 'group_rituals', 'rule_action_events', 'appeals', 'rule_actions', 'member_events', 'rules', 'kit_sections', 'kit_templates']) {
    db.prepare(`DELETE FROM ${table}`).run()
  }
  clearAudit(db)
  db.prepare("DELETE FROM lifecycle_settings WHERE key <> 'care_triggers'").run()
}

/** The hourly round: suspensions that ended, the care plan, and (on maintenance) the rules. */
export function runUpkeep(ctx: CoreContext, options: { evaluate: boolean }): void {
  const now = ctx.clock.now()
  endSuspensions(ctx.db, now)
  planCare(ctx.db, ctx.timezone(), now)
  if (options.evaluate) evaluateRules(ctx.db, ctx.timezone(), now, SYSTEM_ACTOR)
}
