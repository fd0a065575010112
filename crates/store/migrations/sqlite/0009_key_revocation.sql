-- Revoked signing keys: neither published nor trusted from this time on. The row stays,
-- so `latchkeyd keys list` shows the revocation and no instance can take the key back.

ALTER TABLE signing_keys ADD COLUMN revoked_at INTEGER;
