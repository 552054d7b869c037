-- threadstate's own log records. `ts` is Unix seconds, `ts_nanos` the sub-second part.
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

-- Time-ordered scans (age pruning, time-range filters).
CREATE INDEX logs_ts ON logs (ts DESC, ts_nanos DESC, id DESC);
-- One partition per thread, and one per process for thread-less rows, each newest first: the cap
-- pruning walks exactly one of these ranges.
CREATE INDEX logs_thread_ts ON logs (thread_id, ts DESC, ts_nanos DESC, id DESC) WHERE thread_id IS NOT NULL;
CREATE INDEX logs_process_threadless_ts ON logs (process_uuid, ts DESC, ts_nanos DESC, id DESC) WHERE thread_id IS NULL;

-- Running byte total per partition, kept by triggers so that a batch only walks a partition when
-- it is actually over its cap. Key: 't:' || thread_id, else 'p:' || process_uuid.
CREATE TABLE log_partition_bytes (
  partition_key TEXT PRIMARY KEY,
  bytes INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER logs_partition_bytes_insert AFTER INSERT ON logs BEGIN
  INSERT INTO log_partition_bytes (partition_key, bytes)
  VALUES (COALESCE('t:' || NEW.thread_id, 'p:' || NEW.process_uuid), NEW.estimated_bytes)
  ON CONFLICT (partition_key) DO UPDATE SET bytes = bytes + excluded.bytes;
END;

CREATE TRIGGER logs_partition_bytes_delete AFTER DELETE ON logs BEGIN
  UPDATE log_partition_bytes SET bytes = bytes - OLD.estimated_bytes
  WHERE partition_key = COALESCE('t:' || OLD.thread_id, 'p:' || OLD.process_uuid);
END;
