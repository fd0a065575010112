-- Brute-force protection: failed attempts per key (`account:ID`, `login:DIGEST`,
-- `addr:IP`, `client:ID`), shared by every instance on the database.

CREATE TABLE attempts (
    key          TEXT PRIMARY KEY,
    failures     BIGINT NOT NULL,
    locked_until BIGINT,
    updated_at   BIGINT NOT NULL
);

CREATE INDEX attempts_by_update ON attempts (updated_at);
