/**
 * 0028 — commission schemes become shared records (core/ledger/schemes.ts): every
 * workstation computes the team's ledger entries from the same shared orders, so it must
 * hold the same schemes and the same active one.
 *  - a scheme's version is a record of its own, `<scheme id>:<version>`, created once and
 *    never changed (it stays frozen); `saved_at` keeps when the manager saved it (its
 *    `created_at` is when this workstation took it), `updated_at` as every shared record;
 *  - which scheme is active is the studio's setting `activeScheme` (studio_settings gains
 *    the column), so only one can be, and two managers choosing at once is a conflict a
 *    manager can restore; `commission_schemes.active` is no longer read;
 *  - the schemes, versions and choice this workstation held before are the team's to hear
 *    of once: recorded as the studio's own creates, sent the first time it syncs.
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
DROP TRIGGER commission_scheme_versions_frozen;
ALTER TABLE commission_scheme_versions ADD COLUMN id TEXT;
ALTER TABLE commission_scheme_versions ADD COLUMN saved_at TEXT;
ALTER TABLE commission_scheme_versions ADD COLUMN updated_at TEXT;
UPDATE commission_scheme_versions SET id = scheme_id || ':' || version, saved_at = created_at, updated_at = created_at;
CREATE UNIQUE INDEX commission_scheme_versions_id ON commission_scheme_versions(id);
CREATE TRIGGER commission_scheme_versions_frozen BEFORE UPDATE ON commission_scheme_versions
BEGIN SELECT RAISE(ABORT, 'scheme versions are immutable'); END;

INSERT INTO settings (key, value)
SELECT 'activeScheme', json_quote(id) FROM commission_schemes WHERE active = 1
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
UPDATE commission_schemes SET active = 0 WHERE active = 1;

DROP VIEW studio_settings;
CREATE VIEW studio_settings AS
SELECT 'studio' AS id,
       (SELECT json_extract(value, '$') FROM settings WHERE key = 'timezone' AND json_valid(value) AND json_type(value) = 'text') AS timezone,
       (SELECT json_extract(value, '$') FROM settings WHERE key = 'currency' AND json_valid(value) AND json_type(value) = 'text') AS currency,
       (SELECT json_extract(value, '$') FROM settings WHERE key = 'studioName' AND json_valid(value) AND json_type(value) = 'text') AS studio_name,
       (SELECT json_extract(value, '$') FROM settings WHERE key = 'inviteBaseUrl' AND json_valid(value) AND json_type(value) = 'text') AS invite_base_url,
       (SELECT json_extract(value, '$') FROM settings WHERE key = 'activeScheme' AND json_valid(value) AND json_type(value) = 'text') AS active_scheme,
       NULL AS created_at,
       NULL AS updated_at;

CREATE TRIGGER studio_settings_update INSTEAD OF UPDATE ON studio_settings
BEGIN
  DELETE FROM settings WHERE NEW.timezone IS NULL AND OLD.timezone IS NOT NULL AND key = 'timezone';
  DELETE FROM settings WHERE NEW.currency IS NULL AND OLD.currency IS NOT NULL AND key = 'currency';
  DELETE FROM settings WHERE NEW.studio_name IS NULL AND OLD.studio_name IS NOT NULL AND key = 'studioName';
  DELETE FROM settings WHERE NEW.invite_base_url IS NULL AND OLD.invite_base_url IS NOT NULL AND key = 'inviteBaseUrl';
  DELETE FROM settings WHERE NEW.active_scheme IS NULL AND OLD.active_scheme IS NOT NULL AND key = 'activeScheme';
  INSERT INTO settings (key, value) SELECT 'timezone', json_quote(NEW.timezone) WHERE NEW.timezone IS NOT NULL AND NEW.timezone IS NOT OLD.timezone
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
  INSERT INTO settings (key, value) SELECT 'currency', json_quote(NEW.currency) WHERE NEW.currency IS NOT NULL AND NEW.currency IS NOT OLD.currency
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
  INSERT INTO settings (key, value) SELECT 'studioName', json_quote(NEW.studio_name) WHERE NEW.studio_name IS NOT NULL AND NEW.studio_name IS NOT OLD.studio_name
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
  INSERT INTO settings (key, value) SELECT 'inviteBaseUrl', json_quote(NEW.invite_base_url) WHERE NEW.invite_base_url IS NOT NULL AND NEW.invite_base_url IS NOT OLD.invite_base_url
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
  INSERT INTO settings (key, value) SELECT 'activeScheme', json_quote(NEW.active_scheme) WHERE NEW.active_scheme IS NOT NULL AND NEW.active_scheme IS NOT OLD.active_scheme
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
END;

-- One record, never made or removed: a change that would is not one this workstation takes.
CREATE TRIGGER studio_settings_insert INSTEAD OF INSERT ON studio_settings
BEGIN
  SELECT RAISE(ABORT, 'the studio settings are one record, changed field by field');
END;
CREATE TRIGGER studio_settings_delete INSTEAD OF DELETE ON studio_settings
BEGIN
  SELECT RAISE(ABORT, 'the studio settings are one record, changed field by field');
END;

-- The schemes this workstation held are the team's to hear of once it shares them: each
-- scheme, then its versions (they name it), then which one is active.
INSERT INTO record_changes (tx_id, record, record_id, op, field, at, actor_id, actor_role, workstation, source, base_seq)
SELECT 'm0028-' || COALESCE((SELECT device_id FROM ledger_device WHERE id = 1), ''), 'scheme', id, 'create', NULL,
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL, 'system', COALESCE((SELECT device_id FROM ledger_device WHERE id = 1), ''), 'console', 0
  FROM commission_schemes ORDER BY created_at, id;
INSERT INTO record_changes (tx_id, record, record_id, op, field, at, actor_id, actor_role, workstation, source, base_seq)
SELECT 'm0028-' || COALESCE((SELECT device_id FROM ledger_device WHERE id = 1), ''), 'schemeVersion', id, 'create', NULL,
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL, 'system', COALESCE((SELECT device_id FROM ledger_device WHERE id = 1), ''), 'console', 0
  FROM commission_scheme_versions ORDER BY scheme_id, version;
INSERT INTO record_changes (tx_id, record, record_id, op, field, at, actor_id, actor_role, workstation, source, base_seq)
SELECT 'm0028-' || COALESCE((SELECT device_id FROM ledger_device WHERE id = 1), ''), 'setting', 'studio', 'update', 'activeScheme',
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL, 'system', COALESCE((SELECT device_id FROM ledger_device WHERE id = 1), ''), 'console', 0
 WHERE EXISTS (SELECT 1 FROM settings WHERE key = 'activeScheme');
`
