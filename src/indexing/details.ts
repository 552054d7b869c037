// Phase 2 of indexing: every row that phase 1 (the backfill's head reads) left details-pending is
// read in full for its turn-derived fields and search text, in watermark order like the one-pass
// backfill (so search documents get their keys in the same order: thread/search's rank window takes
// the highest keys as the most recently written threads). Small files (most of them) are read with
// blocking calls and written one by one inside a transaction that commits after BLOCKING_SLICE_MS
// or 50 files, so nothing read is held for long; a big file or a fork is read asynchronously (a
// chunk at a time) and written in its own. Between transactions the pass yields, so a server keeps
// answering. The queue is the rows themselves, so an interrupted pass resumes where it stopped at
// the next start. Two processes may work the queue at once: a row is only written while
// it is still pending at the same path, so the second write of a row is skipped, never doubled.

import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { errorMessage } from '../errors.ts';
import { logger } from '../logs/logger.ts';
import { HeapGrowthBound, shrinkYoungGeneration } from '../heap.ts';
import { batchesOf, type IndexProgress } from './backfill.ts';
import type { Database } from '../sqlite/db.ts';
import { optimizeSearchIndex } from '../state/search-index.ts';
import { BLOCKING_READ_BYTES, extractFiles, recordFailure, writeExtracted, type ExtractedFile } from './indexer.ts';
import { defaultRolloutSource, type Extracted, type RolloutSource } from './rollout-source.ts';
import type { RolloutFile } from './walk.ts';
import type { ThreadRow } from '../state/threads.ts';

const log = logger('indexing.details');

/**
 * Rows taken from the queue at a time. Phase 2 commits smaller batches than phase 1: FTS5's pending
 * terms are held until the commit, and 200 full reads per transaction cost ~30 MB more peak memory
 * on a real-sized home for no measurable speed.
 */
export const DETAILS_BATCH_SIZE = 50;
export const DETAILS_BATCH_BYTES = 8 * 1024 * 1024;
/** The old generation may grow this much (garbage promoted from the reads) before a major collection (heap.ts). */
export const DETAILS_HEAP_GROWTH_BYTES = 8 * 1024 * 1024;
/**
 * Small files are read and written inside one transaction for about this long before it commits
 * and requests are answered (a file predicted to cross it waits for the next slice). A request that
 * arrives meanwhile waits for the rest of the slice: on the 10k home (load ~3) `thread/list`
 * answered during phase 2 in p95 20-22 ms with 15 ms slices, 11-13 ms with 4 ms, 9-10 ms with 2 ms.
 * Short slices cost little now that commits no longer checkpoint (see Database.bulkLoad).
 */
export const BLOCKING_SLICE_MS = 2;
/** A pass over at least this many bytes of rollouts first shrinks the young generation (heap.ts). */
export const BULK_READ_BYTES = 64 * 1024 * 1024;
/** A pass that wrote at least this many search documents ends by merging the full-text index. */
export const OPTIMIZE_AFTER_DOCUMENTS = 500;

export interface DetailsOptions {
  source?: RolloutSource;
  batchSize?: number;
  batchBytes?: number;
  signal?: AbortSignal;
  onProgress?: (progress: IndexProgress) => void;
  /** Merge the full-text index at the end when at least this many documents were written (default OPTIMIZE_AFTER_DOCUMENTS). */
  optimizeAfter?: number;
}

export interface DetailsResult {
  outcome: 'complete' | 'stopped';
  /** Rows read in full and written. */
  indexed: number;
  /** Rows whose rollout could not be read: recorded in index_failures, their list fields kept. */
  failed: number;
  /** Rows that changed under the pass (deleted, moved, done by another process): left alone. */
  skipped: number;
  durationMs: number;
}

interface PendingRow {
  id: string;
  rollout_path: string;
  watermark: string;
  archived: number;
  file_size: number;
  file_mtime_ms: number;
}

/** Rows waiting for phase 2, and their rollouts' bytes. */
export function countDetailsPending(db: Database): { threads: number; bytes: number } {
  const row = db.get<{ n: number; bytes: number | null }>('SELECT COUNT(*) AS n, SUM(file_size) AS bytes FROM threads WHERE details_pending = 1');
  return { threads: row?.n ?? 0, bytes: row?.bytes ?? 0 };
}

function nextPending(db: Database, limit: number): RolloutFile[] {
  return db.all<PendingRow>(
    `SELECT id, rollout_path, watermark, archived, file_size, file_mtime_ms FROM threads INDEXED BY threads_details_pending
     WHERE details_pending = 1 ORDER BY watermark LIMIT ?`,
    limit,
  ).map((r) => ({ path: r.rollout_path, watermark: r.watermark, id: r.id, archived: r.archived === 1, size: r.file_size, mtimeMs: r.file_mtime_ms }));
}

/**
 * Writes one fully read rollout over its list-fields row, unless the row changed meanwhile (then
 * false). Must run inside a transaction. The building block of the pass, and what a caller that
 * indexes single files (a file watcher) uses for a row phase 1 wrote.
 */
export function writeDetails(db: Database, item: ExtractedFile, nowMs: number = Date.now()): 'indexed' | 'failed' | 'skipped' {
  const still = db.get<ThreadRow>('SELECT * FROM threads WHERE id = ? AND details_pending = 1 AND rollout_path = ?', item.file.id, item.file.path);
  if (!still) return 'skipped';
  if (item.extracted.metadata === null) {
    recordFailure(db, item.file, item.extracted.error ?? 'unknown error', nowMs);
    db.run('UPDATE threads SET details_pending = 0 WHERE id = ?', item.file.id);
    return 'failed';
  }
  // Names are never taken from a snapshot here: the row keeps its own (see threads.ts).
  writeExtracted(db, item, new Map(), nowMs, still);
  return 'indexed';
}

