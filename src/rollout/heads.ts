// `thread/list` answered by walking the rollout files (the fallback when the index lacks
// threads). It reads heads only and applies exactly the rules of list-query.ts, so a page equals
// what the SQLite path returns for the same threads.

import type { ThreadMetadata } from '../model/thread-metadata.ts';
import {
  compareForList, encodeBackwardsCursor, encodeNextCursor, isAfterAnchor, matchesFilters,
  type ThreadListQuery,
} from '../model/list-query.ts';
import { extractHeadMetadata } from './extract.ts';
import { listRolloutFiles, type RolloutFileEntry } from './paths.ts';
import { logger } from '../logs/logger.ts';

const log = logger('rollout.listing');

export interface ThreadListPage {
  items: ThreadMetadata[];
  nextCursor: string | null;
  backwardsCursor: string | null;
}

/** Codex stops counting candidate files here (rollout-format.md §8). */
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

/** Sorts, filters and pages already-derived metadata with the shared list rules. */
export function pageThreads(all: readonly ThreadMetadata[], query: ThreadListQuery): ThreadListPage {
  const rows = all
    .filter((m) => matchesFilters(m, query) && isAfterAnchor(m, query))
    .sort((a, b) => compareForList(a, b, query.sortKey, query.sortDirection));
  const items = rows.slice(0, query.limit);
  const more = rows.length > query.limit;
  return {
    items,
    nextCursor: more && items.length > 0 ? encodeNextCursor(items[items.length - 1], query.sortKey) : null,
    backwardsCursor: items.length > 0 ? encodeBackwardsCursor(items[0], query.sortKey, query.sortDirection) : null,
  };
}

export async function listThreadsFromFiles(codexHome: string, query: ThreadListQuery): Promise<ThreadListPage> {
  return pageThreads(await readAllHeads(codexHome, query.archived), query);
}
