/**
 * 0030 — what this workstation moved when it took a customer merge made on another
 * workstation of the team (core/records/customerMerges.ts): its own rows that pointed at
 * the customer merged away (follow-ups, their tasks) went to the one kept, and go back
 * when the merge's undo arrives.
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
CREATE TABLE customer_merges_taken (
  merged_id    TEXT PRIMARY KEY,
  survivor_id  TEXT NOT NULL,
  -- per table: its column, its key and each row as it was, and whether it moved or gave way
  moved        TEXT NOT NULL,
  taken_at     TEXT NOT NULL
);
`
