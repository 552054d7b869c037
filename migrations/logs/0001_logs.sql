-- threadstate's own log records. `ts` is Unix seconds, `ts_nanos` the sub-second part. Ids grow
-- in commit order, so "newest" (for the tail client and the partition caps) means highest id.
-- `estimated_bytes` is what a row counts against its partition's byte cap.
CREATE TABLE logs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ts INTEGER NOT NULL,
  ts_nanos INTEGER NOT NULL,
  level TEXT NOT NULL,
  target TEXT NOT NULL,
  file TEXT,
  line INTEGER,
  message TEXT NOT NULL,
  fields_json TEXT,
  thread_id TEXT,
  process_id INTEGER NOT NULL,
  process_uuid TEXT NOT NULL,
  estimated_bytes INTEGER NOT NULL DEFAULT 0
);

-- Age pruning and --from/--to.
CREATE INDEX logs_ts ON logs (ts);
-- The two kinds of partition (a thread; the thread-less rows of one process). An index entry ends
-- with the rowid, so each is also walked newest first by id: the cap pruning and --thread-id.
CREATE INDEX logs_thread ON logs (thread_id) WHERE thread_id IS NOT NULL;
CREATE INDEX logs_process_threadless ON logs (process_uuid) WHERE thread_id IS NULL;

-- Running byte total per partition, updated by the writer in the same transaction as the rows, so
-- a batch only walks a partition that is actually over its cap. Key: 't:' || thread_id, else
-- 'p:' || process_uuid.
CREATE TABLE log_partition_bytes (
  partition_key TEXT PRIMARY KEY,
  bytes INTEGER NOT NULL
) WITHOUT ROWID;
