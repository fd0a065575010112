-- Upkeep: the purge of ended refresh sessions finds them by these indexes instead of
-- scanning the table; key rotation needs no schema change (the schedule columns of
-- signing_keys date from 0001).

CREATE INDEX sessions_by_expiry ON sessions (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX sessions_by_revocation ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;
