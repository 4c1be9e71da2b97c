/**
 * 0007 — how long a pack job has produced (summed over its runs: a cancelled or
 * interrupted job resumed later keeps the time of each run) and how many runs it took.
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
ALTER TABLE material_jobs ADD COLUMN run_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE material_jobs ADD COLUMN runs INTEGER NOT NULL DEFAULT 1;
`
