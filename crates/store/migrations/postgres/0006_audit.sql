-- The audit trail: security events, newest read first by account or overall.

CREATE TABLE audit_events (
    id         BIGSERIAL PRIMARY KEY,
    at         BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    account_id TEXT,
    client_id  TEXT,
    source     TEXT,
    detail     TEXT
);

CREATE INDEX audit_events_by_account ON audit_events (account_id, id);
