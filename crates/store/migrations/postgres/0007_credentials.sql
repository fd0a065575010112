-- See the SQLite migration of the same number.
ALTER TABLE accounts ADD COLUMN credential_generation BIGINT NOT NULL DEFAULT 0;
