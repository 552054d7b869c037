// One SQLite connection with threadstate's settings: WAL, synchronous=NORMAL, foreign keys, a busy
// timeout, bounded retry with jitter on SQLITE_BUSY, short BEGIN IMMEDIATE write transactions and
// a per-connection prepared-statement cache.

import { statSync } from 'node:fs';
import { DatabaseSync, type StatementSync, type SQLInputValue } from 'node:sqlite';
import { logger } from '../logs/logger.ts';

const log = logger('sqlite.db');

export const BUSY_TIMEOUT_MS = 5000;
const BUSY_RETRIES = 8;

export interface OpenOptions {
  readOnly?: boolean;
  /** Busy timeout in ms (node:sqlite defaults to 0). */
  timeoutMs?: number;
}

/**
 * During a bulk load, the writer checkpoints between its transactions once the WAL holds this much:
 * each checkpoint (copy and fsync) delays the requests that arrive meanwhile. On the 10k home,
 * `thread/list` during phase 2 answered in p95 ~18 ms with 6 MB, ~15 with 4 MB, ~12 with 2 MB;
 * 1 MB was no faster and cost 10-30% more CPU (pages rewritten by many transactions, B-tree and
 * FTS segment pages, are copied once per checkpoint).
 */
const BULK_CHECKPOINT_WAL_BYTES = 2 * 1024 * 1024;
/** During a bulk load the restarted WAL is cut back to this, below BULK_CHECKPOINT_WAL_BYTES, so its size tells how much it holds. */
const BULK_WAL_SIZE_LIMIT_BYTES = 1024 * 1024;

/** The WAL file is truncated to this after a checkpoint (SQLite otherwise keeps its largest size). */
const WAL_SIZE_LIMIT_BYTES = 4 * 1024 * 1024;

export class Database {
  readonly path: string;
  readonly raw: DatabaseSync;
  private readonly statements = new Map<string, StatementSync>();
  private depth = 0;
  private bulkLoading = false;

  constructor(path: string, options: OpenOptions = {}) {
    this.path = path;
    this.raw = new DatabaseSync(path, {
      readOnly: options.readOnly ?? false,
      timeout: options.timeoutMs ?? BUSY_TIMEOUT_MS,
      enableForeignKeyConstraints: true,
    });
    try {
      if (!options.readOnly) {
        withBusyRetry(() => this.raw.exec('PRAGMA journal_mode = WAL'));
        this.raw.exec('PRAGMA synchronous = NORMAL');
        // A WAL grown by a bulk load (see bulkLoad) is cut back to this size once checkpointed.
        this.raw.exec(`PRAGMA journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
      }
      this.raw.exec('PRAGMA foreign_keys = ON');
    } catch (err) {
      // e.g. "file is not a database": release the handle so the caller can move the file aside.
      this.raw.close();
      throw err;
    }
  }

  /**
   * Runs `fn` (a long series of write transactions: a backfill) with no checkpoint inside its
   * commits: SQLite's automatic checkpoint ran in whichever commit crossed 1000 pages, copying and
   * fsyncing for up to 150 ms while no request was answered. `fn` calls settleWal() between its
   * transactions instead, right after it let the event loop answer what had arrived.
   */
  async bulkLoad<T>(fn: () => Promise<T>): Promise<T> {
    const onDisk = this.path !== ':memory:' && this.path !== '';
    if (!onDisk) return fn();
    this.raw.exec('PRAGMA wal_autocheckpoint = 0');
    this.raw.exec(`PRAGMA journal_size_limit = ${BULK_WAL_SIZE_LIMIT_BYTES}`);
    this.bulkLoading = true;
    try {
      return await fn();
    } finally {
      this.bulkLoading = false;
      this.raw.exec('PRAGMA wal_autocheckpoint = 1000');
      this.raw.exec(`PRAGMA journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
      this.checkpointPassive();
    }
  }

  /**
   * For a bulk load's writer, between its transactions: once the WAL holds BULK_CHECKPOINT_WAL_BYTES,
   * checkpoints it on this connection (PASSIVE: a reader in the way only shortens it; the next call
   * goes on from there), so the next commit starts the WAL over. Does nothing outside a bulk load.
   */
  settleWal(): void {
    if (!this.bulkLoading) return;
    let bytes = 0;
    try {
      bytes = statSync(`${this.path}-wal`).size;
    } catch {
      return;
    }
    if (bytes >= BULK_CHECKPOINT_WAL_BYTES) this.checkpointPassive();
  }

  private checkpointPassive(): void {
    try {
      this.raw.exec('PRAGMA wal_checkpoint(PASSIVE)');
    } catch {
      // Readers or another writer in the way: the next checkpoint catches up.
    }
  }

  /** A prepared statement, cached per SQL text for the life of the connection. */
  statement(sql: string): StatementSync {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.raw.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  all<T>(sql: string, ...params: SQLInputValue[]): T[] {
    return withBusyRetry(() => this.statement(sql).all(...params)) as T[];
  }

  get<T>(sql: string, ...params: SQLInputValue[]): T | undefined {
    return withBusyRetry(() => this.statement(sql).get(...params)) as T | undefined;
  }

  run(sql: string, ...params: SQLInputValue[]): { changes: number; lastInsertRowid: number } {
    const result = withBusyRetry(() => this.statement(sql).run(...params));
    return { changes: Number(result.changes), lastInsertRowid: Number(result.lastInsertRowid) };
  }

  exec(sql: string): void {
    withBusyRetry(() => this.raw.exec(sql));
  }

  /**
   * Runs `fn` inside one BEGIN IMMEDIATE transaction (nested calls join the outer one). `fn` must
   * be synchronous: node:sqlite has no async transactions, and an await inside would let other
   * work interleave with an open write lock.
   */
  transaction<T>(fn: () => T extends Promise<unknown> ? never : T): T {
    if (this.depth > 0) {
      this.depth++;
      try {
        return fn();
      } finally {
        this.depth--;
      }
    }
    withBusyRetry(() => this.raw.exec('BEGIN IMMEDIATE'));
    this.depth = 1;
    try {
      const result = fn();
      withBusyRetry(() => this.raw.exec('COMMIT'));
      return result;
    } catch (err) {
      try {
        this.raw.exec('ROLLBACK');
      } catch {
        // The transaction may already be gone (e.g. SQLite rolled it back itself).
      }
      throw err;
    } finally {
      this.depth = 0;
    }
  }

  close(): void {
    this.statements.clear();
    try {
      this.raw.close();
    } catch {
      // Already closed.
    }
  }
}

export function isBusyError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const e = err as Error & { errcode?: number; errstr?: string };
  // SQLITE_BUSY = 5, SQLITE_LOCKED = 6 (extended codes keep the primary code in the low byte).
  const primary = typeof e.errcode === 'number' ? e.errcode & 0xff : -1;
  return primary === 5 || primary === 6 || /database is (locked|busy)/i.test(e.message);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Retries `fn` on SQLITE_BUSY with jittered backoff. The busy timeout already waits inside SQLite;
 * this covers the cases it does not (a BEGIN IMMEDIATE upgrade, a WAL recovery in another process).
 */
export function withBusyRetry<T>(fn: () => T): T {
  for (let attempt = 0; ; attempt++) {
    try {
      return fn();
    } catch (err) {
      if (!isBusyError(err) || attempt >= BUSY_RETRIES) throw err;
      const delay = Math.min(200, 5 * 2 ** attempt) * (0.5 + Math.random());
      log.debug('database busy, retrying', { attempt: attempt + 1, delayMs: Math.round(delay) });
      sleepSync(delay);
    }
  }
}
