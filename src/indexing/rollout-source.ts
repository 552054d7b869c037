// What the index needs from the rollout store, behind one small interface so backfill and
// reconcile can be driven by the real files (the default) or by a test double.

import { logger } from '../logs/logger.ts';
import { extractHeadMetadataBlocking, extractThreadMetadata, extractThreadMetadataBlocking, type ExtractResult } from '../rollout/extract.ts';
import { readThreadNames } from '../rollout/session-index.ts';
import type { ThreadSearchText } from '../rollout/search-text.ts';
import type { ThreadMetadata } from '../model/thread-metadata.ts';
import { walkRollouts, type RolloutFile } from './walk.ts';

const log = logger('indexing.rollout-source');

export interface Extracted {
  metadata: ThreadMetadata | null;
  /** Set when the file cannot be indexed (unreadable, empty, nothing parseable). */
  error: string | null;
  /** The thread's search document (null: none), collected in the same read; absent: leave the stored one. */
  searchText?: ThreadSearchText | null;
  /** Read from the rollout's head only (phase 1): the turn-derived fields and search text are still to come. */
  listOnly?: boolean;
}

export interface RolloutSource {
  listRollouts(codexHome: string): Promise<RolloutFile[]>;
  /**
   * Phase 2 (or both phases at once): a full read, with the search text. `blocking`: read with
   * blocking calls (the caller's choice for small files).
   */
  extract(path: string, codexHome: string, archived: boolean, options?: { blocking?: boolean }): Promise<Extracted>;
  /**
   * `extract` with a blocking read (phase 2 reads small files inside its write transaction with
   * it): the result at once, or a promise of it when the file, already read, needs asynchronous
   * reads to finish (a fork, for its lineage's heads); null when the file needs `extract`.
   */
  extractSync?(path: string, codexHome: string, archived: boolean): Extracted | Promise<Extracted> | null;
  /**
   * Phase 1: the list fields from the rollout's head, with a blocking read (fast enough to list a
   * cold home in seconds; only a fork waits, for its lineage's heads). A source without it is
   * backfilled in one full pass.
   */
  extractListFields?(path: string, codexHome: string, archived: boolean): Promise<Extracted>;
  /** Thread names from session_index.jsonl (the last entry per id wins). */
  readNames(codexHome: string): Promise<Map<string, string>>;
}

/** Bytewise order of watermarks (plain `<` on JS strings is UTF-16 order, not bytewise). */
export function compareWatermarks(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Files in bytewise watermark order (each key encoded once). */
export function sortByWatermark(files: RolloutFile[]): RolloutFile[] {
  return files
    .map((file) => ({ file, key: Buffer.from(file.watermark) }))
    .sort((a, b) => Buffer.compare(a.key, b.key))
    .map((e) => e.file);
}

/**
 * A file with parseable lines but no session_meta still gets a (hidden) row, as in Codex; a file
 * with nothing parseable (empty, binary, unreadable) is a failure to retry later.
 */
function usable(result: ExtractResult, path: string): Extracted {
  const meta = result.metadata;
  if (meta === null) return { metadata: null, error: result.error ?? `no thread metadata in ${path}` };
  if (!meta.hasSessionMeta && result.stats.parsedLines === 0) return { metadata: null, error: result.error ?? `empty session file: ${path}` };
  return { metadata: meta, error: null };
}

/** What the index keeps of a full read: a row with its search document, or an error to record and retry. */
export function extractedFrom(result: ExtractResult, path: string): Extracted {
  const extracted = usable(result, path);
  if (extracted.metadata) extracted.searchText = result.searchText;
  return extracted;
}

async function extract(path: string, codexHome: string, archived: boolean, options: { blocking?: boolean } = {}): Promise<Extracted> {
  return extractedFrom(await extractThreadMetadata(path, { codexHome, archived, search: true, blocking: options.blocking }), path);
}

function extractSync(path: string, codexHome: string, archived: boolean): Extracted | Promise<Extracted> {
  const result = extractThreadMetadataBlocking(path, { codexHome, archived, search: true });
  return result instanceof Promise ? result.then((r) => extractedFrom(r, path)) : extractedFrom(result, path);
}

async function extractListFields(path: string, codexHome: string, archived: boolean): Promise<Extracted> {
  const extracted = usable(await extractHeadMetadataBlocking(path, { codexHome, archived }), path);
  if (extracted.metadata) extracted.listOnly = true;
  return extracted;
}

/** Names from session_index.jsonl; an unreadable index is logged and treated as empty. */
async function readNames(codexHome: string): Promise<Map<string, string>> {
  try {
    return await readThreadNames(codexHome);
  } catch (err) {
    log.warn('could not read session_index.jsonl; thread names are left as they are', { codexHome, error: String(err) });
    return new Map();
  }
}

export const defaultRolloutSource: RolloutSource = {
  listRollouts: walkRollouts,
  extract,
  extractSync,
  extractListFields,
  readNames,
};
