/**
 * 0025 — the studio's settings that belong to the team (time zone, currency, studio name,
 * invite link) are a shared record, `setting` `studio` (core/records/sync.ts). They stay
 * kept by key in `settings`; `studio_settings` is their one row as the records' sync reads
 * and writes a record: each column the setting's value (NULL: not set, read as the
 * default), an update of a column writes its key (NULL removes it). The row is always
 * there and is never created or deleted. What this workstation set before it shared its
 * settings is sent once, as changes of the record, the first time it syncs.
 * Frozen once released: never edit an applied migration, add a new one.
 */
export default `
CREATE VIEW studio_settings AS
SELECT 'studio' AS id,
       (SELECT json_extract(value, '$') FROM settings WHERE key = 'timezone' AND json_valid(value) AND json_type(value) = 'text') AS timezone,
       (SELECT json_extract(value, '$') FROM settings WHERE key = 'currency' AND json_valid(value) AND json_type(value) = 'text') AS currency,
       (SELECT json_extract(value, '$') FROM settings WHERE key = 'studioName' AND json_valid(value) AND json_type(value) = 'text') AS studio_name,
       (SELECT json_extract(value, '$') FROM settings WHERE key = 'inviteBaseUrl' AND json_valid(value) AND json_type(value) = 'text') AS invite_base_url,
       NULL AS created_at,
       NULL AS updated_at;

CREATE TRIGGER studio_settings_update INSTEAD OF UPDATE ON studio_settings
BEGIN
  DELETE FROM settings WHERE NEW.timezone IS NULL AND OLD.timezone IS NOT NULL AND key = 'timezone';
  DELETE FROM settings WHERE NEW.currency IS NULL AND OLD.currency IS NOT NULL AND key = 'currency';
  DELETE FROM settings WHERE NEW.studio_name IS NULL AND OLD.studio_name IS NOT NULL AND key = 'studioName';
  DELETE FROM settings WHERE NEW.invite_base_url IS NULL AND OLD.invite_base_url IS NOT NULL AND key = 'inviteBaseUrl';
  INSERT INTO settings (key, value) SELECT 'timezone', json_quote(NEW.timezone) WHERE NEW.timezone IS NOT NULL AND NEW.timezone IS NOT OLD.timezone
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
  INSERT INTO settings (key, value) SELECT 'currency', json_quote(NEW.currency) WHERE NEW.currency IS NOT NULL AND NEW.currency IS NOT OLD.currency
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
  INSERT INTO settings (key, value) SELECT 'studioName', json_quote(NEW.studio_name) WHERE NEW.studio_name IS NOT NULL AND NEW.studio_name IS NOT OLD.studio_name
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
  INSERT INTO settings (key, value) SELECT 'inviteBaseUrl', json_quote(NEW.invite_base_url) WHERE NEW.invite_base_url IS NOT NULL AND NEW.invite_base_url IS NOT OLD.invite_base_url
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

-- The settings this workstation had set are the team's to hear of once it shares them.
INSERT INTO record_changes (tx_id, record, record_id, op, field, at, actor_id, actor_role, workstation, source, base_seq)
SELECT 'm0025-' || COALESCE((SELECT device_id FROM ledger_device WHERE id = 1), ''), 'setting', 'studio', 'update', f.field,
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL, 'system', COALESCE((SELECT device_id FROM ledger_device WHERE id = 1), ''), 'console', 0
  FROM (SELECT 1 AS n, 'timezone' AS field UNION ALL SELECT 2, 'currency' UNION ALL SELECT 3, 'studioName' UNION ALL SELECT 4, 'inviteBaseUrl') f
 WHERE EXISTS (SELECT 1 FROM settings s WHERE s.key = f.field)
 ORDER BY f.n;
`
