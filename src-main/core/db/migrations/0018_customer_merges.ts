/**
 * 0018 — merged customers, kept so a merge can be undone exactly. A row holds the
 * merged-away customer's whole row, the survivor's fields before and after, and every row
 * of another table that pointed at the merged-away customer (as it was, and whether it was
 * re-pointed to the survivor or gave way to the survivor's own row, as in a group both were
 * in). Duplicates by WeChat id are found on the id as people type it, whatever its case or
 * spaces: that key is indexed.
 * (0016 and 0017 are taken by other work in progress.)
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
CREATE TABLE customer_merges (
  id              TEXT PRIMARY KEY,
  survivor_id     TEXT NOT NULL,
  merged_id       TEXT NOT NULL,
  merged_at       TEXT NOT NULL,
  merged_by       TEXT,
  merged_by_name  TEXT,
  choices         TEXT NOT NULL,
  survivor_before TEXT NOT NULL,
  survivor_after  TEXT NOT NULL,
  merged_row      TEXT NOT NULL,
  moved           TEXT NOT NULL,
  undone_at       TEXT,
  undone_by_name  TEXT
);
CREATE INDEX customer_merges_at ON customer_merges(merged_at);
CREATE INDEX customer_merges_survivor ON customer_merges(survivor_id);

CREATE INDEX customers_wechat_key ON customers(lower(trim(wechat_id))) WHERE wechat_id IS NOT NULL;
`
