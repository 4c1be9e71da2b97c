/**
 * 0011 — a ledger a studio can pay from.
 *
 *  - ledger_entries gains `booked_period`: the month an entry counts in on this
 *    studio's statements. It is the entry's own period unless that month was closed
 *    when the entry was written (here or pulled from the team's server); then it is
 *    the first open month, and the entry is an adjustment that still names the month
 *    it belongs to (`period`, which travels and never differs between workstations).
 *    Withdrawals join the kinds and source types. The table is rebuilt (rowids kept:
 *    the outbox and statements order by them) with its indexes and append-only
 *    triggers; `booked_period` is as frozen as the rest of an entry.
 *  - ledger_closes: months a manager closed, never reopened, each with what it held.
 *  - members.left_at: when a member left (kept by triggers on status), so a sale is
 *    judged by whether its seller and mentor were still in the team when it was placed.
 *  - orders.refunded_at / completed_at: the refund's and the completion's date as the
 *    source gives them; order_lines.refunded_fen: a refund the source assigns to a line.
 *  - withdrawals and payout_batches: members' withdrawal requests and the batches they
 *    are paid in. Money moves only through ledger entries; these rows carry the
 *    workflow, whose status only moves forward (triggers), and are never deleted
 *    except while the studio itself is emptied.
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
CREATE TABLE ledger_entries_rebuilt (
  id             TEXT PRIMARY KEY,
  member_code    TEXT NOT NULL COLLATE NOCASE,
  kind           TEXT NOT NULL CHECK (kind = 'sale_commission' OR kind = 'mentor_commission' OR kind = 'membership_fee' OR kind = 'penalty' OR kind = 'bonus' OR kind = 'reversal' OR kind = 'withdrawal'),
  amount_fen     INTEGER NOT NULL,
  source_type    TEXT NOT NULL CHECK (source_type = 'order_line' OR source_type = 'refund' OR source_type = 'group_buy' OR source_type = 'membership_fee' OR source_type = 'rule_action' OR source_type = 'correction' OR source_type = 'withdrawal'),
  source_key     TEXT NOT NULL,
  reverses_id    TEXT,
  scheme_id      TEXT,
  scheme_version INTEGER,
  base_fen       INTEGER,
  rate_bp        INTEGER,
  period         TEXT NOT NULL,
  booked_period  TEXT NOT NULL,
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
  period, booked_period, occurred_at, memo, device_id, origin, order_id, status, status_seq, status_note, pending_sync, created_at)
SELECT rowid, id, member_code, kind, amount_fen, source_type, source_key, reverses_id, scheme_id, scheme_version, base_fen, rate_bp,
  period, period, occurred_at, memo, device_id, origin, order_id, status, status_seq, status_note, pending_sync, created_at
FROM ledger_entries ORDER BY rowid;
DROP TABLE ledger_entries;
ALTER TABLE ledger_entries_rebuilt RENAME TO ledger_entries;

CREATE INDEX ledger_entries_member_period ON ledger_entries(member_code, booked_period);
CREATE INDEX ledger_entries_period ON ledger_entries(booked_period);
CREATE INDEX ledger_outbox ON ledger_entries(pending_sync) WHERE pending_sync = 1;
CREATE INDEX ledger_entries_reverses ON ledger_entries(reverses_id) WHERE reverses_id IS NOT NULL;
CREATE INDEX ledger_entries_order ON ledger_entries(order_id) WHERE order_id IS NOT NULL;

CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OF
  id, member_code, kind, amount_fen, source_type, source_key, reverses_id, scheme_id, scheme_version, base_fen, rate_bp, period, booked_period, occurred_at, device_id
ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: post a reversing entry instead'); END;
CREATE TRIGGER ledger_entries_paid_final BEFORE UPDATE OF status ON ledger_entries
WHEN old.status = 'paid' AND new.status <> 'paid'
BEGIN SELECT RAISE(ABORT, 'a paid entry is final: post a reversing entry instead'); END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
WHEN (SELECT value FROM settings WHERE key = 'ledger.clearing') IS NULL
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: entries are never deleted'); END;

CREATE TABLE ledger_closes (
  period      TEXT PRIMARY KEY,
  closed_at   TEXT NOT NULL,
  closed_by   TEXT NOT NULL,
  -- What the month held when it was closed: entries, earned (fen) and per member, as JSON.
  entries     INTEGER NOT NULL,
  earned_fen  INTEGER NOT NULL,
  members     TEXT NOT NULL
) WITHOUT ROWID;
CREATE TRIGGER ledger_closes_final BEFORE UPDATE ON ledger_closes
BEGIN SELECT RAISE(ABORT, 'a closed month stays closed'); END;
CREATE TRIGGER ledger_closes_no_delete BEFORE DELETE ON ledger_closes
WHEN (SELECT value FROM settings WHERE key = 'ledger.clearing') IS NULL
BEGIN SELECT RAISE(ABORT, 'a closed month stays closed'); END;

ALTER TABLE members ADD COLUMN left_at TEXT;
UPDATE members SET left_at = updated_at WHERE status = 'left';
CREATE TRIGGER members_left AFTER UPDATE OF status ON members
WHEN new.status = 'left' AND old.status <> 'left'
BEGIN UPDATE members SET left_at = new.updated_at WHERE id = new.id; END;
CREATE TRIGGER members_back AFTER UPDATE OF status ON members
WHEN new.status <> 'left' AND old.status = 'left'
BEGIN UPDATE members SET left_at = NULL WHERE id = new.id; END;
CREATE TRIGGER members_created_left AFTER INSERT ON members
WHEN new.status = 'left' AND new.left_at IS NULL
BEGIN UPDATE members SET left_at = new.updated_at WHERE id = new.id; END;

ALTER TABLE orders ADD COLUMN refunded_at TEXT;
ALTER TABLE orders ADD COLUMN completed_at TEXT;
ALTER TABLE order_lines ADD COLUMN refunded_fen INTEGER;

CREATE TABLE payout_batches (
  id          TEXT PRIMARY KEY,
  batch_no    TEXT NOT NULL UNIQUE,
  channel     TEXT NOT NULL CHECK (channel = 'bank' OR channel = 'alipay' OR channel = 'wechat'),
  status      TEXT NOT NULL DEFAULT 'open' CHECK (status = 'open' OR status = 'paid' OR status = 'partly_failed'),
  total_fen   INTEGER NOT NULL,
  lines       INTEGER NOT NULL,
  created_at  TEXT NOT NULL,
  created_by  TEXT NOT NULL,
  exported_at TEXT,
  marked_at   TEXT,
  marked_by   TEXT
);
CREATE TRIGGER payout_batches_frozen BEFORE UPDATE OF id, batch_no, channel, total_fen, lines, created_at, created_by ON payout_batches
BEGIN SELECT RAISE(ABORT, 'a payout batch is not edited: mark it instead'); END;
CREATE TRIGGER payout_batches_marked BEFORE UPDATE OF status ON payout_batches
WHEN old.status <> 'open'
BEGIN SELECT RAISE(ABORT, 'a payout batch is marked once'); END;
CREATE TRIGGER payout_batches_no_delete BEFORE DELETE ON payout_batches
WHEN (SELECT value FROM settings WHERE key = 'ledger.clearing') IS NULL
BEGIN SELECT RAISE(ABORT, 'payout batches are never deleted'); END;

CREATE TABLE withdrawals (
  id           TEXT PRIMARY KEY,
  member_code  TEXT NOT NULL COLLATE NOCASE,
  amount_fen   INTEGER NOT NULL CHECK (amount_fen > 0),
  -- The payout account chosen at request time (this workstation's; NULL when it came from another).
  account_id   TEXT,
  origin       TEXT NOT NULL CHECK (origin = 'local' OR origin = 'remote'),
  requested_at TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  note         TEXT NOT NULL DEFAULT '',
  status       TEXT NOT NULL DEFAULT 'requested' CHECK (status = 'requested' OR status = 'approved' OR status = 'rejected' OR status = 'batched' OR status = 'paid' OR status = 'failed'),
  decided_at   TEXT,
  decided_by   TEXT,
  reason       TEXT,
  batch_id     TEXT REFERENCES payout_batches(id),
  line_no      INTEGER,
  settled_at   TEXT
);
CREATE INDEX withdrawals_member ON withdrawals(member_code, requested_at);
CREATE INDEX withdrawals_status ON withdrawals(status);
CREATE INDEX withdrawals_batch ON withdrawals(batch_id, line_no) WHERE batch_id IS NOT NULL;
CREATE TRIGGER withdrawals_frozen BEFORE UPDATE OF id, member_code, amount_fen, origin, requested_at, requested_by ON withdrawals
BEGIN SELECT RAISE(ABORT, 'a withdrawal request is not edited: reject it and request again'); END;
CREATE TRIGGER withdrawals_forward BEFORE UPDATE OF status ON withdrawals
WHEN NOT ((old.status = 'requested' AND (new.status = 'approved' OR new.status = 'rejected'))
       OR (old.status = 'approved' AND (new.status = 'batched' OR new.status = 'rejected'))
       OR (old.status = 'batched' AND (new.status = 'paid' OR new.status = 'failed')))
BEGIN SELECT RAISE(ABORT, 'a withdrawal only moves forward: requested → approved → batched → paid or failed'); END;
CREATE TRIGGER withdrawals_no_delete BEFORE DELETE ON withdrawals
WHEN (SELECT value FROM settings WHERE key = 'ledger.clearing') IS NULL
BEGIN SELECT RAISE(ABORT, 'withdrawal requests are never deleted'); END;
`
