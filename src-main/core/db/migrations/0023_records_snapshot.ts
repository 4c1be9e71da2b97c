/**
 * 0023 — a new workstation starts from a snapshot of the team's records (core/records/snapshot.ts).
 * The snapshot is read page by page as the server held it at sequence `records_snapshot_at`;
 * `records_snapshot_record` / `records_snapshot_after` is where the next page starts, so a
 * workstation stopped half-way goes on from the last page it wrote. Pages are written
 * without change rows; once the last one is in, the records cursor becomes the snapshot's
 * sequence, these go back to NULL and `records_snapshot_taken` is 1 until the workstation
 * starts over with a server (enrolment, a reset or restored server).
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
ALTER TABLE sync_state ADD COLUMN records_snapshot_at INTEGER;
ALTER TABLE sync_state ADD COLUMN records_snapshot_record TEXT;
ALTER TABLE sync_state ADD COLUMN records_snapshot_after TEXT;
ALTER TABLE sync_state ADD COLUMN records_snapshot_done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_state ADD COLUMN records_snapshot_total INTEGER NOT NULL DEFAULT 0;
-- 1 once this workstation has its snapshot (of an empty book too): from then on it pulls the changes.
ALTER TABLE sync_state ADD COLUMN records_snapshot_taken INTEGER NOT NULL DEFAULT 0;
`
