// The resumable import of every rollout into the index. Runs while backfill_state is not
// `complete`: under a lease, in watermark order, 200 files per transaction with a checkpoint in the
// same transaction, yielding to the event loop between batches so a server keeps answering.
// With a source that reads list fields alone (the default one), this is phase 1 of indexing: each
// row holds its head's list fields and waits for phase 2 (details.ts) for the rest.

import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { logger } from '../logs/logger.ts';
import {
  DEFAULT_LEASE_MS, checkpoint, makeLeaseOwner, markComplete, readBackfillState, releaseLease, renewLease, tryClaimLease,
} from '../state/backfill-state.ts';
import type { Database } from '../sqlite/db.ts';
import { DEFAULT_EXTRACT_CONCURRENCY, extractFiles, extractListFields, writeBatch } from './indexer.ts';
import { compareWatermarks, defaultRolloutSource, sortByWatermark, type RolloutSource } from './rollout-source.ts';

const log = logger('indexing.backfill');

export const BACKFILL_BATCH_SIZE = 200;
/**
 * A batch also ends once it holds this many bytes of rollouts: everything extracted from a batch
 * (metadata, search documents) is held until its transaction, so a few huge files must not share one.
 */
export const BACKFILL_BATCH_BYTES = 32 * 1024 * 1024;

/** Consecutive slices of at most `maxFiles` files and, unless a single file is larger, `maxBytes` bytes. */
export function batchesOf<T extends { size: number }>(files: T[], maxFiles: number, maxBytes: number): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const file of files) {
    if (current.length > 0 && (current.length >= maxFiles || bytes + file.size > maxBytes)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(file);
    bytes += file.size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

export interface IndexProgress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface BackfillOptions {
  source?: RolloutSource;
  batchSize?: number;
  /** Bytes of rollouts per batch (default BACKFILL_BATCH_BYTES). */
  batchBytes?: number;
  concurrency?: number;
  /** Stop (keeping the checkpoint) before the next batch once aborted. */
  signal?: AbortSignal;
  /** Stop after this many batches (tests, bounded work slices). */
  maxBatches?: number;
  leaseMs?: number;
  owner?: string;
  onProgress?: (progress: IndexProgress) => void;
}

export type BackfillOutcome = 'complete' | 'already-complete' | 'lease-held' | 'stopped' | 'lease-lost';

export interface BackfillResult {
  outcome: BackfillOutcome;
  scanned: number;
  upserted: number;
  failed: number;
  durationMs: number;
}

class LeaseLost extends Error {}

export async function runBackfill(db: Database, codexHome: string, options: BackfillOptions = {}): Promise<BackfillResult> {
  const started = Date.now();
  const result = (outcome: BackfillOutcome, scanned = 0, upserted = 0, failed = 0): BackfillResult => ({
    outcome, scanned, upserted, failed, durationMs: Date.now() - started,
  });
  const state = readBackfillState(db);
  if (state.status === 'complete') return result('already-complete');
  const owner = options.owner ?? makeLeaseOwner();
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  if (!tryClaimLease(db, owner, { leaseMs })) {
    log.info('state backfill already running; skipping duplicate worker', { owner: readBackfillState(db).leaseOwner });
    return result('lease-held');
  }
  // Renewed in the background as well, so one slow batch (huge files) cannot let the lease lapse.
  const renewer = setInterval(() => {
    try {
      renewLease(db, owner, leaseMs);
    } catch (err) {
      log.warn('could not renew the backfill lease', { error: String(err) });
    }
  }, Math.max(50, Math.floor(leaseMs / 3)));
  renewer.unref();

  const source = options.source ?? defaultRolloutSource;
  const batchSize = options.batchSize ?? BACKFILL_BATCH_SIZE;
  let scanned = 0;
  let upserted = 0;
  let failed = 0;
  try {
    const lastWatermark = readBackfillState(db).lastWatermark;
    const all = sortByWatermark(await source.listRollouts(codexHome));
    const files = lastWatermark === null ? all : all.filter((f) => compareWatermarks(f.watermark, lastWatermark) > 0);
    const names = await source.readNames(codexHome);
    const progress: IndexProgress = {
      filesDone: 0, filesTotal: files.length, bytesDone: 0, bytesTotal: files.reduce((n, f) => n + f.size, 0),
    };
    log.info('state backfill started', { files: files.length, resumeAfter: lastWatermark, codexHome });
    options.onProgress?.({ ...progress });
    let batches = 0;
    // Head reads hold nothing big: only the file count bounds a batch.
    const listOnly = source.extractListFields !== undefined;
    const stopped = await db.bulkLoad(async () => {
      for (const batch of batchesOf(files, batchSize, listOnly ? Infinity : options.batchBytes ?? BACKFILL_BATCH_BYTES)) {
        if (options.signal?.aborted || (options.maxBatches !== undefined && batches >= options.maxBatches)) {
          releaseLease(db, owner);
          log.info('state backfill stopped', { scanned, upserted, failed });
          return true;
        }
        const extracted = listOnly
          ? await extractListFields(source, codexHome, batch)
          : await extractFiles(source, codexHome, batch, options.concurrency ?? DEFAULT_EXTRACT_CONCURRENCY);
        const counts = db.transaction(() => {
          const c = writeBatch(db, extracted, names);
          if (!checkpoint(db, owner, batch[batch.length - 1].watermark, leaseMs)) throw new LeaseLost();
          return c;
        });
        batches++;
        scanned += batch.length;
        upserted += counts.upserted;
        failed += counts.failed;
        for (const item of extracted) {
          if (item.extracted.error) log.warn('failed to index rollout', { path: item.file.path, error: item.extracted.error });
        }
        progress.filesDone += batch.length;
        progress.bytesDone += batch.reduce((n, f) => n + f.size, 0);
        options.onProgress?.({ ...progress });
        await yieldToEventLoop();
        db.settleWal();
      }
      return false;
    });
    if (stopped) return result('stopped', scanned, upserted, failed);
    if (!markComplete(db, owner)) throw new LeaseLost();
    log.info(`state backfill scanned=${scanned}, upserted=${upserted}, failed=${failed}`, { durationMs: Date.now() - started });
    return result('complete', scanned, upserted, failed);
  } catch (err) {
    if (err instanceof LeaseLost) {
      log.warn('state backfill lost its lease to another process; stopping', { owner });
      return result('lease-lost', scanned, upserted, failed);
    }
    try {
      releaseLease(db, owner);
    } catch {
      // the database itself may be what failed
    }
    throw err;
  } finally {
    clearInterval(renewer);
  }
}
