/**
 * 0003 — lifecycle care, profiles, rules, approvals, audit, kits.
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
`
