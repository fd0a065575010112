-- A password change moves the account to its next credential generation. An offline
-- login stores its session only if the generation it checked the password against is
-- still current, in the same statement (no session made with the old password survives).
ALTER TABLE accounts ADD COLUMN credential_generation INTEGER NOT NULL DEFAULT 0;
