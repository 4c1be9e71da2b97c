/**
 * 0027 — care plans (with their steps), rules, approvals (rule actions) and appeals are
 * shared records (core/lifecycle): their changes go through the one write path, so
 * record_changes takes them (it lists no record kinds since 0026).
 * Approvals and appeals get the row stamps every synced record's table has (a record
 * taken from the team is written with them), filled for the rows already there.
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
ALTER TABLE rule_actions ADD COLUMN created_at TEXT;
ALTER TABLE rule_actions ADD COLUMN updated_at TEXT;
UPDATE rule_actions SET created_at = proposed_at, updated_at = COALESCE(decided_at, proposed_at);
ALTER TABLE appeals ADD COLUMN created_at TEXT;
ALTER TABLE appeals ADD COLUMN updated_at TEXT;
UPDATE appeals SET created_at = filed_at, updated_at = COALESCE(decided_at, filed_at);
`
