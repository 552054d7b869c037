// One SQLite connection with threadstate's settings: WAL, synchronous=NORMAL, foreign keys, a busy
// timeout, bounded retry with jitter on SQLITE_BUSY, short BEGIN IMMEDIATE write transactions and
// a per-connection prepared-statement cache.

import { statSync } from 'node:fs';
import { DatabaseSync, type StatementSync, type SQLInputValue } from 'node:sqlite';
import { logger } from '../logs/logger.ts';
import { startBackgroundCheckpoints, type BackgroundCheckpointer } from './background-checkpoint.ts';

const log = logger('sqlite.db');

export const BUSY_TIMEOUT_MS = 5000;
const BUSY_RETRIES = 8;

export interface OpenOptions {
  readOnly?: boolean;
  /** Busy timeout in ms (node:sqlite defaults to 0). */
  timeoutMs?: number;
}

/** WAL pages between checkpoints during a bulk load without a checkpoint worker (~32 MB). */
const BULK_CHECKPOINT_PAGES = 8000;
/** A WAL this big during a bulk load makes the writer wait for the checkpoint worker to catch up (settleWal). */
const BULK_WAL_BYTES = 32 * 1024 * 1024;
/** A WAL this big during a bulk load starts the checkpoint worker (settleWal). */
const BACKGROUND_CHECKPOINT_BYTES = 4 * 1024 * 1024;

/** A bulk load in progress: its checkpoint worker, once started; `onCommit` when SQLite's own checkpoints serve instead. */
interface BulkLoad {
  checkpointer: BackgroundCheckpointer | null;
  onCommit: boolean;
}

/** The WAL file is truncated to this after a checkpoint (SQLite otherwise keeps its largest size). */
const WAL_SIZE_LIMIT_BYTES = 4 * 1024 * 1024;

export class Database {
  readonly path: string;
  readonly raw: DatabaseSync;
  private readonly statements = new Map<string, StatementSync>();
  private depth = 0;
  private bulk: BulkLoad | null = null;

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
   * Runs `fn` (a long series of write transactions: a backfill) with the WAL checkpointed by a
   * worker thread (background-checkpoint.ts) instead of inside the commits: a checkpoint (copy and
   * fsync) ran in whichever commit crossed the threshold, 55-150 ms during which no request was
   * answered. `fn` calls settleWal() between its transactions: the worker starts once the WAL holds
   * BACKGROUND_CHECKPOINT_BYTES (a small load never pays for a thread), and the writer waits for it
   * at BULK_WAL_BYTES. Where no worker can run (an in-memory database, a failed worker), checkpoints
   * run on commit every BULK_CHECKPOINT_PAGES instead of SQLite's 1000: pages rewritten by many
   * batches (B-tree and FTS segment pages) are copied once per checkpoint, not once per 4 MB of WAL.
   */
  async bulkLoad<T>(fn: () => Promise<T>): Promise<T> {
    const onDisk = this.path !== ':memory:' && this.path !== '';
    this.raw.exec(`PRAGMA wal_autocheckpoint = ${onDisk ? 0 : BULK_CHECKPOINT_PAGES}`);
    const bulk: BulkLoad = { checkpointer: null, onCommit: !onDisk };
    this.bulk = bulk;
    try {
      return await fn();
    } finally {
      this.bulk = null;
      await bulk.checkpointer?.stop();
      this.raw.exec('PRAGMA wal_autocheckpoint = 1000');
      try {
        this.raw.exec('PRAGMA wal_checkpoint(PASSIVE)');
      } catch {
        // Readers or another writer in the way: the next automatic checkpoint catches up.
      }
    }
  }

  /**
   * For a bulk load's writer, between its transactions: starts the checkpoint worker once the WAL
   * is big enough to be worth one, and once the WAL has grown past BULK_WAL_BYTES waits (without
   * blocking the thread) until the worker has copied all of it, so the next commit starts the WAL
   * over: a writer that commits every few ms would otherwise keep a checkpoint from ever catching
   * up. Does nothing outside a bulk load.
   */
  async settleWal(): Promise<void> {
    const bulk = this.bulk;
    if (!bulk || bulk.onCommit) return;
    let bytes = 0;
    try {
      bytes = statSync(`${this.path}-wal`).size;
    } catch {
      return;
    }
    if (bytes >= BACKGROUND_CHECKPOINT_BYTES && !bulk.checkpointer) {
      bulk.checkpointer = startBackgroundCheckpoints(this.path, () => {
        bulk.onCommit = true;
        if (this.bulk === bulk && this.raw.isOpen) this.raw.exec(`PRAGMA wal_autocheckpoint = ${BULK_CHECKPOINT_PAGES}`);
      });
    }
    if (bytes >= BULK_WAL_BYTES) await bulk.checkpointer?.catchUp();
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
