-- See the SQLite migration of the same number.
CREATE TABLE console_sessions (
    digest                BYTEA PRIMARY KEY,
    account_id            TEXT NOT NULL REFERENCES accounts (id),
    credential_generation BIGINT NOT NULL,
    created_at            BIGINT NOT NULL,
    last_seen_at          BIGINT NOT NULL
);

CREATE INDEX console_sessions_by_last_seen ON console_sessions (last_seen_at);
