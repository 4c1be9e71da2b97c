/**
 * 0027 — care plans (with their steps), rules, approvals (rule actions) and appeals are
 * shared records (core/lifecycle): their changes go through the one write path, so
 * record_changes takes them. The list of record kinds is no longer a CHECK of the table:
 * the write path only ever names kinds of the field table (src-shared/permissions.ts), and
 * every kind made shared would otherwise rebuild the table once more. SQLite cannot widen
 * a CHECK, so the table is built again with the same rows and sequence.
 * Approvals and appeals get the row stamps every synced record's table has (a record
 * taken from the team is written with them), filled for the rows already there.
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
CREATE TABLE record_changes_0027 (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  tx_id        TEXT NOT NULL,
  record       TEXT NOT NULL CHECK (length(record) BETWEEN 1 AND 40),
  record_id    TEXT NOT NULL,
  op           TEXT NOT NULL CHECK (op IN ('create','update','delete','add','remove','delta')),
  field        TEXT,
  at           TEXT NOT NULL,
  actor_id     TEXT,
  actor_role   TEXT NOT NULL,
  workstation  TEXT NOT NULL,
  source       TEXT NOT NULL CHECK (source IN ('console','cli','import','demo','rule')),
  base_seq     INTEGER,
  restores     TEXT,
  value_json   TEXT
);
INSERT INTO record_changes_0027 (seq, tx_id, record, record_id, op, field, at, actor_id, actor_role, workstation, source, base_seq, restores, value_json)
  SELECT seq, tx_id, record, record_id, op, field, at, actor_id, actor_role, workstation, source, base_seq, restores, value_json FROM record_changes ORDER BY seq;
-- The outbox's mark (sync_state.records_pushed) counts these numbers: they go on from where they were, even past deleted rows.
DELETE FROM sqlite_sequence WHERE name = 'record_changes_0027';
INSERT INTO sqlite_sequence (name, seq) SELECT 'record_changes_0027', seq FROM sqlite_sequence WHERE name = 'record_changes';
DROP TABLE record_changes;
ALTER TABLE record_changes_0027 RENAME TO record_changes;
CREATE INDEX record_changes_record ON record_changes (record, record_id, seq);
CREATE INDEX record_changes_tx ON record_changes (tx_id);

ALTER TABLE rule_actions ADD COLUMN created_at TEXT;
ALTER TABLE rule_actions ADD COLUMN updated_at TEXT;
UPDATE rule_actions SET created_at = proposed_at, updated_at = COALESCE(decided_at, proposed_at);
ALTER TABLE appeals ADD COLUMN created_at TEXT;
ALTER TABLE appeals ADD COLUMN updated_at TEXT;
UPDATE appeals SET created_at = filed_at, updated_at = COALESCE(decided_at, filed_at);
`
