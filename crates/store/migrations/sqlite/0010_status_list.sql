-- The Token Status List (draft-ietf-oauth-status-list). Every refresh session, and
-- every account's current login era, owns one index; a revoked session (revoked_at set)
-- or an ended era (a row in ended_status_indexes) has its bit set. Indexes come from
-- one counter that only grows, reserved in blocks, so none is handed out twice.

ALTER TABLE sessions ADD COLUMN status_idx INTEGER;
ALTER TABLE accounts ADD COLUMN status_idx INTEGER;

CREATE TABLE status_counter (
    id         INTEGER PRIMARY KEY CHECK (id = 0),
    next_index INTEGER NOT NULL
);

CREATE TABLE ended_status_indexes (
    idx      INTEGER PRIMARY KEY,
    ended_at INTEGER NOT NULL
);
CREATE INDEX ended_status_indexes_by_time ON ended_status_indexes (ended_at);

-- What exists already gets indexes: accounts first, then sessions.
UPDATE accounts SET status_idx = n.i
  FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM accounts) AS n
  WHERE accounts.id = n.id;
UPDATE sessions SET status_idx = (SELECT COUNT(*) FROM accounts) + n.i
  FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM sessions) AS n
  WHERE sessions.id = n.id;
INSERT INTO status_counter (id, next_index)
  VALUES (0, (SELECT COUNT(*) FROM accounts) + (SELECT COUNT(*) FROM sessions));
