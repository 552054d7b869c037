-- Per-thread memory summaries (threadstate's own; journaled to a file in the home as well).
CREATE TABLE thread_memory (
  thread_id TEXT PRIMARY KEY NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
  trace_summary TEXT NOT NULL,
  memory_summary TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE INDEX thread_memory_recent ON thread_memory (updated_at DESC, thread_id DESC);
