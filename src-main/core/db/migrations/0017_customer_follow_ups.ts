/**
 * 0017 — follow-up records on customers (跟进记录) and the care tasks they make. A record
 * keeps who followed up, when, by what channel, what was said and the studio day of the
 * next follow-up; that day is a care task of the member owning the customer, and when it
 * passes with the task still open, escalation tasks for the member's mentor and a manager.
 * Tasks name their customer and the record they came from, so a later record closes the
 * open ones and a hand-over moves them. Deleting (erasing) a customer takes both with it.
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
CREATE TABLE customer_follow_ups (
  id              TEXT PRIMARY KEY,
  customer_id     TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  owner_member_id TEXT REFERENCES members(id) ON DELETE SET NULL,
  channel         TEXT NOT NULL CHECK (channel IN ('wechat','call','in_person','group','other')),
  summary         TEXT NOT NULL,
  followed_at     TEXT NOT NULL,
  next_day        TEXT,
  by_profile_id   TEXT,
  by_name         TEXT NOT NULL,
  created_at      TEXT NOT NULL
);
CREATE INDEX customer_follow_ups_customer ON customer_follow_ups(customer_id, followed_at);

ALTER TABLE care_tasks ADD COLUMN customer_id TEXT REFERENCES customers(id) ON DELETE CASCADE;
ALTER TABLE care_tasks ADD COLUMN follow_up_id TEXT REFERENCES customer_follow_ups(id) ON DELETE CASCADE;
CREATE INDEX care_tasks_customer ON care_tasks(customer_id, status) WHERE customer_id IS NOT NULL;
CREATE INDEX care_tasks_owner ON care_tasks(owner_kind, owner_id, status);
`
