/**
 * 0006 — the studio's material library: its own poster and copy templates, the
 * competitor prices behind comparison images, the customer photos behind buyer-show
 * collages, the groups' WeChat QR codes (which lapse after 7 days) and each group's
 * monthly mass-send allowance with the sends the packs have planned against it.
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
CREATE TABLE poster_templates (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  shape       TEXT NOT NULL CHECK (shape IN ('1:1','3:4','9:16')),
  -- the whole template as validated JSON (layout, slots, colours, fonts, text)
  spec        TEXT NOT NULL,
  -- the template it was duplicated from (a shipped one or the studio's own)
  based_on    TEXT,
  archived    INTEGER NOT NULL DEFAULT 0,
  created_by  TEXT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);

CREATE TABLE copy_templates (
  id          TEXT PRIMARY KEY,
  channel     TEXT NOT NULL CHECK (channel IN ('moments','group','private')),
  -- a consumer segment's tone, or 'all'
  tone        TEXT NOT NULL DEFAULT 'all',
  body        TEXT NOT NULL,
  position    INTEGER NOT NULL DEFAULT 0,
  active      INTEGER NOT NULL DEFAULT 1,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
CREATE INDEX copy_templates_channel ON copy_templates(channel, tone, position);

CREATE TABLE price_comparisons (
  id          TEXT PRIMARY KEY,
  product_id  TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  -- where the price was seen: 天猫旗舰店, 京东自营, 线下专柜 …
  source      TEXT NOT NULL,
  price_fen   INTEGER NOT NULL CHECK (price_fen > 0),
  -- the day the operator saw it
  observed_on TEXT NOT NULL,
  url         TEXT NOT NULL DEFAULT '',
  note        TEXT NOT NULL DEFAULT '',
  created_by  TEXT,
  created_at  TEXT NOT NULL
);
CREATE INDEX price_comparisons_product ON price_comparisons(product_id, observed_on);

CREATE TABLE buyer_photos (
  id          TEXT PRIMARY KEY,
  product_id  TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  customer_id TEXT REFERENCES customers(id) ON DELETE SET NULL,
  -- a copy kept in the data folder (photos/buyers/<id>.jpg)
  file        TEXT NOT NULL,
  caption     TEXT NOT NULL DEFAULT '',
  width       INTEGER NOT NULL,
  height      INTEGER NOT NULL,
  created_by  TEXT,
  created_at  TEXT NOT NULL
);
CREATE INDEX buyer_photos_product ON buyer_photos(product_id, created_at);

CREATE TABLE group_qr_codes (
  id          TEXT PRIMARY KEY,
  group_id    TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
  -- the QR image as saved in the data folder (photos/groups/<id>.png) and what it encodes
  file        TEXT NOT NULL,
  payload     TEXT NOT NULL,
  uploaded_at TEXT NOT NULL,
  -- WeChat group codes last 7 days from when they were made
  expires_at  TEXT NOT NULL,
  created_by  TEXT
);
CREATE INDEX group_qr_codes_group ON group_qr_codes(group_id, uploaded_at);

ALTER TABLE groups ADD COLUMN mass_send_allowance INTEGER NOT NULL DEFAULT 30 CHECK (mass_send_allowance >= 0);

-- mass sends the packs plan for a group on a day (one row per planned send)
CREATE TABLE group_mass_sends (
  group_id  TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
  day       TEXT NOT NULL,
  slot      TEXT NOT NULL,
  job_id    TEXT NOT NULL,
  PRIMARY KEY (group_id, day, slot)
) WITHOUT ROWID;
`
