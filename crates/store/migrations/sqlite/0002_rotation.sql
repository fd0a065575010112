-- Refresh-token rotation: a rotating session keeps the generation of its one valid
-- refresh token, when that generation was issued, and the access token issued with it
-- (to return the same tokens to a retry within the grace window).

ALTER TABLE sessions ADD COLUMN rotates INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN rotated_at INTEGER;
ALTER TABLE sessions ADD COLUMN access_jti TEXT;
ALTER TABLE sessions ADD COLUMN access_expires_at INTEGER;
ALTER TABLE sessions ADD COLUMN access_scope TEXT;

-- NULL: follow the deployment's setting.
ALTER TABLE client_keys ADD COLUMN rotation INTEGER;
