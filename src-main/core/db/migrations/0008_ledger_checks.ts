/**
 * 0008 — the ledger's value checks written as comparisons instead of IN lists.
 * SQLite evaluates a CHECK's `x IN ('a','b',…)` by filling a temporary index for
 * every row written, which made the four checks of ledger_entries cost as much as
 * the rest of an entry's insert; `x = 'a' OR x = 'b' …` says the same and costs
 * next to nothing. A table's CHECK constraints cannot be altered, so the table is
 * rebuilt (rowids kept: the outbox and the statements order by them) with its
 * indexes and append-only triggers. Dropping the old table fires no trigger.
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
CREATE TABLE ledger_entries_rebuilt (
  id             TEXT PRIMARY KEY,
  member_code    TEXT NOT NULL COLLATE NOCASE,
  kind           TEXT NOT NULL CHECK (kind = 'sale_commission' OR kind = 'mentor_commission' OR kind = 'membership_fee' OR kind = 'penalty' OR kind = 'bonus' OR kind = 'reversal'),
  amount_fen     INTEGER NOT NULL,
  source_type    TEXT NOT NULL CHECK (source_type = 'order_line' OR source_type = 'refund' OR source_type = 'group_buy' OR source_type = 'membership_fee' OR source_type = 'rule_action' OR source_type = 'correction'),
  source_key     TEXT NOT NULL,
  reverses_id    TEXT,
  scheme_id      TEXT,
  scheme_version INTEGER,
  base_fen       INTEGER,
  rate_bp        INTEGER,
  period         TEXT NOT NULL,
  occurred_at    TEXT NOT NULL,
  memo           TEXT NOT NULL,
  device_id      TEXT NOT NULL,
  origin         TEXT NOT NULL CHECK (origin = 'local' OR origin = 'remote'),
  order_id       TEXT,
  status         TEXT NOT NULL DEFAULT 'pending' CHECK (status = 'pending' OR status = 'approved' OR status = 'paid' OR status = 'rejected'),
  status_seq     INTEGER NOT NULL DEFAULT 0,
  status_note    TEXT,
  -- The outbox: 1 until the team's server has the entry, set in the same INSERT as the entry.
  pending_sync   INTEGER NOT NULL DEFAULT 0,
  created_at     TEXT NOT NULL
);
INSERT INTO ledger_entries_rebuilt (rowid, id, member_code, kind, amount_fen, source_type, source_key, reverses_id, scheme_id, scheme_version, base_fen, rate_bp,
  period, occurred_at, memo, device_id, origin, order_id, status, status_seq, status_note, pending_sync, created_at)
SELECT rowid, id, member_code, kind, amount_fen, source_type, source_key, reverses_id, scheme_id, scheme_version, base_fen, rate_bp,
  period, occurred_at, memo, device_id, origin, order_id, status, status_seq, status_note, pending_sync, created_at
FROM ledger_entries ORDER BY rowid;
DROP TABLE ledger_entries;
ALTER TABLE ledger_entries_rebuilt RENAME TO ledger_entries;

CREATE INDEX ledger_entries_member_period ON ledger_entries(member_code, period);
CREATE INDEX ledger_entries_period ON ledger_entries(period);
CREATE INDEX ledger_outbox ON ledger_entries(pending_sync) WHERE pending_sync = 1;
CREATE INDEX ledger_entries_reverses ON ledger_entries(reverses_id) WHERE reverses_id IS NOT NULL;
CREATE INDEX ledger_entries_order ON ledger_entries(order_id) WHERE order_id IS NOT NULL;

CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OF
  id, member_code, kind, amount_fen, source_type, source_key, reverses_id, scheme_id, scheme_version, base_fen, rate_bp, period, occurred_at, device_id
ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: post a reversing entry instead'); END;
CREATE TRIGGER ledger_entries_paid_final BEFORE UPDATE OF status ON ledger_entries
WHEN old.status = 'paid' AND new.status <> 'paid'
BEGIN SELECT RAISE(ABORT, 'a paid entry is final: post a reversing entry instead'); END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
WHEN (SELECT value FROM settings WHERE key = 'ledger.clearing') IS NULL
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: entries are never deleted'); END;
`
