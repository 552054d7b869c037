// Sends the logger's records to the logs database: records are queued in memory (bounded, oldest
// dropped first) and written in batches by an unref'd timer, never on the caller's path. When the
// database is locked or broken the server keeps running with stderr logging only, after one WARN.

import { dirname } from 'node:path';
import { UsageError } from '../errors.ts';
import { addLogSink, processUuid, parseLevel, setStderrLevel, type Level, type LogRecord } from '../logs/logger.ts';
import { DEFAULT_RETENTION, checkpointIfWalLarge, pruneOlderThan, reclaimFreePages, type RetentionOptions } from './retention.ts';
import { LogStore, LogsStoreError, classifyOpenError, logsDbPath, removeLegacyLogsDbs, type NewLogRow } from './store.ts';

export interface LogSinkOptions {
  codexHome: string;
  /** Stderr level (from `--log-level`); when absent, THREADSTATE_LOG or INFO stays in force. */
  level?: Level;
  /** Lowest level written to the database. Default DEBUG. */
  storeLevel?: Level;
  /** Database file; default `<codexHome>/threadstate-logs_<N>.sqlite`. */
  dbPath?: string;
  retention?: Partial<RetentionOptions>;
  flushIntervalMs?: number;
  /** Rows per insert transaction; a full batch is written on the next turn of the event loop. */
  batchRows?: number;
  /** Records kept in memory while waiting to be written; beyond it the oldest are dropped. */
  maxQueued?: number;
  busyTimeoutMs?: number;
  /** When the database was locked at start, how long to wait before trying to open it again. */
  reopenAfterMs?: number;
  /**
   * Open the database this long after the start (or at `open()`, whichever comes first) instead of
   * at once; records wait in the queue meanwhile. A server answers its first requests before
   * paying for the open and the migrations check (~5 ms).
   */
  openDelayMs?: number;
  /** Where the sink's own warnings go (default stderr); they never go through the logger. */
  warn?: (line: string) => void;
}

export interface LogSinkStatus {
  state: 'open' | 'waiting' | 'stderr-only' | 'closed';
  queued: number;
  dropped: number;
  written: number;
}

export interface LogSinkHandle {
  readonly dbPath: string;
  /** Writes everything queued now and finishes pending retention work (age pruning, vacuum). */
  flush(): void;
  /** Opens a database whose open was delayed (`openDelayMs`) now and writes what is queued; else nothing. */
  open(): void;
  /** Final flush, then detaches from the logger and closes the database. */
  close(): void;
  status(): LogSinkStatus;
}

const MAX_TEXT_CHARS = 32 * 1024;
const AGE_PRUNE_CHUNK_ROWS = 5000;
/** Free pages (4 KiB each) tolerated before a routine incremental vacuum; flush() frees all. */
const VACUUM_FREE_PAGES = 256;

