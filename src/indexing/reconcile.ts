// After the backfill is complete, every start walks the rollout directories once and compares each
// file's (path, size, mtime) with its row. Unchanged files are not read. New, changed, restored and
// failed files are re-indexed; files moved by hand (archive/unarchive with `mv`) are re-pointed;
// rows whose file is gone are dropped. The index converges to the disk.

import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { logger } from '../logs/logger.ts';
import { readThreadNamesSync } from '../rollout/session-index.ts';
import type { IndexProgress } from './backfill.ts';
import { BACKFILL_BATCH_BYTES, BACKFILL_BATCH_SIZE, batchesOf } from './backfill.ts';
import { withBusyRetry, type Database } from '../sqlite/db.ts';
import { discrepancies as processDiscrepancies, type DiscrepancyCounter } from './discrepancies.ts';
import { DEFAULT_EXTRACT_CONCURRENCY, extractFiles, writeBatch } from './indexer.ts';
import { defaultRolloutSource, type RolloutSource } from './rollout-source.ts';
import type { RolloutFile } from './walk.ts';

const log = logger('indexing.reconcile');

/** [id, watermark, file_size, file_mtime_ms]: arrays, as this runs over every row at every start. */
type RowFingerprint = [string, string, number, number];

export type IndexReason = 'new' | 'changed' | 'moved' | 'retry_failed';

export interface ReconcilePlan {
  /** Files to read and index, with why. */
  toIndex: Array<{ file: RolloutFile; reason: IndexReason; threadId: string | null }>;
  /** Same content at a new absolute path (a copied or moved home): re-point without reading. */
  toRelocate: Array<{ file: RolloutFile; threadId: string }>;
  /** Rows whose file no longer exists. */
  toDrop: Array<{ threadId: string; path: string }>;
  /** A second file carrying an id whose row already points at another existing file. */
  duplicates: Array<{ file: RolloutFile; threadId: string }>;
  /** Failure records whose file is gone. */
  staleFailures: string[];
  unchanged: number;
  files: number;
}

/** The walked files by watermark, kept as directory -> name -> position (no watermark strings). */
class FilesByWatermark {
  private readonly byDir = new Map<string, Map<string, number>>();

  constructor(files: readonly RolloutFile[]) {
    files.forEach((file, i) => {
      const [dir, name] = file.watermarkParts?.() ?? splitWatermark(file.watermark);
      let names = this.byDir.get(dir);
      if (!names) this.byDir.set(dir, (names = new Map()));
      names.set(name, i);
    });
  }

  get(watermark: string): number | undefined {
    const [dir, name] = splitWatermark(watermark);
    return this.byDir.get(dir)?.get(name);
  }
}

function splitWatermark(watermark: string): [string, string] {
  const at = watermark.lastIndexOf('/');
  return [watermark.slice(0, Math.max(0, at)), watermark.slice(at + 1)];
}

const UNMATCHED = 0;
const UNCHANGED = 1;
const CHANGED = 2;
const RELOCATE = 3;

/**
 * Compares the disk with the rows, reading nothing but directory entries and stats. Rows are
 * streamed, not loaded, and each file's verdict is one byte: only the rows that need work
 * (changed, misplaced, gone) are kept, so a 100k home does not hold a second copy of every path
 * at start-up.
 */
export function planReconcile(db: Database, files: RolloutFile[], codexHome?: string): ReconcilePlan {
  // Rows whose absolute path is not where their watermark says (a moved or copied home).
  const misplaced = new Set<string>();
  if (codexHome !== undefined) {
    const home = resolve(codexHome);
    for (const r of db.all<{ id: string; watermark: string; rollout_path: string }>(
      "SELECT id, watermark, rollout_path FROM threads WHERE rollout_path <> ? || '/' || watermark", home,
    )) {
      if (!isAbsolute(r.watermark) && r.rollout_path !== join(home, r.watermark)) misplaced.add(r.id);
    }
  }
  const failures = new Set(db.all<{ path: string }>('SELECT path FROM index_failures').map((r) => r.path));
  const onDisk = new FilesByWatermark(files);
  // Per file: UNMATCHED (no row at its watermark) or the verdict on its row; the row's id when it needs work.
  const verdicts = new Uint8Array(files.length);
  const rowIds = new Map<number, string>();
  /** Rows whose watermark has no file: dropped unless a file elsewhere claims their id. */
  const orphans: RowFingerprint[] = [];
  const stmt = db.raw.prepare('SELECT id, watermark, file_size, file_mtime_ms FROM threads');
  stmt.setReturnArrays(true);
  withBusyRetry(() => {
    verdicts.fill(UNMATCHED);
    rowIds.clear();
    orphans.length = 0;
    for (const raw of stmt.iterate()) {
      const row = raw as unknown as RowFingerprint;
      const at = onDisk.get(row[1]);
      if (at === undefined) {
        orphans.push(row);
        continue;
      }
      const file = files[at];
      const verdict = row[2] !== file.size || row[3] !== file.mtimeMs ? CHANGED : misplaced.has(row[0]) ? RELOCATE : UNCHANGED;
      verdicts[at] = verdict;
      if (verdict !== UNCHANGED) rowIds.set(at, row[0]);
    }
  });
  const plan: ReconcilePlan = { toIndex: [], toRelocate: [], toDrop: [], duplicates: [], staleFailures: [], unchanged: 0, files: files.length };
  const claimed = new Set<string>();
  const byIdStmt = db.raw.prepare('SELECT id, watermark FROM threads WHERE id = ?');
  files.forEach((file, i) => {
    const verdict = verdicts[i];
    if (verdict === UNCHANGED) {
      plan.unchanged++;
      return;
    }
    if (verdict === CHANGED) {
      plan.toIndex.push({ file, reason: 'changed', threadId: rowIds.get(i)! });
      return;
    }
    if (verdict === RELOCATE) {
      plan.toRelocate.push({ file, threadId: rowIds.get(i)! });
      return;
    }
    if (failures.has(file.watermark)) {
      plan.toIndex.push({ file, reason: 'retry_failed', threadId: null });
      return;
    }
    const other = withBusyRetry(() => byIdStmt.get(file.id)) as { id: string; watermark: string } | undefined;
    if (other && onDisk.get(other.watermark) !== undefined) {
      plan.duplicates.push({ file, threadId: file.id });
      return;
    }
    if (other) claimed.add(other.id);
    plan.toIndex.push({ file, reason: other ? 'moved' : 'new', threadId: other ? other.id : null });
  });
  const dropped = orphans.filter((row) => !claimed.has(row[0])).map((row) => row[0]);
  if (dropped.length > 0) {
    const paths = new Map(dropped.map((id) => [id, db.get<{ p: string }>('SELECT rollout_path AS p FROM threads WHERE id = ?', id)?.p ?? '']));
    for (const id of dropped) plan.toDrop.push({ threadId: id, path: paths.get(id) ?? '' });
  }
  for (const path of failures) if (onDisk.get(path) === undefined) plan.staleFailures.push(path);
  return plan;
}

