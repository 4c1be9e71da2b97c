/**
 * 0019 — the shared records travel through the team's server (core/records/sync.ts).
 * The outbox is record_changes itself (0014): `records_pushed` is the last of its rows
 * the server has confirmed, `records_cursor` the server's sequence this workstation has
 * pulled to. A change pulled from the team is written to the record without a change row
 * (it is not this workstation's to send again). What could not be applied here, or what
 * the server refused, waits in `sync_record_issues` with its reason for a person to see.
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
ALTER TABLE sync_state ADD COLUMN records_pushed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_state ADD COLUMN records_cursor INTEGER NOT NULL DEFAULT 0;

CREATE TABLE sync_record_issues (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  kind        TEXT NOT NULL CHECK (kind IN ('not_applied', 'refused')),
  record      TEXT NOT NULL,
  record_id   TEXT NOT NULL,
  field       TEXT,
  op          TEXT NOT NULL,
  server_seq  INTEGER,
  client_seq  INTEGER,
  device_id   TEXT,
  code        TEXT NOT NULL,
  reason      TEXT NOT NULL,
  value_json  TEXT,
  at          TEXT NOT NULL
);
CREATE INDEX sync_record_issues_record ON sync_record_issues (record, record_id);
`
