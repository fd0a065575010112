-- Latchkey schema, PostgreSQL dialect. Times are Unix seconds. Same tables and columns
-- as the SQLite schema, so that both backends share row decoding.

CREATE TABLE accounts (
    id                TEXT PRIMARY KEY,
    email             TEXT NOT NULL UNIQUE,
    password_hash     TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    tokens_not_before BIGINT NOT NULL
);

CREATE TABLE client_keys (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts (id),
    name          TEXT,
    secret_digest BYTEA NOT NULL,
    scope         TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT
);

CREATE INDEX client_keys_by_account ON client_keys (account_id, created_at);

-- A session is one refresh-token family; see the SQLite schema for the model.
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    kind         TEXT NOT NULL,
    client_id    TEXT,
    scope        TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT,
    last_used_at BIGINT,
    revoked_at   BIGINT,
    generation   BIGINT NOT NULL DEFAULT 0
);

CREATE INDEX sessions_by_account ON sessions (account_id) WHERE revoked_at IS NULL;
CREATE INDEX sessions_by_client ON sessions (client_id) WHERE revoked_at IS NULL AND kind = 'client_refresh';

CREATE TABLE signing_keys (
    kid          TEXT PRIMARY KEY,
    algorithm    TEXT NOT NULL,
    private_key  BYTEA NOT NULL,
    created_at   BIGINT NOT NULL,
    activates_at BIGINT NOT NULL,
    retires_at   BIGINT,
    expires_at   BIGINT
);
