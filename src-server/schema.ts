import type { Storage } from './storage'

/**
 * The server's schema, forward-only like the workstation's: append a migration,
 * never edit an applied one. Plain PostgreSQL that PGlite runs unchanged.
 *
 * The ledger's rules live in the keys:
 *  - entries are keyed by (team, id) forever — not a 24-hour idempotency cache: an
 *    entry pushed again a year later is recognised. The team is part of the key so
 *    one team's ids can never block, or reveal anything about, another's;
 *  - `seq` is the server's own order (an identity column), the only cursor a
 *    workstation pulls by; pushes of one team are serialised on the team's row so
 *    seq order is commit order within a team and a pull never skips a late commit;
 *  - status lives on the server only; every move is a row of `status_changes`
 *    with its own sequence, and the entry keeps the latest (status, status_seq).
 */
export const SERVER_MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'ledger',
    sql: `
CREATE TABLE server_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE teams (
  name       TEXT PRIMARY KEY,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE devices (
  id             TEXT PRIMARY KEY,
  team           TEXT NOT NULL REFERENCES teams(name),
  name           TEXT NOT NULL,
  workstation_id TEXT,
  token_hash     TEXT NOT NULL UNIQUE,
  created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  last_seen_at   TIMESTAMPTZ,
  revoked_at     TIMESTAMPTZ
);
CREATE INDEX devices_team ON devices(team);

CREATE TABLE enrolment_codes (
  code_hash  TEXT PRIMARY KEY,
  team       TEXT NOT NULL REFERENCES teams(name),
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  expires_at TIMESTAMPTZ NOT NULL,
  used_at    TIMESTAMPTZ,
  device_id  TEXT REFERENCES devices(id)
);

CREATE TABLE entries (
  team              TEXT NOT NULL REFERENCES teams(name),
  id                UUID NOT NULL,
  seq               BIGINT GENERATED ALWAYS AS IDENTITY,
  member_code       TEXT NOT NULL,
  kind              TEXT NOT NULL,
  amount_fen        BIGINT NOT NULL,
  source_type       TEXT NOT NULL,
  source_key        TEXT NOT NULL,
  reverses_id       UUID,
  scheme_id         TEXT,
  scheme_version    INTEGER,
  period            TEXT NOT NULL,
  occurred_at       TEXT NOT NULL,
  memo              TEXT NOT NULL,
  origin_device     TEXT NOT NULL,
  pushed_by         TEXT NOT NULL,
  received_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
  status            TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'paid', 'rejected')),
  status_seq        BIGINT NOT NULL DEFAULT 0,
  status_changed_at TIMESTAMPTZ,
  PRIMARY KEY (team, id)
);
CREATE UNIQUE INDEX entries_team_seq ON entries(team, seq);

CREATE TABLE status_changes (
  seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  team       TEXT NOT NULL,
  entry_id   UUID NOT NULL,
  status     TEXT NOT NULL,
  changed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  note       TEXT,
  FOREIGN KEY (team, entry_id) REFERENCES entries(team, id)
);
CREATE INDEX status_changes_team_seq ON status_changes(team, seq);
`,
  },
  {
    version: 2,
    name: 'member_pages',
    /**
     * Members' pages and group live codes (src-server/pages). Files are content-addressed
     * per team: a video in 200 packs is one row. Tokens and codes are kept as SHA-256
     * hashes only. Ticks take a sequence of their own, the cursor workstations pull by.
     */
    sql: `
CREATE TABLE page_teams (
  team        TEXT PRIMARY KEY REFERENCES teams(name),
  studio_name TEXT NOT NULL DEFAULT '',
  time_zone   TEXT NOT NULL DEFAULT 'Asia/Shanghai',
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE blobs (
  team       TEXT NOT NULL REFERENCES teams(name),
  sha256     TEXT NOT NULL,
  mime       TEXT NOT NULL,
  bytes      INTEGER NOT NULL,
  data       BYTEA NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (team, sha256)
);

CREATE TABLE packs (
  id             UUID PRIMARY KEY,
  team           TEXT NOT NULL REFERENCES teams(name),
  owner_key      TEXT NOT NULL,
  day            TEXT NOT NULL,
  kind           TEXT NOT NULL CHECK (kind IN ('member', 'group')),
  member_code    TEXT NOT NULL,
  title          TEXT NOT NULL,
  run_id         TEXT NOT NULL,
  run_created_at TIMESTAMPTZ NOT NULL,
  content        TEXT NOT NULL,
  published_by   TEXT NOT NULL,
  published_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (team, owner_key, day)
);
CREATE INDEX packs_member ON packs(team, member_code, day);
CREATE INDEX packs_run ON packs(team, run_id);

CREATE TABLE pack_files (
  pack_id UUID NOT NULL REFERENCES packs(id) ON DELETE CASCADE,
  team    TEXT NOT NULL,
  sha256  TEXT NOT NULL,
  PRIMARY KEY (pack_id, sha256)
);
CREATE INDEX pack_files_blob ON pack_files(team, sha256);

CREATE TABLE member_links (
  token_hash  TEXT PRIMARY KEY,
  team        TEXT NOT NULL REFERENCES teams(name),
  member_code TEXT NOT NULL,
  member_name TEXT NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  revoked_at  TIMESTAMPTZ
);
CREATE UNIQUE INDEX member_links_active ON member_links(team, member_code) WHERE revoked_at IS NULL;

CREATE TABLE member_earnings (
  team        TEXT NOT NULL REFERENCES teams(name),
  member_code TEXT NOT NULL,
  content     TEXT NOT NULL,
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (team, member_code)
);

CREATE TABLE member_ticks (
  id          UUID PRIMARY KEY,
  seq         BIGINT GENERATED ALWAYS AS IDENTITY,
  team        TEXT NOT NULL REFERENCES teams(name),
  member_code TEXT NOT NULL,
  owner_key   TEXT NOT NULL,
  day         TEXT NOT NULL,
  item_key    TEXT NOT NULL,
  label       TEXT NOT NULL,
  ticked_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (team, member_code, owner_key, day, item_key)
);
CREATE UNIQUE INDEX member_ticks_team_seq ON member_ticks(team, seq);

CREATE TABLE live_groups (
  team         TEXT NOT NULL REFERENCES teams(name),
  group_key    TEXT NOT NULL,
  code_hash    TEXT NOT NULL UNIQUE,
  name         TEXT NOT NULL,
  owner_code   TEXT,
  owner_name   TEXT,
  member_count INTEGER NOT NULL DEFAULT 0,
  contact_sha  TEXT,
  updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (team, group_key)
);

CREATE TABLE live_group_images (
  team        TEXT NOT NULL,
  group_key   TEXT NOT NULL,
  sha256      TEXT NOT NULL,
  uploaded_at TIMESTAMPTZ NOT NULL,
  expires_at  TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (team, group_key, sha256),
  FOREIGN KEY (team, group_key) REFERENCES live_groups(team, group_key) ON DELETE CASCADE
);

CREATE TABLE live_scans (
  team      TEXT NOT NULL,
  group_key TEXT NOT NULL,
  day       TEXT NOT NULL,
  ref       TEXT NOT NULL DEFAULT '',
  scans     INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (team, group_key, day, ref),
  FOREIGN KEY (team, group_key) REFERENCES live_groups(team, group_key) ON DELETE CASCADE
);
`,
  },
  {
    version: 3,
    name: 'member_withdrawals',
    // Withdrawal requests members make on their pages: checked here against the figures the
    // studio published, then taken by a workstation, which checks them again as any other
    // request and answers (taken, or refused with its reason) for the page to show.
    sql: `
CREATE TABLE member_withdrawals (
  id           UUID PRIMARY KEY,
  seq          BIGINT GENERATED ALWAYS AS IDENTITY,
  team         TEXT NOT NULL REFERENCES teams(name),
  member_code  TEXT NOT NULL,
  amount_fen   BIGINT NOT NULL CHECK (amount_fen > 0),
  requested_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  status       TEXT NOT NULL DEFAULT 'sent' CHECK (status IN ('sent', 'taken', 'refused')),
  message      TEXT,
  answered_at  TIMESTAMPTZ
);
CREATE UNIQUE INDEX member_withdrawals_team_seq ON member_withdrawals(team, seq);
CREATE INDEX member_withdrawals_member ON member_withdrawals(team, member_code, requested_at);
`,
  },
  {
    version: 4,
    name: 'records',
    /**
     * The studio's shared records (src-server/records.ts). `record_changes` is every change
     * the server accepted, in its own order (seq); (device_id, client_seq) is kept for good,
     * so a batch pushed again applies nothing twice. `record_fields` is each field's current
     * value and the change that set it (the last in server order), `record_tombstones` the
     * deleted records: what a pull compares a change with, and what a new workstation starts from.
     */
    sql: `
CREATE TABLE record_changes (
  team        TEXT NOT NULL REFERENCES teams(name),
  seq         BIGINT GENERATED ALWAYS AS IDENTITY,
  device_id   TEXT NOT NULL REFERENCES devices(id),
  client_seq  BIGINT NOT NULL,
  tx_id       TEXT NOT NULL,
  record      TEXT NOT NULL,
  record_id   TEXT NOT NULL,
  op          TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete')),
  field       TEXT,
  value       JSONB,
  role        TEXT NOT NULL,
  made_at     TEXT NOT NULL,
  received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (team, seq),
  UNIQUE (device_id, client_seq)
);
CREATE INDEX record_changes_record ON record_changes(team, record, record_id, seq);

CREATE TABLE record_fields (
  team      TEXT NOT NULL REFERENCES teams(name),
  record    TEXT NOT NULL,
  record_id TEXT NOT NULL,
  field     TEXT NOT NULL,
  value     JSONB,
  seq       BIGINT NOT NULL,
  PRIMARY KEY (team, record, record_id, field)
);

-- The highest role a device may act for, set by its enrolment code; devices enrolled before act for the manager.
ALTER TABLE enrolment_codes ADD COLUMN role TEXT NOT NULL DEFAULT 'manager' CHECK (role IN ('operator', 'trainer', 'manager'));
ALTER TABLE devices ADD COLUMN role TEXT NOT NULL DEFAULT 'manager' CHECK (role IN ('operator', 'trainer', 'manager'));

CREATE TABLE record_tombstones (
  team      TEXT NOT NULL REFERENCES teams(name),
  record    TEXT NOT NULL,
  record_id TEXT NOT NULL,
  seq       BIGINT NOT NULL,
  PRIMARY KEY (team, record, record_id)
);
`,
  },
  {
    version: 5,
    name: 'record conflicts',
    /**
     * Conflicts of the shared records (src-server/records.ts): a change carries the server
     * sequence its workstation had pulled to (`base`); an update of a field whose current
     * value is newer and came from another device replaces it, and the replaced value is
     * kept here, the team's, so every workstation lists the same conflicts. `later_seq` (the
     * winning change) names it; `restored_seq` is the change that put the earlier value back.
     */
    sql: `
ALTER TABLE record_changes ADD COLUMN base BIGINT;
ALTER TABLE record_changes ADD COLUMN restores TEXT;
ALTER TABLE record_changes ADD COLUMN actor TEXT;

CREATE TABLE record_conflicts (
  team          TEXT NOT NULL REFERENCES teams(name),
  later_seq     BIGINT NOT NULL,
  earlier_seq   BIGINT NOT NULL,
  earlier_value JSONB,
  restored_seq  BIGINT,
  PRIMARY KEY (team, later_seq)
);
CREATE INDEX record_conflicts_restored ON record_conflicts(team, restored_seq);
`,
  },
  {
    version: 6,
    name: 'record sets and deltas',
    /**
     * Sets and stock travel as moves (src-server/records.ts): an item added to or removed
     * from a set (a customer's tags, a group's customers), a stock moved by +n/−n. The set's
     * members and the stock's sum stay in record_fields, moved by each change in server order.
     * Deletes conflict too (`kind` 'delete'): the record as the team held it is kept. A
     * create of a record the team holds under its natural key becomes that record (`merged_into`).
     */
    sql: `
ALTER TABLE record_changes DROP CONSTRAINT record_changes_op_check;
ALTER TABLE record_changes ADD CONSTRAINT record_changes_op_check CHECK (op IN ('create', 'update', 'delete', 'add', 'remove', 'delta'));

-- A delete of a record another device changed since the deleter last saw it, or such a change arriving after the delete: the delete wins, the record is kept here.
ALTER TABLE record_conflicts ADD COLUMN kind TEXT NOT NULL DEFAULT 'field' CHECK (kind IN ('field', 'delete'));

-- A create whose natural key (phone, WeChat id, SKU, invite code) a record of the team already holds: the team's record it became.
ALTER TABLE record_changes ADD COLUMN merged_into TEXT;
`,
  },
  {
    version: 7,
    name: 'team audit',
    /**
     * The team's audit (src-server/audit.ts): every workstation's hash-chained audit records
     * as it pushed them, checked link by link on receipt (`chain` is the workstation's id),
     * and the server's own chain of what it does (`chain` = 'server': devices enrolled and
     * revoked, changes refused, conflicts kept and restored). `audit_heads` keeps each
     * chain's last record apart from it, so records cut off the end are noticed too.
     */
    sql: `
CREATE TABLE audit_records (
  team        TEXT NOT NULL REFERENCES teams(name),
  chain       TEXT NOT NULL,
  seq         BIGINT NOT NULL,
  id          TEXT NOT NULL,
  at          TEXT NOT NULL,
  actor_id    TEXT,
  actor_name  TEXT NOT NULL,
  actor_role  TEXT NOT NULL,
  kind        TEXT NOT NULL,
  entity      TEXT NOT NULL,
  entity_id   TEXT,
  summary     TEXT NOT NULL,
  before_json TEXT,
  after_json  TEXT,
  workstation TEXT,
  prev_hash   TEXT NOT NULL,
  hash        TEXT NOT NULL,
  device_id   TEXT REFERENCES devices(id),
  received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (team, chain, seq)
);

CREATE TABLE audit_heads (
  team  TEXT NOT NULL REFERENCES teams(name),
  chain TEXT NOT NULL,
  seq   BIGINT NOT NULL,
  hash  TEXT NOT NULL,
  PRIMARY KEY (team, chain)
);
`,
  },
  {
    version: 8,
    name: 'team files',
    /**
     * The team's files by content (src-server/files.ts): a buyer photo's image, a product's
     * picture, named by the records with their SHA-256 and kept once per team.
     */
    sql: `
CREATE TABLE team_files (
  team        TEXT NOT NULL REFERENCES teams(name),
  sha256      TEXT NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  bytes       BYTEA NOT NULL,
  size        INTEGER NOT NULL CHECK (size > 0),
  device_id   TEXT REFERENCES devices(id),
  received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (team, sha256)
);
`,
  },
  {
    version: 9,
    name: 'natural keys',
    /**
     * A create of a record the team may already hold under another id looks for the live
     * record with its natural key (NATURAL_KEYS in src-shared/recordsProtocol.ts): without
     * these, every create of a push read every field of every record of its kind, so a
     * studio's first push of 100,000 customers took hours. Text keys by their MD5 (a key
     * may be as long as a person types it; an index entry may not), phone lists by item.
     * A new natural key field needs its name added here.
     */
    sql: `
CREATE INDEX record_fields_text_key ON record_fields (team, record, field, md5(value #>> '{}'))
  WHERE field IN ('wechatId', 'sku', 'inviteCode') AND jsonb_typeof(value) = 'string';
CREATE INDEX record_fields_phones ON record_fields USING GIN (value) WHERE field = 'phones';
`,
  },
  {
    version: 10,
    name: 'phone lookups without a pending list',
    /**
     * A GIN index keeps new entries in a pending list by default, and every lookup reads
     * that whole list: a studio's first push of 100,000 customers grew it with every batch,
     * so each batch's phone lookups took seconds (500 phones looked up in 4.5 s against a
     * fresh 100,000-customer index, in 6.5 ms without the list). Entries now go straight
     * into the index; the ones waiting in the list are moved there once.
     */
    sql: `
ALTER INDEX record_fields_phones SET (fastupdate = off);
SELECT gin_clean_pending_list('record_fields_phones'::regclass);
`,
  },
]

/**
 * Applies what the database lacks. Several servers may share one PostgreSQL
 * database: an advisory lock lets exactly one of them migrate while the others wait.
 */
export async function migrateServer(storage: Storage): Promise<void> {
  await storage.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(74300001)')
    await tx.query(`CREATE TABLE IF NOT EXISTS server_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`)
    const applied = await tx.query<{ version: number }>('SELECT version FROM server_migrations ORDER BY version')
    const newest = applied.length ? Number(applied[applied.length - 1].version) : 0
    const known = SERVER_MIGRATIONS[SERVER_MIGRATIONS.length - 1].version
    if (newest > known) {
      throw new Error(`数据库由更新版本的果园服务器写入（${newest} > ${known}）/ the database was written by a newer Orchard server (schema ${newest} > ${known})`)
    }
    for (const m of SERVER_MIGRATIONS) {
      if (m.version <= newest) continue
      // One statement at a time: node-postgres' extended protocol takes a single statement per query.
      for (const statement of splitStatements(m.sql)) await tx.query(statement)
      await tx.query('INSERT INTO server_migrations (version, name) VALUES ($1, $2)', [m.version, m.name])
    }
  })
}

function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*\n/)
    .map((s) => s.trim())
    .filter(Boolean)
}
