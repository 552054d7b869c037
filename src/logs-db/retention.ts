// Keeps the logs database bounded: per-partition byte caps (enforced inside the insert transaction),
// an age limit (applied in small chunks from start-up on), incremental vacuum so pruned pages go
// back to the filesystem, and TRUNCATE checkpoints so the -wal file does not grow without bound.
//
// These functions step statements directly instead of going through Database.run(): its busy retry
// sleeps synchronously, and the log writer must never hold up the event loop waiting for a lock.

import { statSync } from 'node:fs';
import type { Database } from '../sqlite/db.ts';

export interface RetentionOptions {
  /** Byte cap per partition (one per thread id; one per process for thread-less rows). */
  partitionCapBytes: number;
  /** Rows older than this are deleted, starting at start-up. */
  maxAgeMs: number;
  /** A TRUNCATE checkpoint runs once the -wal file is larger than this. */
  walLimitBytes: number;
}

export const DEFAULT_RETENTION: RetentionOptions = {
  partitionCapBytes: 10 * 1024 * 1024,
  maxAgeMs: 10 * 24 * 60 * 60 * 1000,
  walLimitBytes: 4 * 1024 * 1024,
};

/**
 * A partition over its cap is cut to this fraction of the cap, so that a partition sitting at its
 * cap is not walked again by every following batch.
 */
const PRUNE_TO_FRACTION = 0.9;

export function partitionKey(threadId: string | null, processUuid: string): string {
  return threadId !== null ? `t:${threadId}` : `p:${processUuid}`;
}

/** Adds (or, negative, subtracts) bytes to partition totals. Call inside the write transaction. */
export function addPartitionBytes(db: Database, deltas: Map<string, number>): void {
  const stmt = db.statement(`INSERT INTO log_partition_bytes (partition_key, bytes) VALUES (?, ?)
    ON CONFLICT (partition_key) DO UPDATE SET bytes = bytes + excluded.bytes`);
  for (const [key, delta] of deltas) if (delta !== 0) stmt.run(key, delta);
}

// Rows of one partition newest first (highest id first), with the running byte total.
const CUMULATIVE = 'SUM(estimated_bytes) OVER (ORDER BY id DESC)';
const PRUNE_THREAD_SQL = `DELETE FROM logs WHERE id IN (
  SELECT id FROM (SELECT id, ${CUMULATIVE} AS cum FROM logs WHERE thread_id = ?) WHERE cum > ?)
  RETURNING estimated_bytes`;
const PRUNE_PROCESS_SQL = `DELETE FROM logs WHERE id IN (
  SELECT id FROM (SELECT id, ${CUMULATIVE} AS cum FROM logs WHERE thread_id IS NULL AND process_uuid = ?) WHERE cum > ?)
  RETURNING estimated_bytes`;

/**
 * For each partition key over `capBytes`, deletes its rows beyond the cap counted newest first.
 * Call inside the insert transaction. Returns the number of rows deleted.
 */
export function prunePartitions(db: Database, keys: Iterable<string>, capBytes: number): number {
  let deleted = 0;
  const keep = Math.floor(capBytes * PRUNE_TO_FRACTION);
  const freed = new Map<string, number>();
  for (const key of keys) {
    const row = db.statement('SELECT bytes FROM log_partition_bytes WHERE partition_key = ?').get(key) as { bytes: number } | undefined;
    if (!row || row.bytes <= capBytes) continue;
    const sql = key.startsWith('t:') ? PRUNE_THREAD_SQL : PRUNE_PROCESS_SQL;
    const gone = db.statement(sql).all(key.slice(2), keep) as { estimated_bytes: number }[];
    deleted += gone.length;
    freed.set(key, -gone.reduce((sum, r) => sum + Number(r.estimated_bytes), 0));
  }
  addPartitionBytes(db, freed);
  return deleted;
}

/**
 * Deletes up to `chunkRows` rows older than `cutoffSeconds` in one transaction, so a large backlog
 * is removed in steps that never hold the write lock for long. Returns the number deleted (0 = done).
 */
export function pruneOlderThan(db: Database, cutoffSeconds: number, chunkRows = 5000): number {
  db.raw.exec('BEGIN IMMEDIATE');
  try {
    const gone = db
      .statement(`DELETE FROM logs WHERE id IN (SELECT id FROM logs WHERE ts < ? ORDER BY ts ASC LIMIT ?)
        RETURNING thread_id, process_uuid, estimated_bytes`)
      .all(cutoffSeconds, chunkRows) as { thread_id: string | null; process_uuid: string; estimated_bytes: number }[];
    const freed = new Map<string, number>();
    for (const r of gone) {
      const key = partitionKey(r.thread_id, r.process_uuid);
      freed.set(key, (freed.get(key) ?? 0) - Number(r.estimated_bytes));
    }
    addPartitionBytes(db, freed);
    if (gone.length < chunkRows) db.statement('DELETE FROM log_partition_bytes WHERE bytes <= 0').run();
    db.raw.exec('COMMIT');
    return gone.length;
  } catch (err) {
    rollbackQuietly(db);
    throw err;
  }
}

/** Returns free pages to the filesystem (the file shrinks). Needs auto_vacuum=INCREMENTAL. */
export function reclaimFreePages(db: Database, minFreePages = 1): number {
  const free = Number((db.statement('PRAGMA freelist_count').get() as { freelist_count: number }).freelist_count);
  if (free < minFreePages) return 0;
  // incremental_vacuum returns one row per page freed; stepping them all performs the work.
  db.statement('PRAGMA incremental_vacuum').all();
  return free;
}

/**
 * Checkpoints and truncates the -wal file once it is larger than `limitBytes`. A reader that is
 * still using old WAL frames makes the checkpoint report busy; the next call tries again.
 */
export function checkpointIfWalLarge(db: Database, limitBytes: number): boolean {
  let size: number;
  try {
    size = statSync(`${db.path}-wal`).size;
  } catch {
    return false;
  }
  if (size <= limitBytes) return false;
  const result = db.statement('PRAGMA wal_checkpoint(TRUNCATE)').get() as { busy: number } | undefined;
  return result !== undefined && Number(result.busy) === 0;
}

export function rollbackQuietly(db: Database): void {
  try {
    db.raw.exec('ROLLBACK');
  } catch {
    // No transaction left to roll back.
  }
}
