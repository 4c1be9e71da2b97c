/**
 * 0004 — commission schemes, the append-only ledger, its outbox and sync state.
 * Frozen once released: never edit an applied migration, add a new one.
 *
 * Entries are never edited or deleted: a correction is a reversing entry. Triggers
 * refuse any UPDATE of what an entry says (only its status, which the team's server
 * decides, may move) and any DELETE — except while the studio itself is being
 * emptied (Settings → empty studio, re-seeding the demo), which sets the marker
 * `ledger.clearing` in settings inside the same transaction.
 */
export default `
CREATE TABLE commission_schemes (
  id              TEXT PRIMARY KEY,
  name            TEXT NOT NULL,
  current_version INTEGER NOT NULL,
  active          INTEGER NOT NULL DEFAULT 0,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX commission_schemes_one_active ON commission_schemes(active) WHERE active = 1;

CREATE TABLE commission_scheme_versions (
  scheme_id  TEXT NOT NULL REFERENCES commission_schemes(id),
  version    INTEGER NOT NULL,
  name       TEXT NOT NULL,
  rules      TEXT NOT NULL,
  note       TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  PRIMARY KEY (scheme_id, version)
) WITHOUT ROWID;
CREATE TRIGGER commission_scheme_versions_frozen BEFORE UPDATE ON commission_scheme_versions
BEGIN SELECT RAISE(ABORT, 'scheme versions are immutable'); END;

CREATE TABLE ledger_entries (
  id             TEXT PRIMARY KEY,
  member_code    TEXT NOT NULL COLLATE NOCASE,
  kind           TEXT NOT NULL CHECK (kind IN ('sale_commission','mentor_commission','membership_fee','penalty','bonus','reversal')),
  amount_fen     INTEGER NOT NULL,
  source_type    TEXT NOT NULL CHECK (source_type IN ('order_line','refund','group_buy','membership_fee','rule_action','correction')),
  source_key     TEXT NOT NULL,
  reverses_id    TEXT,
  scheme_id      TEXT,
  scheme_version INTEGER,
  base_fen       INTEGER,
  rate_bp        INTEGER,
  period         TEXT NOT NULL,
  occurred_at    TEXT NOT NULL,
  memo           TEXT NOT NULL,
  device_id      TEXT NOT NULL,
  origin         TEXT NOT NULL CHECK (origin IN ('local','remote')),
  order_id       TEXT,
  status         TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','approved','paid','rejected')),
  status_seq     INTEGER NOT NULL DEFAULT 0,
  status_note    TEXT,
  -- The outbox: 1 until the team's server has the entry. Set in the same INSERT as the
  -- entry itself, so nothing is ever posted locally and forgotten.
  pending_sync   INTEGER NOT NULL DEFAULT 0,
  created_at     TEXT NOT NULL
);
CREATE INDEX ledger_entries_member_period ON ledger_entries(member_code, period);
CREATE INDEX ledger_entries_period ON ledger_entries(period);
CREATE INDEX ledger_outbox ON ledger_entries(pending_sync) WHERE pending_sync = 1;
CREATE INDEX ledger_entries_reverses ON ledger_entries(reverses_id) WHERE reverses_id IS NOT NULL;
CREATE INDEX ledger_entries_order ON ledger_entries(order_id) WHERE order_id IS NOT NULL;

CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OF
  id, member_code, kind, amount_fen, source_type, source_key, reverses_id, scheme_id, scheme_version, base_fen, rate_bp, period, occurred_at, device_id
ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: post a reversing entry instead'); END;
CREATE TRIGGER ledger_entries_paid_final BEFORE UPDATE OF status ON ledger_entries
WHEN old.status = 'paid' AND new.status <> 'paid'
BEGIN SELECT RAISE(ABORT, 'a paid entry is final: post a reversing entry instead'); END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
WHEN (SELECT value FROM settings WHERE key = 'ledger.clearing') IS NULL
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: entries are never deleted'); END;

-- What each order looked like when it was last posted (status, refunded amount, member):
-- an order whose state is unchanged has nothing new to post.
CREATE TABLE ledger_posted_orders (
  order_id TEXT PRIMARY KEY,
  state    TEXT NOT NULL
) WITHOUT ROWID;

-- This workstation's id, written on the entries it posts.
CREATE TABLE ledger_device (
  id        INTEGER PRIMARY KEY CHECK (id = 1),
  device_id TEXT NOT NULL
);

CREATE TABLE membership_fees (
  id         TEXT PRIMARY KEY,
  member_id  TEXT NOT NULL REFERENCES members(id),
  amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
  paid_on    TEXT NOT NULL,
  note       TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL
);
CREATE INDEX membership_fees_member ON membership_fees(member_id);

CREATE TABLE group_buys (
  id               TEXT PRIMARY KEY,
  name             TEXT NOT NULL,
  status           TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','succeeded','failed')),
  min_participants INTEGER NOT NULL,
  closes_at        TEXT NOT NULL,
  decided_at       TEXT,
  created_at       TEXT NOT NULL
);
CREATE TABLE group_buy_orders (
  group_buy_id TEXT NOT NULL REFERENCES group_buys(id) ON DELETE CASCADE,
  order_id     TEXT NOT NULL UNIQUE REFERENCES orders(id) ON DELETE CASCADE,
  PRIMARY KEY (group_buy_id, order_id)
) WITHOUT ROWID;

CREATE TABLE payout_accounts (
  id         TEXT PRIMARY KEY,
  member_id  TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
  kind       TEXT NOT NULL CHECK (kind IN ('bank','wechat','alipay')),
  holder     TEXT NOT NULL,
  bank       TEXT,
  -- AES-256-GCM: iv (12) | tag (16) | ciphertext; the key lives outside the database.
  secret     BLOB NOT NULL,
  last4      TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX payout_accounts_member ON payout_accounts(member_id);
`
