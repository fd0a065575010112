-- See the SQLite migration of the same number.
ALTER TABLE attempts ADD COLUMN checking BIGINT NOT NULL DEFAULT 0;
ALTER TABLE attempts ADD COLUMN checking_until BIGINT;
