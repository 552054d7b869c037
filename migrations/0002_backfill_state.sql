-- The singleton that tracks the import of rollout files, with an owned, expiring lease so exactly
-- one process backfills and a dead owner is detected at once instead of after a long timeout.
-- All times are Unix milliseconds.
CREATE TABLE backfill_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'complete')),
  last_watermark TEXT,
  last_success_at INTEGER,
  updated_at INTEGER NOT NULL,
  lease_owner TEXT,
  lease_expires_at INTEGER
);

INSERT INTO backfill_state (id, status, last_watermark, last_success_at, updated_at)
VALUES (1, 'pending', NULL, NULL, CAST(unixepoch('subsec') * 1000 AS INTEGER))
ON CONFLICT(id) DO NOTHING;
