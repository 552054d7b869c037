// The logs database: its own versioned file in the Codex home (`threadstate-logs_<N>.sqlite`), so
// log writes never contend with the thread index, and so no Codex cleanup rule (`logs_<N>.sqlite`)
// matches it. Opening it creates and migrates it; the read-only client uses openLogsReadOnly().

import { existsSync } from 'node:fs';
import { assertRegularOrMissing } from '../files/regular.ts';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOGS_DB_BASENAME, ensureDir, removeOlderDbGenerations, versionedDbFileName } from '../config.ts';
import { Database, isBusyError } from '../sqlite/db.ts';
import { loadMigrations, migrate, type Migration } from '../sqlite/migrate.ts';
import { addPartitionBytes, partitionKey, prunePartitions, rollbackQuietly } from './retention.ts';

/** Bump when a released migration must change in place: the old file is then deleted at start. */
export const LOGS_DB_GENERATION = 1;

/** Busy timeout for the log writer: a locked logs database must not hold up start-up or requests. */
export const LOGS_BUSY_TIMEOUT_MS = 50;

const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/logs/', import.meta.url));
let migrations: Migration[] | null = null;

export function logsDbFileName(generation = LOGS_DB_GENERATION): string {
  return versionedDbFileName(LOGS_DB_BASENAME, generation);
}

export function logsDbPath(codexHome: string): string {
  return join(codexHome, logsDbFileName());
}

/** Deletes threadstate's own logs databases of older generations in `dir` (never Codex's files). */
export function removeLegacyLogsDbs(dir: string, generation = LOGS_DB_GENERATION): string[] {
  return removeOlderDbGenerations(dir, LOGS_DB_BASENAME, generation);
}

export type LogsOpenFailure = 'locked' | 'corrupt' | 'unavailable';

export class LogsStoreError extends Error {
  readonly kind: LogsOpenFailure;
  constructor(kind: LogsOpenFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LogsStoreError';
    this.kind = kind;
  }
}

export function classifyOpenError(err: unknown): LogsOpenFailure {
  if (isBusyError(err)) return 'locked';
  const e = err as { errcode?: number; message?: string };
  const primary = typeof e.errcode === 'number' ? e.errcode & 0xff : -1;
  // SQLITE_CORRUPT = 11, SQLITE_NOTADB = 26.
  if (primary === 11 || primary === 26 || /not a database|malformed/i.test(e.message ?? '')) return 'corrupt';
  return 'unavailable';
}

/** One row as written. `ts` is Unix seconds, `tsNanos` the sub-second part in nanoseconds. */
export interface NewLogRow {
  ts: number;
  tsNanos: number;
  level: string;
  target: string;
  file: string | null;
  line: number | null;
  message: string;
  fieldsJson: string | null;
  threadId: string | null;
  processId: number;
  processUuid: string;
  estimatedBytes: number;
}

const INSERT_SQL = `INSERT INTO logs
  (ts, ts_nanos, level, target, file, line, message, fields_json, thread_id, process_id, process_uuid, estimated_bytes)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

export class LogStore {
  readonly db: Database;

  private constructor(db: Database) {
    this.db = db;
  }

  get path(): string {
    return this.db.path;
  }

  /**
   * Creates (if needed), configures and migrates the logs database at `path`. Fails fast with a
   * LogsStoreError ('locked', 'corrupt' or 'unavailable') instead of waiting on another process.
   */
  static open(path: string, options: { busyTimeoutMs?: number; walLimitBytes?: number } = {}): LogStore {
    const timeout = options.busyTimeoutMs ?? LOGS_BUSY_TIMEOUT_MS;
    let db: Database | null = null;
    try {
      ensureDir(join(path, '..'));
      // SQLite opens these itself: a FIFO or device named like them must never be opened.
      assertRegularOrMissing([path, `${path}-wal`, `${path}-shm`, `${path}-journal`]);
      prepareFile(path, timeout);
      db = new Database(path, { timeoutMs: timeout });
      const walLimit = options.walLimitBytes ?? 4 * 1024 * 1024;
      // After a checkpoint resets the WAL, SQLite truncates the file down to this size.
      db.raw.exec(`PRAGMA journal_size_limit = ${Math.max(0, Math.floor(walLimit))}`);
      migrations ??= loadMigrations(MIGRATIONS_DIR);
      migrate(db, migrations);
      return new LogStore(db);
    } catch (err) {
      db?.close();
      const kind = classifyOpenError(err);
      const reason = err instanceof Error ? err.message : String(err);
      throw new LogsStoreError(kind, `cannot open logs database ${path}: ${reason}`, { cause: err });
    }
  }

  /**
   * Inserts `rows` and enforces the byte cap of every partition they touch, in one transaction.
   * Throws (e.g. SQLITE_BUSY) without retrying: the caller keeps the rows and tries again later.
   */
  insert(rows: readonly NewLogRow[], partitionCapBytes: number): { inserted: number; pruned: number } {
    if (rows.length === 0) return { inserted: 0, pruned: 0 };
    const db = this.db;
    db.raw.exec('BEGIN IMMEDIATE');
    try {
      const stmt = db.statement(INSERT_SQL);
      const added = new Map<string, number>();
      for (const r of rows) {
        stmt.run(r.ts, r.tsNanos, r.level, r.target, r.file, r.line, r.message, r.fieldsJson, r.threadId, r.processId, r.processUuid, r.estimatedBytes);
        const key = partitionKey(r.threadId, r.processUuid);
        added.set(key, (added.get(key) ?? 0) + r.estimatedBytes);
      }
      addPartitionBytes(db, added);
      const pruned = prunePartitions(db, added.keys(), partitionCapBytes);
      db.raw.exec('COMMIT');
      return { inserted: rows.length, pruned };
    } catch (err) {
      rollbackQuietly(db);
      throw err;
    }
  }

  close(): void {
    this.db.close();
  }
}

/**
 * Sets auto_vacuum=INCREMENTAL on a new file (it only takes effect before the first table exists,
 * and Database's constructor switches to WAL first, which would fix the setting at NONE) and
 * checks the file is a database, with one short busy timeout and no retry loop.
 */
function prepareFile(path: string, timeoutMs: number): void {
  const raw = new DatabaseSync(path, { timeout: timeoutMs });
  try {
    raw.prepare('SELECT count(*) AS n FROM sqlite_master').get();
    // On an existing file the setting is fixed already, and asking for it would take a write lock.
    const pages = raw.prepare('PRAGMA page_count').get() as { page_count: number };
    if (Number(pages.page_count) === 0) raw.exec('PRAGMA auto_vacuum = INCREMENTAL');
    raw.exec('PRAGMA journal_mode = WAL');
  } finally {
    raw.close();
  }
}

/** Opens an existing logs database read-only for the client: never creates or migrates it. */
export function openLogsReadOnly(path: string): Database {
  if (!existsSync(path)) throw new LogsStoreError('unavailable', `no logs database at ${path}`);
  let db: Database;
  try {
    db = new Database(path, { readOnly: true });
  } catch (err) {
    throw new LogsStoreError(classifyOpenError(err), `cannot open logs database ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const table = db.get<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'logs'");
    if (!table) throw new LogsStoreError('unavailable', `${path} is not a threadstate logs database (it has no logs table)`);
  } catch (err) {
    db.close();
    if (err instanceof LogsStoreError) throw err;
    throw new LogsStoreError(classifyOpenError(err), `cannot read logs database ${path}: ${(err as Error).message}`, { cause: err });
  }
  return db;
}
