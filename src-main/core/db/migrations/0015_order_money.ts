/**
 * 0015 — what an imported order's money was read from. An order in another currency
 * than the studio's keeps that currency and the rate the import was given (the amounts
 * stay integer fen of the studio's currency); shipping and taxes are kept beside the
 * goods, never in them; a line keeps what came off its price (its own discount and its
 * share of the order's), so the amount commission is paid on is shown with how it came
 * about. An import run keeps its rates and the warnings it gave (contact details kept as
 * given), like its errors.
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
ALTER TABLE orders ADD COLUMN currency TEXT;
ALTER TABLE orders ADD COLUMN fx_rate TEXT;
ALTER TABLE orders ADD COLUMN discount_fen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN shipping_fen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN tax_fen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN shop_order_id TEXT;
ALTER TABLE orders ADD COLUMN buyer_email TEXT;
ALTER TABLE orders ADD COLUMN buyer_address TEXT;
ALTER TABLE order_lines ADD COLUMN discount_fen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE import_runs ADD COLUMN rates TEXT NOT NULL DEFAULT '{}';
ALTER TABLE import_runs ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]';
ALTER TABLE import_runs ADD COLUMN warning_count INTEGER NOT NULL DEFAULT 0;
`
