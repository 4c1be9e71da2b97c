import { z } from 'zod'
import { CareStep } from '../../../src-shared/contracts/lifecycle'
import type { Db } from '../db/connection'
import { CARE_STEPS, careStepRow } from '../db/tables/lifecycle'
import { upsertRow } from '../db/tables/table'

/**
 * The rows of a lifecycle record that travel as one of its fields (core/records/sync.ts),
 * as an order's lines do:
 *  - a care plan's steps, `steps`: the editor saves a plan with all its steps, so they
 *    change with the plan — as steps of their own, a plan edited on two workstations could
 *    end with the steps of both. Each keeps its id, so the tasks planned from it stay linked;
 *  - the events a proposal counted, `events`: written with the proposal (its create) and
 *    never edited — the history of why it was proposed. Two workstations that logged the
 *    same events each hold their own copies of them (the events are not shared records), and
 *    each proposes the same record; the team keeps one list, the one its create gave, and
 *    every workstation holds that one. Its own copies stay unused there: evaluating them
 *    again proposes the same record, which the team holds already, so nothing twice.
 */

/** A plan's steps as they travel, in the plan's order (a plan has a few dozen at most). */
export const CareStepsWire = z.array(CareStep.strict()).max(500)
export type CareStepWire = z.infer<typeof CareStep>

/** The `steps` field of the plan in the enclosing query's `care_plans` row, as JSON, in order. */
export const CARE_STEPS_SQL = `(SELECT json_group_array(json_object(${Object.entries(CARE_STEPS.fields).map(([field, column]) => `'${field}', s.${column}`).join(', ')}))
   FROM (SELECT * FROM care_steps WHERE plan_id = care_plans.id ORDER BY position) s)`

/** Replaces a plan's steps with the team's (the same ids: tasks planned from a step stay linked to it). */
export function writeCareSteps(db: Db, planId: string, steps: CareStepWire[]): void {
  db.prepare('DELETE FROM care_steps WHERE plan_id = ?').run(planId)
  // A step the team moved here from another plan keeps its id: its row moves with it.
  steps.forEach((s, i) => upsertRow(db, CARE_STEPS, ['id'], careStepRow(planId, i, s.id, s)))
}

/** The events a proposal counted, by id, as they travel. */
export const ActionEventsWire = z.array(z.string().min(1).max(64)).max(1000)

/** The `events` field of the proposal in the enclosing query's `rule_actions` row, as JSON, sorted. */
export const ACTION_EVENTS_SQL = `(SELECT json_group_array(x.event_id) FROM (SELECT event_id FROM rule_action_events WHERE action_id = rule_actions.id ORDER BY event_id) x)`

/** Holds the proposal's counted events as the team does. */
export function writeActionEvents(db: Db, actionId: string, events: string[]): void {
  db.prepare('DELETE FROM rule_action_events WHERE action_id = ?').run(actionId)
  db.prepare(
    'INSERT OR IGNORE INTO rule_action_events (rule_id, event_id, action_id) SELECT a.rule_id, j.value, a.id FROM rule_actions a, json_each(?) j WHERE a.id = ?',
  ).run(JSON.stringify(events), actionId)
}