export interface ReconcileOptions {
  source?: RolloutSource;
  concurrency?: number;
  batchSize?: number;
  discrepancies?: DiscrepancyCounter;
  onProgress?: (progress: IndexProgress) => void;
  signal?: AbortSignal;
  /** Re-read files that failed before (default true; false right after a backfill just tried them). */
  retryFailures?: boolean;
}

export interface ReconcileResult {
  files: number;
  unchanged: number;
  indexed: number;
  failed: number;
  relocated: number;
  dropped: number;
  duplicates: number;
  namesUpdated: number;
  durationMs: number;
}

const STAGE = 'reconcile';
const REASON_OF: Record<IndexReason, string> = {
  new: 'missing_row', changed: 'fingerprint_changed', moved: 'stale_path', retry_failed: 'retry_failed',
};

export async function runReconcile(db: Database, codexHome: string, options: ReconcileOptions = {}): Promise<ReconcileResult> {
  const started = Date.now();
  const source = options.source ?? defaultRolloutSource;
  const counter = options.discrepancies ?? processDiscrepancies;
  const files = await source.listRollouts(codexHome);
  const names = await source.readNames(codexHome);
  const plan = planReconcile(db, files, codexHome);
  const result: ReconcileResult = {
    files: plan.files, unchanged: plan.unchanged, indexed: 0, failed: 0, relocated: 0, dropped: 0,
    duplicates: plan.duplicates.length, namesUpdated: 0, durationMs: 0,
  };

  db.transaction(() => {
    for (const { file, threadId } of plan.toRelocate) {
      db.run('UPDATE threads SET rollout_path = ? WHERE id = ?', file.path, threadId);
      result.relocated++;
    }
    for (const { threadId, path } of plan.toDrop) {
      // Checked again at the last moment: the file may have been created after the walk.
      if (existsSync(path)) continue;
      db.run('DELETE FROM threads WHERE id = ?', threadId);
      counter.record(STAGE, 'stale_row_dropped', { threadId, path });
      result.dropped++;
    }
    for (const path of plan.staleFailures) db.run('DELETE FROM index_failures WHERE path = ?', path);
    // Names renamed outside threadstate (Codex appends to session_index.jsonl too). Read again
    // under the write lock: a rename another server made since the walk must not be undone.
    for (const [id, name] of readThreadNamesSync(codexHome)) {
      result.namesUpdated += db.run('UPDATE threads SET name = ? WHERE id = ? AND name IS NOT ?', name, id, name).changes;
    }
  });
  for (const d of plan.duplicates) counter.record(STAGE, 'duplicate_id', { threadId: d.threadId, path: d.file.path });

  const work = options.retryFailures === false ? plan.toIndex.filter((w) => w.reason !== 'retry_failed') : plan.toIndex;
  const progress: IndexProgress = { filesDone: 0, filesTotal: work.length, bytesDone: 0, bytesTotal: work.reduce((n, w) => n + w.file.size, 0) };
  if (work.length > 0) options.onProgress?.({ ...progress });
  const batchSize = options.batchSize ?? BACKFILL_BATCH_SIZE;
  for (const slice of batchesOf(work.map((w) => ({ ...w, size: w.file.size })), batchSize, BACKFILL_BATCH_BYTES)) {
    if (options.signal?.aborted) break;
    const extracted = await extractFiles(source, codexHome, slice.map((w) => w.file), options.concurrency ?? DEFAULT_EXTRACT_CONCURRENCY);
    const counts = db.transaction(() => writeBatch(db, extracted, names));
    result.indexed += counts.upserted;
    result.failed += counts.failed;
    slice.forEach((w, k) => {
      const ex = extracted[k].extracted;
      const threadId = ex.metadata?.id ?? w.threadId ?? undefined;
      if (ex.metadata === null) log.warn('failed to index rollout', { path: w.file.path, error: ex.error });
      if (w.reason !== 'retry_failed' || ex.metadata !== null) counter.record(STAGE, REASON_OF[w.reason], { threadId, path: w.file.path });
    });
    progress.filesDone += slice.length;
    progress.bytesDone += slice.reduce((n, w) => n + w.file.size, 0);
    options.onProgress?.({ ...progress });
    await yieldToEventLoop();
  }
  result.durationMs = Date.now() - started;
  const changed = result.indexed + result.failed + result.relocated + result.dropped;
  (changed > 0 ? log.info : log.debug)('state reconcile finished', { ...result });
  return result;
}
