-- The account console's cookie sessions. Only the SHA-256 digest of the cookie's value
-- is stored. A session is live while its account is still at `credential_generation`
-- (a password change or a log-out-everywhere moves it on) and within the idle and
-- absolute timeouts, read from `last_seen_at` and `created_at`.
CREATE TABLE console_sessions (
    digest                BLOB PRIMARY KEY,
    account_id            TEXT NOT NULL REFERENCES accounts (id),
    credential_generation INTEGER NOT NULL,
    created_at            INTEGER NOT NULL,
    last_seen_at          INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX console_sessions_by_last_seen ON console_sessions (last_seen_at);
