/**
 * 0002 — material packs: generation jobs and the items each must produce.
 * Frozen once released: never edit an applied migration, add a new one.
 *
 * A job's items are planned once, then each is produced (written to a temporary
 * name, checked, renamed into place) and only then marked done with its hash: a
 * job killed at any moment resumes at the first item not marked done.
 */
export default `
CREATE TABLE material_jobs (
  id          TEXT PRIMARY KEY,
  -- date + members + templates + products + out: running the same request again resumes this job
  request_key TEXT NOT NULL,
  params      TEXT NOT NULL,
  date        TEXT NOT NULL,
  out_dir     TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('running','done','failed','cancelled')),
  total       INTEGER NOT NULL,
  warnings    TEXT NOT NULL DEFAULT '[]',
  error       TEXT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
CREATE INDEX material_jobs_request ON material_jobs(request_key, status);

CREATE TABLE material_job_items (
  job_id  TEXT NOT NULL REFERENCES material_jobs(id) ON DELETE CASCADE,
  seq     INTEGER NOT NULL,
  kind    TEXT NOT NULL,
  member_id TEXT,
  spec    TEXT NOT NULL,
  -- relative to the job's out_dir
  file    TEXT NOT NULL,
  sha256  TEXT,
  bytes   INTEGER,
  done_at TEXT,
  PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;
`
