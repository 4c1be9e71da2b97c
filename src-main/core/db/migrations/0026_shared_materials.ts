/**
 * 0026 — the material library becomes shared records (core/records/changes.ts): prices seen
 * elsewhere and the forbidden-claims list travel through the team server as customers do.
 *  - record_changes no longer lists the record kinds in a CHECK: the field table
 *    (src-shared/permissions.ts) is what says which records and fields exist, and every row
 *    is written by the one write path that checks it. Built again with the same rows and
 *    the same numbering (the outbox's mark counts them);
 *  - a price comparison keeps when it last changed, as every shared record does;
 *  - the forbidden-claims list, kept until now as a private setting of this workstation,
 *    is one record (`studio`) with its words as a set. A studio that had edited its list
 *    keeps it, recorded as a create by the studio itself, so the team hears of it.
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
CREATE TABLE record_changes_0026 (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  tx_id        TEXT NOT NULL,
  record       TEXT NOT NULL,
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
INSERT INTO record_changes_0026 (seq, tx_id, record, record_id, op, field, at, actor_id, actor_role, workstation, source, base_seq, restores, value_json)
  SELECT seq, tx_id, record, record_id, op, field, at, actor_id, actor_role, workstation, source, base_seq, restores, value_json FROM record_changes ORDER BY seq;
DELETE FROM sqlite_sequence WHERE name = 'record_changes_0026';
INSERT INTO sqlite_sequence (name, seq) SELECT 'record_changes_0026', seq FROM sqlite_sequence WHERE name = 'record_changes';
DROP TABLE record_changes;
ALTER TABLE record_changes_0026 RENAME TO record_changes;
CREATE INDEX record_changes_record ON record_changes (record, record_id, seq);
CREATE INDEX record_changes_tx ON record_changes (tx_id);

ALTER TABLE price_comparisons ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
UPDATE price_comparisons SET updated_at = created_at;

CREATE TABLE forbidden_claims (
  id          TEXT PRIMARY KEY,
  -- the words, as a JSON list in the order they were added
  words       TEXT NOT NULL DEFAULT '[]',
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
INSERT INTO forbidden_claims (id, words, created_at, updated_at)
  SELECT 'studio', value, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM settings
   WHERE key = '_materials.forbiddenWords' AND json_valid(value) AND json_type(value) = 'array';
INSERT INTO ledger_device (id, device_id) SELECT 1, lower(hex(randomblob(16))) WHERE EXISTS (SELECT 1 FROM forbidden_claims) AND NOT EXISTS (SELECT 1 FROM ledger_device);
INSERT INTO record_changes (tx_id, record, record_id, op, field, at, actor_id, actor_role, workstation, source, base_seq)
  SELECT lower(hex(randomblob(16))), 'forbiddenClaims', id, 'create', NULL, created_at, NULL, 'system', (SELECT device_id FROM ledger_device WHERE id = 1), 'console',
         (SELECT records_cursor FROM sync_state WHERE id = 1)
    FROM forbidden_claims;
DELETE FROM settings WHERE key = '_materials.forbiddenWords';
`
