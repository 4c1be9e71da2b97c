/**
 * 0005 — the workstation's sync with the team's server: enrolment, cursors, attempts.
 * Frozen once released: never edit an applied migration, add a new one.
 *
 * The outbox itself belongs to the ledger (written in the same transaction as each
 * entry); these tables hold only what the sync adds around it.
 */
export default `
-- One row: the team server this workstation is enrolled with, and where its pulls stand.
CREATE TABLE sync_state (
  id                  INTEGER PRIMARY KEY CHECK (id = 1),
  server_url          TEXT,
  team                TEXT,
  device_id           TEXT,
  device_name         TEXT,
  token               TEXT,
  -- The server instance the cursors belong to; a different one means it was reset.
  server_id           TEXT,
  entries_cursor      INTEGER NOT NULL DEFAULT 0,
  statuses_cursor     INTEGER NOT NULL DEFAULT 0,
  enrolled_at         TEXT,
  revoked_at          TEXT,
  last_success_at     TEXT,
  last_attempt_at     TEXT,
  last_error_code     TEXT,
  last_error_message  TEXT,
  last_error_at       TEXT,
  failures            INTEGER NOT NULL DEFAULT 0,
  last_round          TEXT
);
INSERT INTO sync_state (id) VALUES (1);

-- Entries the server holds with a different content than this workstation: shown, never overwritten either way.
CREATE TABLE sync_conflicts (
  entry_id     TEXT PRIMARY KEY,
  fields       TEXT NOT NULL,
  local_json   TEXT,
  server_json  TEXT NOT NULL,
  detected_at  TEXT NOT NULL
);

-- Member codes named by entries from the team's other workstations that this workstation
-- does not know (yet): the entries are kept in the ledger; the console asks for the members.
CREATE TABLE sync_unknown_members (
  member_code    TEXT PRIMARY KEY COLLATE NOCASE,
  first_seen_at  TEXT NOT NULL
);
`
