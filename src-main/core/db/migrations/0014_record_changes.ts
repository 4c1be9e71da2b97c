/**
 * 0014 — the one write path of the shared records (core/records/changes.ts). Every change
 * of a customer, product, member, group, scheme or setting leaves one row per changed field
 * here, in the transaction that made it: `tx_id` groups the fields one call changed, `seq`
 * orders them on this workstation. A create or delete is one row with no field (the whole
 * record). Values are not copied: the record holds them, and an erased customer leaves no
 * phone behind here — the team's sync reads the value from the record when it sends.
 * The audit log learns which workstation made each record (its hash covers it when set).
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
CREATE TABLE record_changes (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  tx_id        TEXT NOT NULL,
  record       TEXT NOT NULL CHECK (record IN ('customer','product','member','group','scheme','setting')),
  record_id    TEXT NOT NULL,
  op           TEXT NOT NULL CHECK (op IN ('create','update','delete')),
  field        TEXT,
  at           TEXT NOT NULL,
  actor_id     TEXT,
  actor_role   TEXT NOT NULL,
  workstation  TEXT NOT NULL,
  source       TEXT NOT NULL CHECK (source IN ('console','cli','import','demo','rule'))
);
CREATE INDEX record_changes_record ON record_changes (record, record_id, seq);
CREATE INDEX record_changes_tx ON record_changes (tx_id);

ALTER TABLE audit_log ADD COLUMN workstation TEXT;
`
