-- Client-key lifecycle; see the SQLite twin.
ALTER TABLE client_keys ADD COLUMN expires_at BIGINT;
ALTER TABLE client_keys ADD COLUMN allowed_cidrs TEXT;
ALTER TABLE client_keys ADD COLUMN last_used_ip TEXT;
ALTER TABLE client_keys ADD COLUMN previous_secret_digest BYTEA;
ALTER TABLE client_keys ADD COLUMN previous_secret_expires_at BIGINT;
ALTER TABLE client_keys ADD COLUMN dpop_bound BIGINT NOT NULL DEFAULT 0;