/** `--log-level` if given (a bad value is a usage error), else THREADSTATE_LOG, else INFO. */
export function resolveLogLevel(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Level {
  if (flag !== undefined) {
    const level = parseLevel(flag);
    if (!level) throw new UsageError(`--log-level expects one of trace, debug, info, warn, error, got '${flag}'`);
    return level;
  }
  return parseLevel(env.THREADSTATE_LOG ?? '') ?? 'INFO';
}

function truncate(text: string): string {
  return text.length <= MAX_TEXT_CHARS ? text : `${text.slice(0, MAX_TEXT_CHARS)}…[${text.length - MAX_TEXT_CHARS} more chars]`;
}

function fieldsJson(fields: Record<string, unknown> | null): string | null {
  if (!fields) return null;
  try {
    return truncate(JSON.stringify(fields, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
  } catch {
    return '"<unserialisable>"';
  }
}

export function recordToRow(record: LogRecord): NewLogRow {
  const message = truncate(record.message);
  const fields = fieldsJson(record.fields);
  const ms = Math.floor(record.tsMs);
  return {
    ts: Math.floor(ms / 1000),
    tsNanos: (ms % 1000) * 1_000_000 + record.tsSubMsNanos,
    level: record.level,
    target: record.target,
    file: record.file,
    line: record.line,
    message,
    fieldsJson: fields,
    threadId: record.threadId,
    processId: process.pid,
    processUuid: processUuid(),
    estimatedBytes:
      Buffer.byteLength(message) + (fields ? Buffer.byteLength(fields) : 0) + record.level.length +
      Buffer.byteLength(record.target) + (record.file ? Buffer.byteLength(record.file) : 0),
  };
}

function stderrWarn(line: string): void {
  try {
    process.stderr.write(line);
  } catch {
    // Nowhere left to report to.
  }
}

export function startLogSink(options: LogSinkOptions): LogSinkHandle {
  if (options.level) setStderrLevel(options.level);
  const dbPath = options.dbPath ?? logsDbPath(options.codexHome);
  const retention: RetentionOptions = { ...DEFAULT_RETENTION, ...options.retention };
  const flushIntervalMs = options.flushIntervalMs ?? 100;
  const batchRows = Math.max(1, options.batchRows ?? 256);
  const maxQueued = Math.max(batchRows, options.maxQueued ?? 10_000);
  const reopenAfterMs = options.reopenAfterMs ?? 5000;
  const warnOut = options.warn ?? stderrWarn;

  let store: LogStore | null = null;
  let state: LogSinkStatus['state'] = 'waiting';
  let queue: NewLogRow[] = [];
  let head = 0;
  let dropped = 0;
  let droppedReported = 0;
  let written = 0;
  let nextOpenAt = 0;
  let agePruneDone = false;
  let prunedSinceVacuum = false;
  let busyWarned = false;
  let immediate: NodeJS.Immediate | null = null;

  const warn = (message: string): void => warnOut(`${new Date().toISOString()} WARN  logs-db.sink - ${message}\n`);

  const goStderrOnly = (message: string): void => {
    warn(`${message}; logging to stderr only`);
    state = 'stderr-only';
    detach();
    queue = [];
    head = 0;
    store?.close();
    store = null;
  };

  let legacyRemoved = false;
  const tryOpen = (): void => {
    if (!legacyRemoved) {
      legacyRemoved = true;
      try {
        removeLegacyLogsDbs(dirname(dbPath));
      } catch {
        // Cleanup is best effort.
      }
    }
    try {
      store = LogStore.open(dbPath, { busyTimeoutMs: options.busyTimeoutMs, walLimitBytes: retention.walLimitBytes });
      state = 'open';
      if (busyWarned) warn(`logs database ${dbPath} is writable again`);
      busyWarned = false;
    } catch (err) {
      const kind = err instanceof LogsStoreError ? err.kind : classifyOpenError(err);
      const reason = err instanceof Error ? err.message : String(err);
      if (kind === 'locked') {
        if (!busyWarned) warn(`${reason} (locked by another process); keeping up to ${maxQueued} records in memory and retrying`);
        busyWarned = true;
        nextOpenAt = Date.now() + reopenAfterMs;
      } else if (kind === 'corrupt') {
        goStderrOnly(`${reason}; delete the file to start a fresh logs database`);
      } else {
        goStderrOnly(reason);
      }
    }
  };

  const queued = (): number => queue.length - head;

  const enqueue = (record: LogRecord): void => {
    queue.push(recordToRow(record));
    if (queued() > maxQueued) {
      head++;
      dropped++;
    }
    if (head > 4096 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    if (queued() >= batchRows && immediate === null && state === 'open') {
      immediate = setImmediate(() => {
        immediate = null;
        writeQueued(1);
      });
      immediate.unref();
    }
  };

  const droppedNotice = (): { row: NewLogRow; count: number } | null => {
    if (dropped === droppedReported) return null;
    const count = dropped - droppedReported;
    const row = recordToRow({
      tsMs: Date.now(), tsSubMsNanos: 0, level: 'WARN', target: 'logs-db.sink', file: null, line: null, threadId: null,
      message: `dropped ${count} log records: the in-memory queue (${maxQueued}) was full`, fields: { dropped: count },
    });
    return { row, count };
  };

  /**
   * Writes queued rows, at most `maxBatches` transactions (a backlog after an outage is written over
   * several ticks rather than in one long stall); false when the database was busy.
   */
  const writeQueued = (maxBatches = Infinity): boolean => {
    if (!store) return false;
    for (let n = 0; n < maxBatches && (queued() > 0 || dropped !== droppedReported); n++) {
      const batch = queue.slice(head, head + batchRows);
      const notice = droppedNotice();
      if (notice) batch.push(notice.row);
      try {
        const result = store.insert(batch, retention.partitionCapBytes);
        if (result.pruned > 0) prunedSinceVacuum = true;
      } catch (err) {
        if (classifyOpenError(err) === 'locked') {
          if (!busyWarned) warn(`logs database ${dbPath} is locked by another process; keeping up to ${maxQueued} records in memory and retrying`);
          busyWarned = true;
          return false;
        }
        goStderrOnly(`cannot write logs database ${dbPath}: ${(err as Error).message}`);
        return false;
      }
      if (busyWarned) warn(`logs database ${dbPath} is writable again`);
      busyWarned = false;
      head += batch.length - (notice ? 1 : 0);
      written += batch.length;
      if (notice) droppedReported += notice.count;
    }
    return true;
  };

  /** Age pruning (a chunk per call, or all of it), vacuum and WAL checkpoint; errors wait for the next tick. */
  const maintain = (complete: boolean): void => {
    if (!store) return;
    try {
      const cutoff = Math.floor((Date.now() - retention.maxAgeMs) / 1000);
      while (!agePruneDone) {
        const deleted = pruneOlderThan(store.db, cutoff, AGE_PRUNE_CHUNK_ROWS);
        if (deleted > 0) prunedSinceVacuum = true;
        if (deleted < AGE_PRUNE_CHUNK_ROWS) agePruneDone = true;
        if (!complete) break;
      }
      if (prunedSinceVacuum && reclaimFreePages(store.db, complete ? 1 : VACUUM_FREE_PAGES) > 0) prunedSinceVacuum = false;
      if (complete) prunedSinceVacuum = false;
      checkpointIfWalLarge(store.db, retention.walLimitBytes);
    } catch {
      // Busy or failing maintenance is retried on the next tick; writes report their own errors.
    }
  };

  const tick = (complete: boolean): void => {
    if (state === 'closed' || state === 'stderr-only') return;
    if (!store) {
      if (!complete && Date.now() < nextOpenAt) return;
      tryOpen();
      if (!store) return;
    }
    if (writeQueued(complete ? Infinity : 8) || complete) maintain(complete);
  };

  const detachSink = addLogSink({ minLevel: options.storeLevel ?? 'DEBUG', write: enqueue });
  let detached = false;
  const detach = (): void => {
    if (!detached) detachSink();
    detached = true;
  };

  if (options.openDelayMs !== undefined && options.openDelayMs > 0) nextOpenAt = Date.now() + options.openDelayMs;
  else tryOpen();

  const timer = setInterval(() => tick(false), flushIntervalMs);
  timer.unref();

  return {
    dbPath,
    flush: () => tick(true),
    open: () => {
      if (store || state !== 'waiting' || nextOpenAt === 0 || busyWarned) return;
      nextOpenAt = 0;
      tick(false);
    },
    close: () => {
      if (state === 'closed') return;
      clearInterval(timer);
      if (immediate) clearImmediate(immediate);
      if (state !== 'stderr-only') {
        if (!store && nextOpenAt !== 0) tryOpen();
        if (store) writeQueued();
      }
      detach();
      store?.close();
      store = null;
      state = 'closed';
    },
    status: () => ({ state, queued: queued(), dropped, written }),
  };
}
