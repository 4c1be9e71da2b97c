/**
 * 0009 — the customers' segment index goes: customers_class (rel_class, segment)
 * answers a segment filter as well, the list asking for every class with the chosen
 * segments (a customer always has one of three classes). One index fewer to keep for
 * every customer written, about 3 % of a large import.
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
DROP INDEX customers_segment;
`
