-- One row per rollout file: the metadata derived from it (src/rollout/thread-metadata.ts), its
-- home-relative watermark and its (size, mtime) fingerprint for cheap change detection.
CREATE TABLE threads (
  id TEXT PRIMARY KEY NOT NULL,
  rollout_path TEXT NOT NULL,
  watermark TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  recency_at INTEGER,
  source TEXT NOT NULL,
  source_kind TEXT NOT NULL,
  model_provider TEXT,
  model TEXT,
  reasoning_effort TEXT,
  cwd TEXT NOT NULL DEFAULT '',
  cli_version TEXT NOT NULL DEFAULT '',
  originator TEXT,
  first_user_message TEXT NOT NULL DEFAULT '',
  preview TEXT NOT NULL DEFAULT '',
  title TEXT NOT NULL DEFAULT '',
  name TEXT,
  git_sha TEXT,
  git_branch TEXT,
  git_origin_url TEXT,
  tokens_used INTEGER NOT NULL DEFAULT 0,
  archived INTEGER NOT NULL DEFAULT 0,
  archived_at INTEGER,
  forked_from_id TEXT,
  session_id TEXT,
  agent_nickname TEXT,
  agent_role TEXT,
  agent_path TEXT,
  thread_source TEXT,
  history_mode TEXT NOT NULL DEFAULT 'legacy',
  approval_mode TEXT,
  sandbox_policy TEXT,
  has_dynamic_tools INTEGER NOT NULL DEFAULT 0,
  has_session_meta INTEGER NOT NULL DEFAULT 0,
  has_user_message INTEGER NOT NULL DEFAULT 0,
  -- has_session_meta AND preview <> '': the list visibility rule, kept as a column so the list
  -- indexes can be partial on it.
  listable INTEGER NOT NULL DEFAULT 0,
  file_size INTEGER NOT NULL DEFAULT 0,
  file_mtime_ms REAL NOT NULL DEFAULT 0,
  indexed_at_ms INTEGER NOT NULL DEFAULT 0
);

-- The list queries: archived = ?, listable = 1, ORDER BY <key>, id (either direction).
CREATE INDEX threads_list_created ON threads (archived, created_at DESC, id DESC) WHERE listable = 1;
CREATE INDEX threads_list_updated ON threads (archived, updated_at_ms DESC, id DESC) WHERE listable = 1;
-- The same with one exact cwd.
CREATE INDEX threads_list_cwd_created ON threads (archived, cwd, created_at DESC, id DESC) WHERE listable = 1;
CREATE INDEX threads_list_cwd_updated ON threads (archived, cwd, updated_at_ms DESC, id DESC) WHERE listable = 1;
-- Lookups by file.
CREATE INDEX threads_rollout_path ON threads (rollout_path);
CREATE INDEX threads_watermark ON threads (watermark);
