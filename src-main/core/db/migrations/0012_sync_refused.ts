/**
 * 0012 — entries the team's server refused as they are (a field it cannot store: text
 * with a NUL, a period that is no month). They leave the outbox so the entries behind
 * them keep syncing, and wait here, with the server's reason, for a person to look.
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
CREATE TABLE sync_refused (
  entry_id    TEXT PRIMARY KEY,
  code        TEXT NOT NULL,
  reason      TEXT NOT NULL,
  local_json  TEXT NOT NULL,
  refused_at  TEXT NOT NULL
);
`
