/**
 * 0016 — an import run keeps the rows it refused as the file held them (its header,
 * each refused row's cells and its row number, and whether the file was a CSV or a
 * workbook), so its error file is the original rows plus the reason: fixed in place
 * and imported again. NULL for a run that refused nothing (and for runs before this).
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
ALTER TABLE import_runs ADD COLUMN rejected_source TEXT;
`
