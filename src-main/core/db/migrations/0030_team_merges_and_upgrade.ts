/**
 * 0030 — two things the team's book of records lacked on a workstation:
 *  - what this workstation moved when it took a customer merge made on another workstation
 *    of the team (core/records/customerMerges.ts): its own rows that pointed at the
 *    customer merged away (follow-ups, their tasks) went to the one kept, and go back when
 *    the merge's undo arrives;
 *  - a studio that had care plans, rules, approvals and appeals before they were shared
 *    (0027) kept them to itself: no change rows, and the plans and rules every studio starts
 *    with under ids of its own, which sent as they are would be second copies on the team.
 *    The shipped ones take the ids every workstation gives them now (`plan-<key>`, its steps
 *    `plan-<key>-<n>` in order; `rule-<hash of the name>`, core/lifecycle/plans.ts and
 *    rules.ts), found by name among the ones installed with the studio, and everything
 *    pointing at them follows — tasks planned from a plan's steps, proposals of a rule and
 *    the events they counted. (The audit chain keeps the ids it recorded: its records are
 *    never rewritten.) Then what the studio had and never sent is sent once, as creates by
 *    the studio itself, the first time it syncs: its own plans and rules, the shipped ones
 *    it edited, every proposal and appeal. The shipped ones left as shipped are the team's
 *    already and are not sent.
 * The names and ids below are the shipped ones as they were when this was written; frozen
 * with it.
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
CREATE TABLE customer_merges_taken (
  merged_id    TEXT PRIMARY KEY,
  survivor_id  TEXT NOT NULL,
  -- per table: its column, its key and each row as it was, and whether it moved or gave way
  moved        TEXT NOT NULL,
  taken_at     TEXT NOT NULL
);

PRAGMA defer_foreign_keys = ON;

CREATE TEMP TABLE m0030_shipped_plans (key TEXT NOT NULL, name TEXT NOT NULL);
INSERT INTO m0030_shipped_plans (key, name) VALUES
  ('onboarding', '新人扎根计划'), ('checkins', '满月回访（30/60/90 天）'), ('first-sale', '首单庆祝'), ('outside-group', '入群补救'),
  ('quiet', '沉默唤醒'), ('cooling', '社群升温'), ('apprentices-quiet', '师父关怀');
CREATE TEMP TABLE m0030_shipped_rules (id TEXT NOT NULL, name TEXT NOT NULL);
INSERT INTO m0030_shipped_rules (id, name) VALUES
  ('rule-6ec23af911a20da7', '低于控价销售提醒'), ('rule-f8b37c25ce5979f5', '屡次乱价扣除佣金'), ('rule-26347a8fa74bf8a4', '欺骗式拉人头暂停资格'),
  ('rule-5167926ebe5ce8d8', '销售其他平台商品'), ('rule-3e6e864d6649afce', '不让徒弟进群'), ('rule-398c3ac99529ad09', '群内分享经验奖励'),
  ('rule-779a6aefdde1450b', '发展并带好新会员'), ('rule-edb688d67fda3fb0', '线下推广奖励');

-- The shipped plans installed with the studio (built in, by name, the first of a name), where the team's id is free.
CREATE TEMP TABLE m0030_plan_ids AS
SELECT (SELECT p.id FROM care_plans p WHERE p.built_in = 1 AND p.name = s.name ORDER BY p.created_at, p.id LIMIT 1) AS old_id, 'plan-' || s.key AS new_id
  FROM m0030_shipped_plans s
 WHERE NOT EXISTS (SELECT 1 FROM care_plans p WHERE p.id = 'plan-' || s.key);
DELETE FROM m0030_plan_ids WHERE old_id IS NULL;
CREATE TEMP TABLE m0030_step_ids AS
SELECT st.id AS old_id, m.new_id || '-' || (row_number() OVER (PARTITION BY st.plan_id ORDER BY st.position, st.id)) AS new_id
  FROM care_steps st JOIN m0030_plan_ids m ON m.old_id = st.plan_id;
DELETE FROM m0030_step_ids WHERE new_id IN (SELECT id FROM care_steps);

UPDATE care_tasks SET step_id = (SELECT new_id FROM m0030_step_ids WHERE old_id = care_tasks.step_id) WHERE step_id IN (SELECT old_id FROM m0030_step_ids);
UPDATE care_tasks SET plan_id = (SELECT new_id FROM m0030_plan_ids WHERE old_id = care_tasks.plan_id) WHERE plan_id IN (SELECT old_id FROM m0030_plan_ids);
UPDATE care_steps SET id = (SELECT new_id FROM m0030_step_ids WHERE old_id = care_steps.id) WHERE id IN (SELECT old_id FROM m0030_step_ids);
UPDATE care_plans SET id = (SELECT new_id FROM m0030_plan_ids WHERE old_id = care_plans.id) WHERE id IN (SELECT old_id FROM m0030_plan_ids);
UPDATE care_steps SET plan_id = (SELECT new_id FROM m0030_plan_ids WHERE old_id = care_steps.plan_id) WHERE plan_id IN (SELECT old_id FROM m0030_plan_ids);

-- The shipped rules installed with the studio: by name, among the rules made when the studio was.
CREATE TEMP TABLE m0030_rule_ids AS
SELECT (SELECT r.id FROM rules r WHERE r.name = s.name AND r.created_at = (SELECT min(created_at) FROM rules) ORDER BY r.id LIMIT 1) AS old_id, s.id AS new_id
  FROM m0030_shipped_rules s
 WHERE NOT EXISTS (SELECT 1 FROM rules r WHERE r.id = s.id);
DELETE FROM m0030_rule_ids WHERE old_id IS NULL;
UPDATE rules SET id = (SELECT new_id FROM m0030_rule_ids WHERE old_id = rules.id) WHERE id IN (SELECT old_id FROM m0030_rule_ids);
UPDATE rule_actions SET rule_id = (SELECT new_id FROM m0030_rule_ids WHERE old_id = rule_actions.rule_id) WHERE rule_id IN (SELECT old_id FROM m0030_rule_ids);
UPDATE rule_action_events SET rule_id = (SELECT new_id FROM m0030_rule_ids WHERE old_id = rule_action_events.rule_id) WHERE rule_id IN (SELECT old_id FROM m0030_rule_ids);

-- What the studio had and never sent, sent once: rules before the proposals naming them, proposals before their appeals.
INSERT INTO ledger_device (id, device_id) SELECT 1, lower(hex(randomblob(16)))
 WHERE NOT EXISTS (SELECT 1 FROM ledger_device)
   AND (EXISTS (SELECT 1 FROM rules) OR EXISTS (SELECT 1 FROM care_plans) OR EXISTS (SELECT 1 FROM rule_actions) OR EXISTS (SELECT 1 FROM appeals));
CREATE TEMP TABLE m0030_unsent (n INTEGER PRIMARY KEY AUTOINCREMENT, record TEXT NOT NULL, record_id TEXT NOT NULL);
INSERT INTO m0030_unsent (record, record_id)
SELECT 'rule', r.id FROM rules r
 WHERE NOT EXISTS (SELECT 1 FROM record_changes c WHERE c.record = 'rule' AND c.record_id = r.id)
   AND NOT (r.id IN (SELECT id FROM m0030_shipped_rules) AND r.version = 1)
 ORDER BY r.created_at, r.id;
INSERT INTO m0030_unsent (record, record_id)
SELECT 'carePlan', p.id FROM care_plans p
 WHERE NOT EXISTS (SELECT 1 FROM record_changes c WHERE c.record = 'carePlan' AND c.record_id = p.id)
   AND NOT (p.built_in = 1 AND p.id IN (SELECT 'plan-' || key FROM m0030_shipped_plans) AND p.updated_at = p.created_at)
 ORDER BY p.created_at, p.id;
INSERT INTO m0030_unsent (record, record_id)
SELECT 'action', a.id FROM rule_actions a
 WHERE NOT EXISTS (SELECT 1 FROM record_changes c WHERE c.record = 'action' AND c.record_id = a.id)
 ORDER BY a.proposed_at, a.id;
INSERT INTO m0030_unsent (record, record_id)
SELECT 'appeal', p.id FROM appeals p
 WHERE NOT EXISTS (SELECT 1 FROM record_changes c WHERE c.record = 'appeal' AND c.record_id = p.id)
 ORDER BY p.filed_at, p.id;
INSERT INTO record_changes (tx_id, record, record_id, op, field, at, actor_id, actor_role, workstation, source, base_seq)
SELECT 'm0030-' || (SELECT device_id FROM ledger_device WHERE id = 1), u.record, u.record_id, 'create', NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL, 'system',
       (SELECT device_id FROM ledger_device WHERE id = 1), 'console', (SELECT records_cursor FROM sync_state WHERE id = 1)
  FROM m0030_unsent u ORDER BY u.n;

DROP TABLE m0030_unsent;
DROP TABLE m0030_rule_ids;
DROP TABLE m0030_step_ids;
DROP TABLE m0030_plan_ids;
DROP TABLE m0030_shipped_rules;
DROP TABLE m0030_shipped_plans;
`
