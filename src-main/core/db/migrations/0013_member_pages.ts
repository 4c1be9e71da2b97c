/**
 * 0013 — members' pages (会员小站) and group live codes (群活码) on the team's server.
 *  - member_page_links: each member's link. The token is kept here in clear so the
 *    onboarding kit and the statement can print it as a QR (the studio's database is the
 *    owner's alone, 0600); the server keeps only its hash. `pushed` = 0 while the server
 *    has not confirmed the latest issue or revocation.
 *  - group_live_codes: each group's stable live code, and a fingerprint of what the server
 *    last took for it (images, owner, size), so a change is sent once.
 *  - group_contact_qr: the group owner's own WeChat QR, shown when no group code can be scanned.
 *  - pack_publications: which pack runs the server holds, on which server instance.
 *  - group_scan_counts: live-code scans per group, day and referring member, from the server.
 *  - member_page_state: the exchange's own row (public address, cursors of ticks and of
 *    withdrawals asked for on the pages, last error).
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
CREATE TABLE member_page_links (
  member_id  TEXT PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
  token      TEXT,
  token_hash TEXT NOT NULL,
  issued_at  TEXT NOT NULL,
  revoked_at TEXT,
  pushed     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE group_live_codes (
  group_id    TEXT PRIMARY KEY REFERENCES groups(id) ON DELETE CASCADE,
  code        TEXT NOT NULL UNIQUE,
  created_at  TEXT NOT NULL,
  pushed_hash TEXT
);

CREATE TABLE group_contact_qr (
  group_id    TEXT PRIMARY KEY REFERENCES groups(id) ON DELETE CASCADE,
  file        TEXT NOT NULL,
  payload     TEXT NOT NULL,
  uploaded_at TEXT NOT NULL,
  created_by  TEXT
);

CREATE TABLE pack_publications (
  job_id       TEXT PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
  server_id    TEXT NOT NULL,
  published_at TEXT NOT NULL,
  packs        INTEGER NOT NULL,
  files        INTEGER NOT NULL,
  uploaded     INTEGER NOT NULL
);

CREATE TABLE group_scan_counts (
  group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
  day      TEXT NOT NULL,
  ref      TEXT NOT NULL,
  scans    INTEGER NOT NULL,
  PRIMARY KEY (group_id, day, ref)
) WITHOUT ROWID;

CREATE TABLE member_page_state (
  id                 INTEGER PRIMARY KEY CHECK (id = 1),
  public_url         TEXT,
  server_id          TEXT,
  ticks_cursor       INTEGER NOT NULL DEFAULT 0,
  withdrawals_cursor INTEGER NOT NULL DEFAULT 0,
  last_exchange_at   TEXT,
  last_error_code    TEXT,
  last_error_message TEXT,
  last_error_at      TEXT
);
INSERT INTO member_page_state (id) VALUES (1);
`
