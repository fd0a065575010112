-- Latchkey schema, SQLite dialect. Times are Unix seconds.

CREATE TABLE accounts (
    id                TEXT PRIMARY KEY,
    email             TEXT NOT NULL UNIQUE,
    password_hash     TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    tokens_not_before INTEGER NOT NULL
) STRICT;

CREATE TABLE client_keys (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts (id),
    name          TEXT,
    secret_digest BLOB NOT NULL,
    scope         TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER
) STRICT;

CREATE INDEX client_keys_by_account ON client_keys (account_id, created_at);

-- A session is one refresh-token family: the grant that started it and every refresh
-- token rotated from it. Revoking the session ends them all, and the access tokens
-- minted from them (their `sid` claim).
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    kind         TEXT NOT NULL,
    client_id    TEXT,
    scope        TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    last_used_at INTEGER,
    revoked_at   INTEGER,
    generation   INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;

CREATE INDEX sessions_by_account ON sessions (account_id) WHERE revoked_at IS NULL;
CREATE INDEX sessions_by_client ON sessions (client_id) WHERE revoked_at IS NULL AND kind = 'client_refresh';

CREATE TABLE signing_keys (
    kid          TEXT PRIMARY KEY,
    algorithm    TEXT NOT NULL,
    private_key  BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    activates_at INTEGER NOT NULL,
    retires_at   INTEGER,
    expires_at   INTEGER
) STRICT;
