/**
 * 0003 — lifecycle care, profiles, rules, approvals, audit, kits.
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
-- Small key/value store of the lifecycle area: care thresholds, the audit chain's head.
CREATE TABLE lifecycle_settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- The workstation's profiles. PINs are stored as scrypt hashes with their own salt and
-- parameters, so the cost can be raised later without invalidating old PINs.
CREATE TABLE profiles (
  id              TEXT PRIMARY KEY,
  name            TEXT NOT NULL,
  role            TEXT NOT NULL CHECK (role IN ('operator','trainer','manager')),
  pin_hash        TEXT NOT NULL,
  pin_salt        TEXT NOT NULL,
  pin_params      TEXT NOT NULL,
  is_default      INTEGER NOT NULL DEFAULT 0,
  failed_attempts INTEGER NOT NULL DEFAULT 0,
  locked_until    TEXT,
  last_sign_in_at TEXT,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
);

CREATE TABLE care_plans (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  trigger     TEXT NOT NULL,
  active      INTEGER NOT NULL DEFAULT 1,
  built_in    INTEGER NOT NULL DEFAULT 0,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);

CREATE TABLE care_steps (
  id           TEXT PRIMARY KEY,
  plan_id      TEXT NOT NULL REFERENCES care_plans(id) ON DELETE CASCADE,
  position     INTEGER NOT NULL,
  offset_days  INTEGER NOT NULL,
  offset_hours INTEGER NOT NULL DEFAULT 0,
  channel      TEXT NOT NULL,
  owner_kind   TEXT NOT NULL,
  purpose      TEXT NOT NULL,
  title        TEXT NOT NULL,
  script       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX care_steps_plan ON care_steps(plan_id, position);

-- One row per step of a plan for one trigger occurrence. The id is derived from the plan,
-- step, subject and occurrence, which makes planning idempotent (running it again creates
-- nothing new) and gives the same task the same id on every workstation.
CREATE TABLE care_tasks (
  id            TEXT PRIMARY KEY,
  plan_id       TEXT NOT NULL,
  step_id       TEXT NOT NULL,
  plan_name     TEXT NOT NULL,
  trigger       TEXT NOT NULL,
  occurrence_at TEXT NOT NULL,
  member_id     TEXT REFERENCES members(id) ON DELETE CASCADE,
  group_id      TEXT REFERENCES groups(id) ON DELETE CASCADE,
  owner_kind    TEXT NOT NULL,
  owner_id      TEXT,
  owner_name    TEXT,
  channel       TEXT NOT NULL,
  purpose       TEXT NOT NULL,
  title         TEXT NOT NULL,
  script        TEXT NOT NULL,
  due_at        TEXT NOT NULL,
  due_day       TEXT NOT NULL,
  status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','done','skipped')),
  note          TEXT NOT NULL DEFAULT '',
  done_at       TEXT,
  done_by       TEXT,
  created_at    TEXT NOT NULL
);
-- The calendar reads a day in due order, and counts a day (and earlier days' open tasks)
-- per owner straight from covering indexes, without touching the rows.
CREATE INDEX care_tasks_day ON care_tasks(due_day, due_at);
CREATE INDEX care_tasks_day_owner ON care_tasks(due_day, owner_kind, owner_id, status, due_at, owner_name);
CREATE INDEX care_tasks_open ON care_tasks(due_day, owner_kind, owner_id, status, due_at, owner_name) WHERE status = 'open';
CREATE INDEX care_tasks_member ON care_tasks(member_id, due_at);
CREATE INDEX care_tasks_group ON care_tasks(group_id) WHERE group_id IS NOT NULL;

-- Care planning asks every member's first and last paid sale at once; this answers it from
-- the index alone (the records' orders_member index would visit every order row for its status).
CREATE INDEX orders_member_paid ON orders(member_id, placed_at) WHERE status IN ('paid','partially_refunded');

-- Shares, 晒单, training attendance and the conduct rules count. Sales are not here: they
-- come from orders.
CREATE TABLE member_events (
  id          TEXT PRIMARY KEY,
  member_id   TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
  type        TEXT NOT NULL,
  occurred_at TEXT NOT NULL,
  note        TEXT NOT NULL DEFAULT '',
  source      TEXT NOT NULL,
  recorded_by TEXT,
  created_at  TEXT NOT NULL
);
CREATE INDEX member_events_member ON member_events(member_id, occurred_at);
CREATE INDEX member_events_type ON member_events(type, member_id, occurred_at);

-- A group's rituals and activity per day, with the temperature score computed on write.
CREATE TABLE group_rituals (
  group_id     TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
  day          TEXT NOT NULL,
  morning      INTEGER NOT NULL DEFAULT 0,
  night        INTEGER NOT NULL DEFAULT 0,
  training     INTEGER NOT NULL DEFAULT 0,
  goal         INTEGER NOT NULL DEFAULT 0,
  red_envelope INTEGER NOT NULL DEFAULT 0,
  showcase     INTEGER NOT NULL DEFAULT 0,
  replies      INTEGER NOT NULL DEFAULT 0,
  score        REAL NOT NULL,
  source       TEXT NOT NULL,
  updated_at   TEXT NOT NULL,
  updated_by   TEXT,
  PRIMARY KEY (group_id, day)
) WITHOUT ROWID;
CREATE INDEX group_rituals_day ON group_rituals(day);

CREATE TABLE rules (
  id                TEXT PRIMARY KEY,
  name              TEXT NOT NULL,
  description       TEXT NOT NULL DEFAULT '',
  event_type        TEXT NOT NULL,
  threshold         INTEGER NOT NULL CHECK (threshold >= 1),
  window_days       INTEGER NOT NULL CHECK (window_days >= 1),
  action_kind       TEXT NOT NULL CHECK (action_kind IN ('warning','points','penalty','suspension','bonus')),
  action_points     INTEGER NOT NULL DEFAULT 0,
  action_amount_fen INTEGER NOT NULL DEFAULT 0,
  action_days       INTEGER NOT NULL DEFAULT 0,
  active            INTEGER NOT NULL DEFAULT 1,
  effective_from    TEXT NOT NULL,
  version           INTEGER NOT NULL DEFAULT 1,
  archived_at       TEXT,
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL
);

-- What a rule proposed. idem_key (rule + member + the triggering events) is unique, so an
-- evaluation run twice proposes nothing new.
CREATE TABLE rule_actions (
  id              TEXT PRIMARY KEY,
  idem_key        TEXT NOT NULL UNIQUE,
  rule_id         TEXT NOT NULL REFERENCES rules(id),
  rule_name       TEXT NOT NULL,
  rule_version    INTEGER NOT NULL,
  member_id       TEXT NOT NULL,
  member_name     TEXT NOT NULL,
  kind            TEXT NOT NULL,
  points          INTEGER NOT NULL DEFAULT 0,
  amount_fen      INTEGER NOT NULL DEFAULT 0,
  days            INTEGER NOT NULL DEFAULT 0,
  reason          TEXT NOT NULL,
  event_count     INTEGER NOT NULL,
  window_from     TEXT NOT NULL,
  window_to       TEXT NOT NULL,
  status          TEXT NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed','approved','rejected')),
  proposed_at     TEXT NOT NULL,
  decided_at      TEXT,
  decided_by      TEXT,
  decided_by_name TEXT,
  decision_reason TEXT,
  overturned_at   TEXT,
  -- A suspension's end, and whether approving it paused the member ('paused' → 'restored').
  effect_until    TEXT,
  effect_state    TEXT
);
CREATE INDEX rule_actions_status ON rule_actions(status, proposed_at);
CREATE INDEX rule_actions_member ON rule_actions(member_id, proposed_at);
CREATE INDEX rule_actions_approved ON rule_actions(decided_at) WHERE status = 'approved';

-- Each event counts once per rule: the proposal that used it holds it.
CREATE TABLE rule_action_events (
  rule_id   TEXT NOT NULL,
  event_id  TEXT NOT NULL,
  action_id TEXT NOT NULL REFERENCES rule_actions(id) ON DELETE CASCADE,
  PRIMARY KEY (rule_id, event_id)
) WITHOUT ROWID;
CREATE INDEX rule_action_events_action ON rule_action_events(action_id);

CREATE TABLE appeals (
  id              TEXT PRIMARY KEY,
  action_id       TEXT NOT NULL REFERENCES rule_actions(id),
  reason          TEXT NOT NULL,
  filed_at        TEXT NOT NULL,
  filed_by        TEXT,
  filed_by_name   TEXT,
  status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','upheld','overturned')),
  decided_at      TEXT,
  decided_by      TEXT,
  decided_by_name TEXT,
  decision_reason TEXT
);
CREATE INDEX appeals_action ON appeals(action_id);
CREATE INDEX appeals_status ON appeals(status, filed_at);

-- The audit log: append-only (the triggers refuse changes) and hash-chained: each record
-- stores sha256(previous hash + canonical JSON of the record), so an edit made behind the
-- triggers' back is found by walking the chain.
CREATE TABLE audit_log (
  seq         INTEGER PRIMARY KEY,
  id          TEXT NOT NULL UNIQUE,
  at          TEXT NOT NULL,
  actor_id    TEXT,
  actor_name  TEXT NOT NULL,
  actor_role  TEXT NOT NULL,
  kind        TEXT NOT NULL,
  entity      TEXT NOT NULL,
  entity_id   TEXT,
  summary     TEXT NOT NULL,
  before_json TEXT,
  after_json  TEXT,
  prev_hash   TEXT NOT NULL,
  hash        TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_entity ON audit_log(entity_id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TABLE kit_templates (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  is_default  INTEGER NOT NULL DEFAULT 0,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  updated_by  TEXT
);

CREATE TABLE kit_sections (
  id          TEXT PRIMARY KEY,
  template_id TEXT NOT NULL REFERENCES kit_templates(id) ON DELETE CASCADE,
  position    INTEGER NOT NULL,
  kind        TEXT NOT NULL,
  title       TEXT NOT NULL,
  html        TEXT NOT NULL
);
CREATE INDEX kit_sections_template ON kit_sections(template_id, position);
`
