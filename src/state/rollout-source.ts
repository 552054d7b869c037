// What the index needs from the rollout store, behind one small interface so backfill and
// reconcile can be driven by the real files (the default) or by a test double.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { extractThreadMetadata } from '../rollout/extract.ts';
import { listRolloutFiles } from '../rollout/paths.ts';
import type { ThreadMetadata } from '../rollout/thread-metadata.ts';

export interface RolloutFile {
  /** Absolute path. */
  path: string;
  /** Home-relative path with `/` separators: the backfill watermark and the row's file key. */
  watermark: string;
  /** The thread id from the file name. */
  id: string;
  archived: boolean;
  size: number;
  mtimeMs: number;
}

export interface Extracted {
  metadata: ThreadMetadata | null;
  /** Set when the file cannot be indexed (unreadable, empty, nothing parseable). */
  error: string | null;
}

export interface RolloutSource {
  listRollouts(codexHome: string): Promise<RolloutFile[]>;
  extract(path: string, codexHome: string, archived: boolean): Promise<Extracted>;
  /** Thread names from session_index.jsonl (the last entry per id wins). */
  readNames(codexHome: string): Promise<Map<string, string>>;
}

/** Bytewise order of watermarks (plain `<` on JS strings is UTF-16 order, not bytewise). */
export function compareWatermarks(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

async function listRollouts(codexHome: string): Promise<RolloutFile[]> {
  const entries = await listRolloutFiles(codexHome, 'all');
  return entries.map((e) => ({ path: e.path, watermark: e.relPath, id: e.id, archived: e.archived, size: e.size, mtimeMs: e.mtimeMs }));
}

async function extract(path: string, codexHome: string, archived: boolean): Promise<Extracted> {
  const result = await extractThreadMetadata(path, { codexHome, archived });
  const meta = result.metadata;
  // A file with parseable lines but no session_meta still gets a (hidden) row, as in Codex; a
  // file with nothing parseable (empty, binary, unreadable) is a failure to retry later.
  if (meta === null) return { metadata: null, error: result.error ?? `no thread metadata in ${path}` };
  if (!meta.hasSessionMeta && result.stats.parsedLines === 0) return { metadata: null, error: result.error ?? `empty session file: ${path}` };
  return { metadata: meta, error: null };
}

/**
 * session_index.jsonl: one `{id, thread_name, updated_at}` per line, last entry per id wins;
 * blank, unparsable and empty-name lines are skipped (rollout-format.md §5.1).
 */
export async function readSessionIndexNames(codexHome: string): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  let text: string;
  try {
    text = await readFile(join(codexHome, 'session_index.jsonl'), 'utf8');
  } catch {
    return names;
  }
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    try {
      const entry = JSON.parse(line) as { id?: unknown; thread_name?: unknown };
      if (typeof entry.id !== 'string' || typeof entry.thread_name !== 'string') continue;
      if (entry.thread_name.trim() === '') continue;
      names.set(entry.id.toLowerCase(), entry.thread_name);
    } catch {
      // skip a torn or foreign line
    }
  }
  return names;
}

export const defaultRolloutSource: RolloutSource = {
  listRollouts,
  extract,
  readNames: readSessionIndexNames,
};
