-- Brute-force protection: failed attempts per key (`account:ID`, `login:DIGEST`,
-- `addr:IP`, `client:ID`), shared by every instance on the database.

CREATE TABLE attempts (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    locked_until INTEGER,
    updated_at   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX attempts_by_update ON attempts (updated_at);
