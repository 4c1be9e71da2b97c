/**
 * 0024 — the team's audit (core/audit/teamAudit.ts): this workstation's audit records are
 * pushed to the team server in chain order, as the records' changes are; `audit_pushed` is
 * the last one the server holds. Back to 0 with every new server (enrolment, reset,
 * restore): the server answers "already held" for what it has.
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
ALTER TABLE sync_state ADD COLUMN audit_pushed INTEGER NOT NULL DEFAULT 0;
`
