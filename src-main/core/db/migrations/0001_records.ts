/**
 * 0001 — the studio's records. Frozen: never edit an applied migration, add a new one.
 * Money is integer fen; times are UTC ISO strings; ids are UUIDv7 text.
 */
export default `
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE members (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  invite_code  TEXT NOT NULL UNIQUE COLLATE NOCASE,
  wechat_id    TEXT,
  phone        TEXT,
  mentor_id    TEXT REFERENCES members(id) ON DELETE SET NULL,
  level        INTEGER NOT NULL DEFAULT 1 CHECK (level BETWEEN 1 AND 3),
  join_date    TEXT NOT NULL,
  status       TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','paused','left')),
  fee_paid_fen INTEGER NOT NULL DEFAULT 0,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL
);
CREATE INDEX members_mentor ON members(mentor_id);

CREATE TABLE customers (
  id               TEXT PRIMARY KEY,
  name             TEXT NOT NULL,
  wechat_id        TEXT,
  phones           TEXT NOT NULL DEFAULT '[]',
  addresses        TEXT NOT NULL DEFAULT '[]',
  tags             TEXT NOT NULL DEFAULT '[]',
  rel_class        TEXT NOT NULL DEFAULT 'C' CHECK (rel_class IN ('A','B','C')),
  segment          TEXT,
  owner_member_id  TEXT REFERENCES members(id) ON DELETE SET NULL,
  notes            TEXT NOT NULL DEFAULT '',
  order_count      INTEGER NOT NULL DEFAULT 0,
  total_spent_fen  INTEGER NOT NULL DEFAULT 0,
  last_purchase_at TEXT,
  rfm_segment      TEXT,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL
);
CREATE INDEX customers_created ON customers(created_at);
CREATE INDEX customers_updated ON customers(updated_at);
CREATE INDEX customers_name ON customers(name);
CREATE INDEX customers_last_purchase ON customers(last_purchase_at);
CREATE INDEX customers_total_spent ON customers(total_spent_fen);
CREATE INDEX customers_order_count ON customers(order_count);
CREATE INDEX customers_owner ON customers(owner_member_id);
CREATE INDEX customers_class ON customers(rel_class, segment);
CREATE INDEX customers_segment ON customers(segment);
CREATE INDEX customers_rfm ON customers(rfm_segment);
CREATE UNIQUE INDEX customers_wechat ON customers(wechat_id) WHERE wechat_id IS NOT NULL;

-- One row per phone, so duplicates are found by any of a customer's numbers.
CREATE TABLE customer_phones (
  phone       TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX customer_phones_customer ON customer_phones(customer_id);

CREATE TABLE customer_tags (
  tag         TEXT NOT NULL,
  customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  PRIMARY KEY (tag, customer_id)
) WITHOUT ROWID;
CREATE INDEX customer_tags_customer ON customer_tags(customer_id);

-- Substring search that works for Chinese. Two contentless indexes over the same
-- text (name, WeChat id, phones, notes), keyed by customers.rowid:
--  * trigram answers queries of 3+ characters;
--  * "unigram" holds every character as its own token, so a 1–2 character query
--    (王, 王芳) is a phrase query over consecutive characters.
-- New rows are indexed in batches after their write commits (indexing costs far
-- more than the insert itself, and a 100,000-row import must not wait for it):
-- rows with rowid above search_index_state.watermark are not indexed yet, and
-- searches read them directly until the catch-up reaches them (see search.ts).
CREATE VIRTUAL TABLE customer_search_tri USING fts5(body, content='', contentless_delete=1, tokenize='trigram');
CREATE VIRTUAL TABLE customer_search_uni USING fts5(body, content='', contentless_delete=1, tokenize="unicode61 remove_diacritics 0 tokenchars '_-+@.'");
CREATE TABLE search_index_state (
  id        INTEGER PRIMARY KEY CHECK (id = 1),
  watermark INTEGER NOT NULL
);
INSERT INTO search_index_state (id, watermark) VALUES (1, 0);

CREATE TRIGGER customers_search_au AFTER UPDATE OF name, wechat_id, phones, notes ON customers
WHEN old.rowid <= (SELECT watermark FROM search_index_state) BEGIN
  DELETE FROM customer_search_tri WHERE rowid = old.rowid;
  DELETE FROM customer_search_uni WHERE rowid = old.rowid;
  INSERT INTO customer_search_tri(rowid, body) VALUES (new.rowid, orchard_search_text(new.name, new.wechat_id, new.phones, new.notes));
  INSERT INTO customer_search_uni(rowid, body) VALUES (new.rowid, orchard_chars(orchard_search_text(new.name, new.wechat_id, new.phones, new.notes)));
END;
CREATE TRIGGER customers_search_ad AFTER DELETE ON customers
WHEN old.rowid <= (SELECT watermark FROM search_index_state) BEGIN
  DELETE FROM customer_search_tri WHERE rowid = old.rowid;
  DELETE FROM customer_search_uni WHERE rowid = old.rowid;
  -- SQLite gives a new row MAX(rowid)+1: when the newest rows go, lower the
  -- watermark so a reused rowid is never taken for an indexed one.
  UPDATE search_index_state SET watermark = COALESCE((SELECT MAX(rowid) FROM customers), 0)
  WHERE watermark > COALESCE((SELECT MAX(rowid) FROM customers), 0);
END;

CREATE TABLE groups (
  id              TEXT PRIMARY KEY,
  name            TEXT NOT NULL,
  owner_member_id TEXT REFERENCES members(id) ON DELETE SET NULL,
  theme           TEXT NOT NULL DEFAULT '',
  notes           TEXT NOT NULL DEFAULT '',
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
);

CREATE TABLE group_members (
  group_id  TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
  member_id TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
  joined_at TEXT NOT NULL,
  PRIMARY KEY (group_id, member_id)
) WITHOUT ROWID;
CREATE INDEX group_members_member ON group_members(member_id);

CREATE TABLE group_customers (
  group_id    TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
  customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  joined_at   TEXT NOT NULL,
  PRIMARY KEY (group_id, customer_id)
) WITHOUT ROWID;
CREATE INDEX group_customers_customer ON group_customers(customer_id);

CREATE TABLE products (
  id                   TEXT PRIMARY KEY,
  sku                  TEXT NOT NULL UNIQUE,
  name                 TEXT NOT NULL,
  brand                TEXT NOT NULL DEFAULT '',
  category             TEXT NOT NULL DEFAULT '',
  images               TEXT NOT NULL DEFAULT '[]',
  list_price_fen       INTEGER NOT NULL CHECK (list_price_fen >= 0),
  sale_price_fen       INTEGER NOT NULL CHECK (sale_price_fen >= 0),
  price_floor_fen      INTEGER NOT NULL CHECK (price_floor_fen >= 0),
  stock                INTEGER NOT NULL DEFAULT 0,
  commission_bp        INTEGER NOT NULL DEFAULT 0,
  mentor_commission_bp INTEGER NOT NULL DEFAULT 0,
  facts                TEXT NOT NULL DEFAULT '',
  active               INTEGER NOT NULL DEFAULT 1,
  created_at           TEXT NOT NULL,
  updated_at           TEXT NOT NULL
);
CREATE INDEX products_category ON products(category);

CREATE TABLE orders (
  id               TEXT PRIMARY KEY,
  order_no         TEXT NOT NULL UNIQUE,
  source           TEXT NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('pending','paid','partially_refunded','refunded','cancelled')),
  placed_at        TEXT NOT NULL,
  customer_id      TEXT REFERENCES customers(id) ON DELETE SET NULL,
  member_id        TEXT REFERENCES members(id) ON DELETE SET NULL,
  attribution_code TEXT,
  buyer_name       TEXT,
  buyer_phone      TEXT,
  total_fen        INTEGER NOT NULL,
  refunded_fen     INTEGER NOT NULL DEFAULT 0,
  import_id        TEXT,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL
);
CREATE INDEX orders_placed ON orders(placed_at);
CREATE INDEX orders_customer ON orders(customer_id, placed_at);
CREATE INDEX orders_member ON orders(member_id, placed_at);
CREATE INDEX orders_unattributed ON orders(placed_at) WHERE member_id IS NULL;

CREATE TABLE order_lines (
  id              TEXT PRIMARY KEY,
  order_id        TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
  line_no         INTEGER NOT NULL,
  product_id      TEXT REFERENCES products(id) ON DELETE SET NULL,
  sku             TEXT NOT NULL,
  name            TEXT NOT NULL,
  quantity        INTEGER NOT NULL CHECK (quantity > 0),
  unit_price_fen  INTEGER NOT NULL,
  amount_fen      INTEGER NOT NULL,
  UNIQUE (order_id, line_no)
);
CREATE INDEX order_lines_product ON order_lines(product_id);

CREATE TABLE import_mappings (
  source_key TEXT PRIMARY KEY,
  entity     TEXT NOT NULL,
  mapping    TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE import_runs (
  id                  TEXT PRIMARY KEY,
  entity              TEXT NOT NULL,
  file_name           TEXT NOT NULL,
  mode                TEXT NOT NULL,
  committed           INTEGER NOT NULL,
  total_rows          INTEGER NOT NULL,
  inserted            INTEGER NOT NULL,
  updated             INTEGER NOT NULL,
  unchanged           INTEGER NOT NULL,
  rejected_rows       INTEGER NOT NULL,
  error_count         INTEGER NOT NULL,
  unattributed_orders INTEGER NOT NULL DEFAULT 0,
  errors              TEXT NOT NULL DEFAULT '[]',
  duration_ms         REAL NOT NULL,
  created_at          TEXT NOT NULL
);
`
