/**
 * 0022 — sets and stock travel as moves, not values (core/records/changes.ts). A customer's
 * tag or a group's customer added or removed is one row (`op` 'add' / 'remove', the item in
 * `value_json`), a product's stock moved by +n/−n one row (`op` 'delta', the amount): two
 * workstations changing different items of one set, or both selling the same product,
 * both survive. The item and the amount are what the change is, so the row keeps them
 * (a tag or an id, never personal data); a field's value is still read from the record.
 * SQLite cannot widen a CHECK, so the table is built again with the same rows.
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
CREATE TABLE record_changes_0022 (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  tx_id        TEXT NOT NULL,
  record       TEXT NOT NULL CHECK (record IN ('customer','product','member','group','scheme','setting','order')),
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
INSERT INTO record_changes_0022 (seq, tx_id, record, record_id, op, field, at, actor_id, actor_role, workstation, source, base_seq, restores)
  SELECT seq, tx_id, record, record_id, op, field, at, actor_id, actor_role, workstation, source, base_seq, restores FROM record_changes ORDER BY seq;
-- The outbox's mark (sync_state.records_pushed) counts these numbers: they go on from where they were, even past deleted rows.
DELETE FROM sqlite_sequence WHERE name = 'record_changes_0022';
INSERT INTO sqlite_sequence (name, seq) SELECT 'record_changes_0022', seq FROM sqlite_sequence WHERE name = 'record_changes';
DROP TABLE record_changes;
ALTER TABLE record_changes_0022 RENAME TO record_changes;
CREATE INDEX record_changes_record ON record_changes (record, record_id, seq);
CREATE INDEX record_changes_tx ON record_changes (tx_id);
`
