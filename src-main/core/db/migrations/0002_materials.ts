/**
 * 0002 — material packs: templates, packs, generation jobs.
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
`
