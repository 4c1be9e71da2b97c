/**
 * 0020 — conflicts of the shared records (core/records/sync.ts). A change remembers the
 * server sequence this workstation had pulled to when it was made (`base_seq`): the server
 * compares it with the field's current change to tell a conflict from a plain later edit.
 * A change that puts a conflict's earlier value back names it (`restores`). The conflicts
 * the server found, this workstation's or another's, arrive with the pulls and are kept in
 * `record_conflicts`, open or restored.
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
ALTER TABLE record_changes ADD COLUMN base_seq INTEGER;
ALTER TABLE record_changes ADD COLUMN restores TEXT;

CREATE TABLE record_conflicts (
  id           TEXT PRIMARY KEY,
  record       TEXT NOT NULL,
  record_id    TEXT NOT NULL,
  field        TEXT NOT NULL,
  later_seq    INTEGER NOT NULL,
  -- The conflict as the server sent it (recordsProtocol.ts RecordConflictWire): both sides, and its restore once the server has it.
  body_json    TEXT NOT NULL,
  -- Restored here and not yet confirmed by the server: who, as what, when.
  restored_here_json TEXT
);
CREATE INDEX record_conflicts_record ON record_conflicts (record, record_id);
`
