-- Rollout files that could not be indexed, keyed by watermark (home-relative path). Retried at
-- every start and removed once the file indexes.
CREATE TABLE index_failures (
  path TEXT PRIMARY KEY NOT NULL,
  error TEXT NOT NULL,
  size INTEGER NOT NULL,
  mtime_ms REAL NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 1,
  first_failed_at INTEGER NOT NULL,
  last_attempt_at INTEGER NOT NULL
);
