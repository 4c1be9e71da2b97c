/**
 * 0029 — buyer photos become shared records (core/records/changes.ts) and the studio's
 * pictures files of the team's store: a picture is named by the SHA-256 of its bytes and
 * kept once in the data folder's files/<sha256>, so a record names the same file on every
 * workstation and the team server's file store (PUT/GET /v1/files/:sha256) carries it.
 *  - buyer_photos gains the image's `sha256` and when the record last changed; `file`, the
 *    path of a photo kept before this version, becomes optional (a photo that arrives from
 *    the team has no path of this workstation's).
 *  - Photos and product pictures kept under a path until now are hashed into the store when
 *    the studio opens (materials/photos.ts adoptLocalFiles: SQL cannot read the files), and
 *    recorded then as the studio's own change so the team hears of them.
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
CREATE TABLE buyer_photos_0029 (
  id          TEXT PRIMARY KEY,
  product_id  TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  customer_id TEXT REFERENCES customers(id) ON DELETE SET NULL,
  -- the image's SHA-256: the file is files/<sha256> in the data folder (NULL until a photo of before 0029 is hashed)
  sha256      TEXT CHECK (sha256 IS NULL OR (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*')),
  -- where a photo of before 0029 was kept, until it is hashed into the store
  file        TEXT NOT NULL DEFAULT '',
  caption     TEXT NOT NULL DEFAULT '',
  width       INTEGER NOT NULL,
  height      INTEGER NOT NULL,
  created_by  TEXT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
INSERT INTO buyer_photos_0029 (id, product_id, customer_id, sha256, file, caption, width, height, created_by, created_at, updated_at)
  SELECT id, product_id, customer_id, NULL, file, caption, width, height, created_by, created_at, created_at FROM buyer_photos;
DROP TABLE buyer_photos;
ALTER TABLE buyer_photos_0029 RENAME TO buyer_photos;
CREATE INDEX buyer_photos_product ON buyer_photos(product_id, created_at);
CREATE INDEX buyer_photos_sha256 ON buyer_photos(sha256);
`
