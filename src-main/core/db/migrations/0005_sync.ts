/**
 * 0005 — the workstation's sync with the team's server: enrolment, cursors, attempts.
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
`
