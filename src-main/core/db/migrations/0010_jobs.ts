/**
 * 0010 — one table of durable jobs for every kind of long work that makes files (material
 * packs, onboarding kits), instead of one pair of tables per feature. The pack jobs and
 * their items move over with their ids, so a pack job interrupted before the upgrade
 * resumes after it. A job can now be 'replaced': a newer run for the same folder took
 * its place, and its files were removed.
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
CREATE TABLE jobs (
  id          TEXT PRIMARY KEY,
  kind        TEXT NOT NULL,
  -- what was asked (kind-specific): asking for the same again resumes this job
  request_key TEXT NOT NULL,
  params      TEXT NOT NULL,
  -- what a person knows the job by: the pack day, the kit batch
  label       TEXT NOT NULL,
  out_dir     TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status = 'running' OR status = 'done' OR status = 'failed' OR status = 'cancelled' OR status = 'replaced'),
  total       INTEGER NOT NULL,
  warnings    TEXT NOT NULL DEFAULT '[]',
  error       TEXT,
  run_ms      INTEGER NOT NULL DEFAULT 0,
  runs        INTEGER NOT NULL DEFAULT 1,
  replaced_by TEXT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
CREATE INDEX jobs_request ON jobs(kind, request_key, status);
CREATE INDEX jobs_out ON jobs(kind, out_dir, status);

CREATE TABLE job_items (
  job_id   TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  seq      INTEGER NOT NULL,
  kind     TEXT NOT NULL,
  -- whose output it is (a member's or a group's pack, a member's kit); NULL: shared by all
  owner_id TEXT,
  spec     TEXT NOT NULL,
  -- relative to the job's out_dir
  file     TEXT NOT NULL,
  sha256   TEXT,
  bytes    INTEGER,
  done_at  TEXT,
  PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;

INSERT INTO jobs (id, kind, request_key, params, label, out_dir, status, total, warnings, error, run_ms, runs, created_at, updated_at)
  SELECT id, 'packs', request_key, params, date, out_dir, status, total, warnings, error, run_ms, runs, created_at, updated_at FROM material_jobs;
INSERT INTO job_items (job_id, seq, kind, owner_id, spec, file, sha256, bytes, done_at)
  SELECT job_id, seq, kind, member_id, spec, file, sha256, bytes, done_at FROM material_job_items;
DROP TABLE material_job_items;
DROP TABLE material_jobs;
`
