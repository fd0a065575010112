-- The audit trail: security events, newest read first by account or overall.

CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    account_id TEXT,
    client_id  TEXT,
    source     TEXT,
    detail     TEXT
) STRICT;

CREATE INDEX audit_events_by_account ON audit_events (account_id, id);
