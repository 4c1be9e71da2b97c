/**
 * 0031 — proposals made before 0027 kept ids of their own (random): two workstations of one
 * studio that both evaluated a rule before upgrading would send the same proposal under two
 * ids and the team would hold it twice. Each such proposal not sent yet takes the id every
 * workstation gives it now (core/db/proposalIds.ts: the rule — the team's id since 0030 —,
 * the member and the period its events fall in), and everything naming it follows: the
 * events it counted, its appeals, its changes and theirs waiting to be sent. Two creates of
 * one id are one record of the team (SHARED_IDS), so its decision stands wherever it was made.
 *
 * Why this and not a natural key on `idemKey` merging the two at the server: the key hashes
 * the events' ids (each workstation's own) and the rule's id before 0030, so the same
 * proposal has a different key on each workstation; and a merge would keep whichever id
 * reached the server first, which may not be the one an approval's money was posted under.
 * Here the id is the same everywhere before anything is sent.
 *
 * An approved penalty or bonus already posted keeps its entries (they are never edited and
 * may be on the team's ledger already): `rule_actions_rekeyed` names the old id, and posting
 * reverses what was posted under it (core/ledger/posting.ts), while the proposal's own entry
 * under the new id — the same id on every workstation — is posted once. The audit chain keeps
 * the ids it recorded. A proposal already sent, taken from the team or whose id is taken stays.
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
CREATE TABLE rule_actions_rekeyed (
  old_id      TEXT PRIMARY KEY,
  action_id   TEXT NOT NULL,
  rekeyed_at  TEXT NOT NULL
);

PRAGMA defer_foreign_keys = ON;

CREATE TEMP TABLE m0031_ids AS
SELECT a.id AS old_id, orchard_proposal_id(a.rule_id, a.member_id, a.window_from, a.window_to) AS new_id
  FROM rule_actions a
 WHERE a.id <> orchard_proposal_id(a.rule_id, a.member_id, a.window_from, a.window_to)
   AND EXISTS (SELECT 1 FROM record_changes c WHERE c.record = 'action' AND c.record_id = a.id AND c.op = 'create'
                  AND c.seq > COALESCE((SELECT records_pushed FROM sync_state WHERE id = 1), 0))
   AND NOT EXISTS (SELECT 1 FROM record_changes c WHERE c.record = 'action' AND c.record_id = a.id
                      AND c.seq <= COALESCE((SELECT records_pushed FROM sync_state WHERE id = 1), 0));
DELETE FROM m0031_ids WHERE new_id IN (SELECT id FROM rule_actions);
DELETE FROM m0031_ids WHERE new_id IN (SELECT new_id FROM m0031_ids GROUP BY new_id HAVING count(*) > 1);

UPDATE rule_actions SET id = (SELECT new_id FROM m0031_ids WHERE old_id = rule_actions.id) WHERE id IN (SELECT old_id FROM m0031_ids);
UPDATE rule_action_events SET action_id = (SELECT new_id FROM m0031_ids WHERE old_id = rule_action_events.action_id) WHERE action_id IN (SELECT old_id FROM m0031_ids);
UPDATE appeals SET action_id = (SELECT new_id FROM m0031_ids WHERE old_id = appeals.action_id) WHERE action_id IN (SELECT old_id FROM m0031_ids);
UPDATE record_changes SET record_id = (SELECT new_id FROM m0031_ids WHERE old_id = record_changes.record_id)
 WHERE record = 'action' AND record_id IN (SELECT old_id FROM m0031_ids);
UPDATE record_changes SET value_json = (
       SELECT replace(record_changes.value_json, json_quote(m.old_id), json_quote(m.new_id)) FROM m0031_ids m WHERE instr(record_changes.value_json, json_quote(m.old_id)) > 0)
 WHERE record = 'appeal' AND value_json IS NOT NULL AND seq > COALESCE((SELECT records_pushed FROM sync_state WHERE id = 1), 0)
   AND EXISTS (SELECT 1 FROM m0031_ids m WHERE instr(record_changes.value_json, json_quote(m.old_id)) > 0);
-- A decision made before 0027 travels in the proposal's create: sent again as the manager's changes of
-- their fields, so that here it is not taken back by the other workstation's undecided create of the same id.
INSERT INTO record_changes (tx_id, record, record_id, op, field, at, actor_id, actor_role, workstation, source, base_seq)
SELECT 'm0031-' || (SELECT device_id FROM ledger_device WHERE id = 1), 'action', a.id, 'update', f.field, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), a.decided_by, 'manager',
       (SELECT device_id FROM ledger_device WHERE id = 1), 'console', COALESCE((SELECT records_cursor FROM sync_state WHERE id = 1), 0)
  FROM m0031_ids m
  JOIN rule_actions a ON a.id = m.new_id
  JOIN (SELECT 1 AS n, 'decision' AS field UNION ALL SELECT 2, 'decidedAt' UNION ALL SELECT 3, 'decidedBy' UNION ALL SELECT 4, 'decidedByName'
        UNION ALL SELECT 5, 'decisionReason' UNION ALL SELECT 6, 'overturnedAt') f
 WHERE a.status <> 'proposed'
   AND CASE f.field WHEN 'decision' THEN 1 WHEN 'decidedAt' THEN a.decided_at IS NOT NULL WHEN 'decidedBy' THEN a.decided_by IS NOT NULL
       WHEN 'decidedByName' THEN a.decided_by_name IS NOT NULL WHEN 'decisionReason' THEN a.decision_reason IS NOT NULL ELSE a.overturned_at IS NOT NULL END
 ORDER BY a.id, f.n;
INSERT INTO rule_actions_rekeyed (old_id, action_id, rekeyed_at) SELECT old_id, new_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM m0031_ids;

DROP TABLE m0031_ids;
`
