// Finds a thread: the index row first, checked against its file (a changed file repairs the row,
// a moved one is found again, a vanished one drops the row); else the rollout on disk, which is
// then indexed (read-repair). The JSONL always wins.

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { logger } from '../logs/logger.ts';
import { extractThreadMetadata } from '../rollout/extract.ts';
import { ARCHIVED_DIR, SESSIONS_DIR, findRolloutById, localTimeParts, resolveInsideHome } from '../rollout/paths.ts';
import { readThreadName } from '../rollout/session-index.ts';
import type { ThreadMetadata } from '../model/thread-metadata.ts';
import type { ThreadContext } from './context.ts';

const log = logger('threads.locate');

export interface LocatedThread {
  metadata: ThreadMetadata;
  name: string | null;
}

/** The creation time a UUIDv7 carries in its first 48 bits; null for other versions. */
function uuidV7Time(id: string): number | null {
  if (id[14] !== '7') return null;
  const ms = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
  return Number.isFinite(ms) ? ms : null;
}

async function findInDir(dir: string, suffix: string): Promise<string | null> {
  try {
    const names = await readdir(dir);
    const hit = names.find((n) => n.startsWith('rollout-') && n.endsWith(suffix));
    return hit ? join(dir, hit) : null;
  } catch {
    return null;
  }
}

/**
 * The rollout file of a thread id. A UUIDv7 id names its creation day, so the dated folders of
 * that day (±1 for time zones) are tried first, then the archive, then a full walk.
 */
export async function findRolloutFile(codexHome: string, id: string): Promise<string | null> {
  const suffix = `-${id}.jsonl`;
  const createdMs = uuidV7Time(id);
  if (createdMs !== null) {
    for (const offsetDays of [0, -1, 1]) {
      const { y, mo, d } = localTimeParts(new Date(createdMs + offsetDays * 86_400_000));
      const hit = await findInDir(join(codexHome, SESSIONS_DIR, y, mo, d), suffix);
      if (hit) return hit;
    }
  }
  const archived = await findInDir(join(codexHome, ARCHIVED_DIR), suffix);
  if (archived) return archived;
  const walked = await findRolloutById(codexHome, id);
  return walked?.path ?? null;
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
