-- Password checks in progress, counted before the hash is compared (at most a counter's
-- free attempts at once, then one at a time); `checking_until` forgets the checks of an
-- instance that stopped before ending them.
ALTER TABLE attempts ADD COLUMN checking INTEGER NOT NULL DEFAULT 0;
ALTER TABLE attempts ADD COLUMN checking_until INTEGER;
