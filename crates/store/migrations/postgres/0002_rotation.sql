-- Refresh-token rotation (see the SQLite migration). Flags are BIGINT 0/1, as in SQLite,
-- so both backends decode rows the same way.

ALTER TABLE sessions ADD COLUMN rotates BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN rotated_at BIGINT;
ALTER TABLE sessions ADD COLUMN access_jti TEXT;
ALTER TABLE sessions ADD COLUMN access_expires_at BIGINT;
ALTER TABLE sessions ADD COLUMN access_scope TEXT;

ALTER TABLE client_keys ADD COLUMN rotation BIGINT;