/** How long a full read and write takes per byte of rollout, learned as the pass goes (ms). */
interface ReadCost {
  msPerByte: number;
}

/**
 * Writes the files of `batch` from `from` on, each read with a blocking call and written at once,
 * inside the caller's transaction, until one needs an asynchronous read (a big file, a fork), or
 * `deadline` (performance.now()) passed, or the next file would take it past the deadline by the
 * cost per byte seen so far (a slice always takes one file). Returns the index of the first file
 * not written, and for a fork there (its own file already read) the promise of its read's result.
 */
function writeSmallFiles(db: Database, source: RolloutSource, codexHome: string, batch: RolloutFile[], from: number, deadline: number, cost: ReadCost, result: DetailsResult): { next: number; fork: Promise<Extracted> | null } {
  let i = from;
  for (; i < batch.length; i++) {
    const file = batch[i];
    const started = performance.now();
    if (i > from && started + file.size * cost.msPerByte > deadline) break;
    if (!source.extractSync || file.size > BLOCKING_READ_BYTES) break;
    const extracted = source.extractSync(file.path, codexHome, file.archived);
    if (extracted === null) break;
    if (extracted instanceof Promise) {
      // Settled as extractFiles settles a failed read: an error to record, never a rejection.
      return { next: i, fork: extracted.catch((err: unknown) => ({ metadata: null, error: errorMessage(err) })) };
    }
    if (extracted.error) log.warn('failed to read rollout in full', { path: file.path, error: extracted.error });
    result[writeDetails(db, { file, extracted }, Date.now())]++;
    if (file.size > 0) cost.msPerByte = 0.8 * cost.msPerByte + 0.2 * ((performance.now() - started) / file.size);
  }
  return { next: i, fork: null };
}

export async function runDetailsPass(db: Database, codexHome: string, options: DetailsOptions = {}): Promise<DetailsResult> {
  const started = Date.now();
  const source = options.source ?? defaultRolloutSource;
  const batchSize = options.batchSize ?? DETAILS_BATCH_SIZE;
  const batchBytes = options.batchBytes ?? DETAILS_BATCH_BYTES;
  const result: DetailsResult = { outcome: 'complete', indexed: 0, failed: 0, skipped: 0, durationMs: 0 };
  const pending = countDetailsPending(db);
  if (pending.threads === 0) return result;
  const progress: IndexProgress = { filesDone: 0, filesTotal: pending.threads, bytesDone: 0, bytesTotal: pending.bytes };
  log.info('reading threads in full for their turns and search text', { threads: pending.threads, bytes: pending.bytes });
  options.onProgress?.({ ...progress });
  if (pending.bytes >= BULK_READ_BYTES) shrinkYoungGeneration();
  const heap = new HeapGrowthBound(DETAILS_HEAP_GROWTH_BYTES);
  const cost: ReadCost = { msPerByte: 1e-5 };
  const done = (files: RolloutFile[]): void => {
    progress.filesDone += files.length;
    progress.bytesDone += files.reduce((n, f) => n + f.size, 0);
    // Rows phase 1 added meanwhile (a reconcile, another process) join the count.
    progress.filesTotal = Math.max(progress.filesTotal, progress.filesDone);
    progress.bytesTotal = Math.max(progress.bytesTotal, progress.bytesDone);
    options.onProgress?.({ ...progress });
  };
  await db.bulkLoad(async () => {
    for (;;) {
      if (options.signal?.aborted) {
        result.outcome = 'stopped';
        return;
      }
      const [batch] = batchesOf(nextPending(db, batchSize), batchSize, batchBytes);
      if (!batch) return;
      // A fork a slice stopped at: its file was read, its lineage's heads are being read.
      let fork: { index: number; extracted: Promise<Extracted> } | null = null;
      for (let i = 0; i < batch.length;) {
        // Small files are read and written one by one in the transaction: a batch's results held
        // until its commit lived long enough to be promoted, and then filled the old generation.
        const deadline = performance.now() + BLOCKING_SLICE_MS;
        let next = i;
        if (fork?.index !== i && source.extractSync && batch[i].size <= BLOCKING_READ_BYTES) {
          const slice = db.transaction(() => writeSmallFiles(db, source, codexHome, batch, i, deadline, cost, result));
          next = slice.next;
          if (slice.fork) fork = { index: next, extracted: slice.fork };
        }
        if (next === i) {
          // A big file (read a chunk at a time, answering requests between chunks) or a fork.
          const [item] = fork?.index === i ? [{ file: batch[i], extracted: await fork.extracted }] : await extractFiles(source, codexHome, [batch[i]], 1);
          fork = null;
          if (item.extracted.error) log.warn('failed to read rollout in full', { path: item.file.path, error: item.extracted.error });
          db.transaction(() => {
            result[writeDetails(db, item, Date.now())]++;
          });
          next = i + 1;
        }
        done(batch.slice(i, next));
        i = next;
        heap.check();
        await yieldToEventLoop();
        db.settleWal();
      }
    }
  });
  if (result.outcome === 'complete' && result.indexed >= (options.optimizeAfter ?? OPTIMIZE_AFTER_DOCUMENTS)) db.transaction(() => optimizeSearchIndex(db));
  result.durationMs = Date.now() - started;
  log.info('turns and search text indexed', { ...result });
  return result;
}
