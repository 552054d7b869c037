// The head metadata of every rollout file, for `thread/list` when the index lacks threads: heads
// only, cached by size and mtime. The page is then picked by pageThreads (src/model/list-query.ts),
// with exactly the rules the SQLite path applies.

import type { ThreadMetadata } from '../model/thread-metadata.ts';
import { extractHeadMetadata } from './extract.ts';
import { listRolloutFiles, type RolloutFileEntry } from './paths.ts';
import { logger } from '../logs/logger.ts';

const log = logger('rollout.heads');

/** Codex stops counting candidate files here (docs/rollout-format.md §8). */
export const SCAN_CAP = 10_000;
const HEAD_CONCURRENCY = 32;
// A listing reads at most SCAN_CAP heads per root, so two roots' worth is all a repeated listing
// reuses; more would only keep heads of files that have left the newest SCAN_CAP (~1.5 KB each).
const CACHE_LIMIT = 2 * SCAN_CAP;

// Head metadata keyed by path, valid while size and mtime are unchanged: repeated listings of a
// large home then cost one stat per file instead of one head read.
const headCache = new Map<string, { size: number; mtimeMs: number; meta: ThreadMetadata | null }>();

export function clearHeadCache(): void {
  headCache.clear();
}

async function headOf(codexHome: string, entry: RolloutFileEntry): Promise<ThreadMetadata | null> {
  const cached = headCache.get(entry.path);
  if (cached && cached.size === entry.size && cached.mtimeMs === entry.mtimeMs) return cached.meta;
  const result = await extractHeadMetadata(entry.path, { codexHome, archived: entry.archived });
  if (result.error && !result.metadata) log.debug('head unreadable', { path: entry.path, error: result.error });
  const meta = result.metadata;
  if (headCache.size >= CACHE_LIMIT) headCache.delete(headCache.keys().next().value as string);
  headCache.set(entry.path, { size: result.stats.fileSize, mtimeMs: result.stats.mtimeMs, meta });
  return meta;
}

/** Head metadata of every rollout in one root (active or archived), `SCAN_CAP` files at most. */
export async function readAllHeads(codexHome: string, archived: boolean): Promise<ThreadMetadata[]> {
  let files = await listRolloutFiles(codexHome, archived ? 'archived' : 'active');
  if (files.length > SCAN_CAP) {
    // Keep the newest by file-name time, as Codex's walk order would.
    files = files.sort((a, b) => b.fileTimeMs - a.fileTimeMs || (a.id < b.id ? 1 : -1)).slice(0, SCAN_CAP);
    log.warn('file listing reached the scan cap', { cap: SCAN_CAP });
  }
  const out: ThreadMetadata[] = [];
  for (let i = 0; i < files.length; i += HEAD_CONCURRENCY) {
    const batch = await Promise.all(files.slice(i, i + HEAD_CONCURRENCY).map((f) => headOf(codexHome, f)));
    for (const meta of batch) if (meta) out.push(meta);
  }
  return out;
}
