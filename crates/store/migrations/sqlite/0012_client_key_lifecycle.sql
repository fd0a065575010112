-- Client-key lifecycle: an optional expiry, the networks token requests may come from
-- (space-separated CIDRs; NULL: anywhere), the address of the last use, the secret a
-- rotation replaced while its overlap lasts, and whether token requests must carry a
-- DPoP proof.
ALTER TABLE client_keys ADD COLUMN expires_at INTEGER;
ALTER TABLE client_keys ADD COLUMN allowed_cidrs TEXT;
ALTER TABLE client_keys ADD COLUMN last_used_ip TEXT;
ALTER TABLE client_keys ADD COLUMN previous_secret_digest BLOB;
ALTER TABLE client_keys ADD COLUMN previous_secret_expires_at INTEGER;
ALTER TABLE client_keys ADD COLUMN dpop_bound INTEGER NOT NULL DEFAULT 0;
