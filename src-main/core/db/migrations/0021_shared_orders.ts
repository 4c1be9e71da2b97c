/**
 * 0021 — orders shared through the team server (core/records/orders.ts). An order is a
 * record whose changes go through the one write path, so record_changes takes `order`
 * (the table is rebuilt for its check, its sequence carried over: the outbox's marks
 * name its rows). Two workstations that imported the same export before they shared hold
 * one order under two ids; when the team's copy arrives they become one, under the
 * smaller id (the same on every workstation), and the other id is kept in
 * `order_aliases` so that the team's later changes made to it still reach the one order.
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
CREATE TABLE record_changes_new (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  tx_id        TEXT NOT NULL,
  record       TEXT NOT NULL CHECK (record IN ('customer','product','member','group','scheme','setting','order')),
  record_id    TEXT NOT NULL,
  op           TEXT NOT NULL CHECK (op IN ('create','update','delete')),
  field        TEXT,
  at           TEXT NOT NULL,
  actor_id     TEXT,
  actor_role   TEXT NOT NULL,
  workstation  TEXT NOT NULL,
  source       TEXT NOT NULL CHECK (source IN ('console','cli','import','demo','rule')),
  base_seq     INTEGER,
  restores     TEXT
);
INSERT INTO record_changes_new (seq, tx_id, record, record_id, op, field, at, actor_id, actor_role, workstation, source, base_seq, restores)
  SELECT seq, tx_id, record, record_id, op, field, at, actor_id, actor_role, workstation, source, base_seq, restores FROM record_changes ORDER BY seq;
DELETE FROM sqlite_sequence WHERE name = 'record_changes_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'record_changes_new', seq FROM sqlite_sequence WHERE name = 'record_changes';
DROP TABLE record_changes;
ALTER TABLE record_changes_new RENAME TO record_changes;
CREATE INDEX record_changes_record ON record_changes (record, record_id, seq);
CREATE INDEX record_changes_tx ON record_changes (tx_id);

CREATE TABLE order_aliases (
  id        TEXT PRIMARY KEY,
  order_id  TEXT NOT NULL,
  order_no  TEXT NOT NULL,
  merged_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX order_aliases_order ON order_aliases(order_id);
`
