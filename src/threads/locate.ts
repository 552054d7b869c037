// Finds a thread: the index row first, checked against its file (a changed file repairs the row,
// a moved one is found again, a vanished one drops the row); else the rollout on disk, which is
// then indexed (read-repair). The JSONL always wins.

import { stat } from 'node:fs/promises';
import { logger } from '../logs/logger.ts';
import { extractThreadMetadata } from '../rollout/extract.ts';
import { findRolloutFile, resolveInsideHome } from '../rollout/paths.ts';

export { findRolloutFile };
import { readThreadName } from '../rollout/session-index.ts';
import type { ThreadMetadata } from '../model/thread-metadata.ts';
import type { ThreadContext } from './context.ts';

const log = logger('threads.locate');

export interface LocatedThread {
  metadata: ThreadMetadata;
  name: string | null;
}

/**
 * Extracts a rollout and writes its row (`name` names a new row, e.g. a thread renamed before it
 * reached the disk). Index failures are logged, never fatal: the file is the truth.
 */
export async function indexRollout(ctx: ThreadContext, path: string, overrides: Partial<ThreadMetadata> = {}, name: string | null = null): Promise<ThreadMetadata | null> {
  const extracted = await extractThreadMetadata(path, { codexHome: ctx.codexHome, search: ctx.store !== null });
  if (!extracted.metadata) return null;
  const meta = { ...extracted.metadata, ...overrides };
  if (ctx.store) {
    try {
      ctx.store.upsertThread(meta, { searchText: extracted.searchText, name });
    } catch (err) {
      log.warn('could not update the index; the rollout stays authoritative', { threadId: meta.id, error: String(err) });
    }
  }
  return meta;
}

async function fingerprintOf(path: string): Promise<{ size: number; mtimeMs: number } | null> {
  try {
    const st = await stat(path);
    return st.isFile() ? { size: st.size, mtimeMs: st.mtimeMs } : null;
  } catch {
    return null;
  }
}

/** Checks an index row against its file and repairs it when they disagree; null when the thread is gone. */
export async function verifyStored(ctx: ThreadContext, meta: ThreadMetadata, name: string | null): Promise<LocatedThread | null> {
  const fp = await fingerprintOf(meta.rolloutPath);
  if (fp && fp.size === meta.fingerprint.size && fp.mtimeMs === meta.fingerprint.mtimeMs) return { metadata: meta, name };
  const store = ctx.store;
  let path: string | null = fp ? meta.rolloutPath : await findRolloutFile(ctx.codexHome, meta.id);
  if (path && !(await resolveInsideHome(ctx.codexHome, path))) path = null;
  if (!path) {
    if (store) {
      store.deleteThread(meta.id);
      store.discrepancies.record('locate_thread', 'stale_row_dropped', { threadId: meta.id, path: meta.rolloutPath });
    }
    return null;
  }
  const repaired = store ? await store.repairFromRollout(path, 'locate_thread') : (await extractThreadMetadata(path, { codexHome: ctx.codexHome })).metadata;
  return repaired ? { metadata: repaired, name } : null;
}

/** The stored thread with this (canonical) id, from the index or else the files; null when none exists. */
export async function locateThread(ctx: ThreadContext, id: string): Promise<LocatedThread | null> {
  const stored = ctx.store?.getThread(id) ?? null;
  if (stored) return verifyStored(ctx, stored.metadata, stored.name);
  const path = await findRolloutFile(ctx.codexHome, id);
  if (!path || !(await resolveInsideHome(ctx.codexHome, path))) return null;
  let meta: ThreadMetadata | null;
  if (ctx.store) {
    meta = await ctx.store.repairFromRollout(path, 'locate_thread');
  } else {
    meta = (await extractThreadMetadata(path, { codexHome: ctx.codexHome })).metadata;
  }
  if (!meta || meta.id !== id) return null;
  const name = ctx.store?.getThread(id)?.name ?? (await readThreadName(ctx.codexHome, id));
  return { metadata: meta, name };
}
