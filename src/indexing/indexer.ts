// Turning rollout files into rows: extraction with bounded concurrency (async, outside any
// transaction) and the synchronous write of a batch (rows, tools, failure bookkeeping) that callers
// wrap in one transaction.

import { relative, sep, isAbsolute } from 'node:path';
import type { Database } from '../sqlite/db.ts';
import { insertDynamicTools, flattenDynamicTools } from '../state/dynamic-tools.ts';
import type { Extracted, RolloutSource } from './rollout-source.ts';
import type { RolloutFile } from './walk.ts';
import { replaceSearchText } from '../state/search-index.ts';
import { updateThreadRow, upsertThread, type ThreadRow } from '../state/threads.ts';

export interface ExtractedFile {
  file: RolloutFile;
  extracted: Extracted;
}

/**
 * Full reads in flight at once: two keep the thread pool reading one file while the other is
 * parsed. Each one in flight holds its buffers and parse state: 8 cost ~50 MB more peak RSS than
 * 2 on a real-sized home, for no speed.
 */
export const DEFAULT_EXTRACT_CONCURRENCY = 2;
/** Files above this size are read one at a time: parsing several at once only multiplies memory. */
export const BIG_FILE_BYTES = 8 * 1024 * 1024;
/**
 * Files up to this size are read with blocking calls: a promise-based open, stat, read and close
 * through the thread pool cost more CPU than reading and parsing a median rollout (100 KB), and
 * the event loop waits at most a few milliseconds for one of these. Larger files are read a chunk
 * at a time through the thread pool, so requests are answered between chunks.
 */
export const BLOCKING_READ_BYTES = 1024 * 1024;

/** Home-relative `/` path of a file, or its absolute path when it lies outside the home. */
export function watermarkOf(codexHome: string, path: string): string {
  const rel = relative(codexHome, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return path;
  return rel.split(sep).join('/');
}

export async function extractFiles(
  source: RolloutSource, codexHome: string, files: RolloutFile[], concurrency = DEFAULT_EXTRACT_CONCURRENCY,
): Promise<ExtractedFile[]> {
  const out = new Array<ExtractedFile>(files.length);
  let next = 0;
  let bigTurn: Promise<unknown> = Promise.resolve();
  const extractOne = async (file: RolloutFile): Promise<Extracted> => {
    try {
      return await source.extract(file.path, codexHome, file.archived, { blocking: file.size <= BLOCKING_READ_BYTES });
    } catch (err) {
      return { metadata: null, error: err instanceof Error ? err.message : String(err) };
    }
  };
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      const file = files[i];
      let extracted: Promise<Extracted>;
      if (file.size > BIG_FILE_BYTES) {
        extracted = bigTurn.then(() => extractOne(file));
        bigTurn = extracted;
      } else extracted = extractOne(file);
      out[i] = { file, extracted: await extracted };
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  return out;
}

/**
 * Phase 1 for a slice of files: each one's list fields from its head, read with a blocking call
 * (tens of microseconds a file; callers keep slices small and yield between them).
 */
export async function extractListFields(source: RolloutSource, codexHome: string, files: RolloutFile[]): Promise<ExtractedFile[]> {
  const out: ExtractedFile[] = [];
  for (const file of files) {
    try {
      out.push({ file, extracted: await source.extractListFields!(file.path, codexHome, file.archived) });
    } catch (err) {
      out.push({ file, extracted: { metadata: null, error: err instanceof Error ? err.message : String(err) } });
    }
  }
  return out;
}

export interface WriteCounts {
  upserted: number;
  failed: number;
}

/** Records a file that could not be indexed; attempts count up on every retry. */
export function recordFailure(db: Database, file: RolloutFile, error: string, nowMs: number): void {
  db.run(
    `INSERT INTO index_failures (path, error, size, mtime_ms, attempts, first_failed_at, last_attempt_at)
     VALUES (?, ?, ?, ?, 1, ?, ?)
     ON CONFLICT(path) DO UPDATE SET error = excluded.error, size = excluded.size, mtime_ms = excluded.mtime_ms,
       attempts = index_failures.attempts + 1, last_attempt_at = excluded.last_attempt_at`,
    file.watermark, error, file.size, file.mtimeMs, nowMs, nowMs,
  );
}

export function clearFailure(db: Database, watermark: string): void {
  db.run('DELETE FROM index_failures WHERE path = ?', watermark);
}

/**
 * Writes one extracted file: its row (marked details-pending when only its list fields were read),
 * tools and search text. Must run inside a transaction (the caller's batch). `existing`: the row
 * as just read, when the caller has it (only the columns that change are then written).
 */
export function writeExtracted(db: Database, item: ExtractedFile, names: Map<string, string>, nowMs: number, existing?: ThreadRow): boolean {
  const { file, extracted } = item;
  const meta = extracted.metadata;
  if (meta === null) {
    recordFailure(db, file, extracted.error ?? 'unknown error', nowMs);
    return false;
  }
  // The file now belongs to this id: a row left from different content at this path goes.
  // (Checked first: a DELETE on threads runs its triggers' two-pass setup even when nothing matches.)
  if (db.get('SELECT 1 AS one FROM threads WHERE watermark = ? AND id <> ? LIMIT 1', file.watermark, meta.id)) {
    db.run('DELETE FROM threads WHERE watermark = ? AND id <> ?', file.watermark, meta.id);
  }
  const row = { watermark: file.watermark, name: names.get(meta.id) ?? null, nowMs, detailsPending: extracted.listOnly === true };
  if (existing?.id === meta.id) updateThreadRow(db, existing, meta, row);
  else upsertThread(db, meta, row);
  if (meta.dynamicTools && meta.dynamicTools.length > 0) insertDynamicTools(db, meta.id, flattenDynamicTools(meta.dynamicTools));
  if (extracted.searchText !== undefined) replaceSearchText(db, meta, extracted.searchText);
  clearFailure(db, file.watermark);
  return true;
}

export function writeBatch(db: Database, items: ExtractedFile[], names: Map<string, string>, nowMs: number = Date.now()): WriteCounts {
  const counts: WriteCounts = { upserted: 0, failed: 0 };
  for (const item of items) {
    if (writeExtracted(db, item, names, nowMs)) counts.upserted++;
    else counts.failed++;
  }
  return counts;
}
