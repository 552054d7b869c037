// Applies changes of rollout files, named by path, to the index while the server runs: a new file
// is read and indexed; a grown one is read from where its last read stopped (tail-cache.ts); a
// file that moved between sessions/ and archived_sessions/ is re-pointed without reading when its
// size is unchanged; a vanished one is looked for where Codex moves files (the archive and the
// date folder of its name) and its row dropped when it is nowhere. Each path is judged on the
// disk as it is now, so a hint that is late, repeated or about a file another writer already
// indexed does no harm. The reads run outside any transaction; one transaction writes the batch.

import { lstatSync, statSync, type Stats } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { logger } from '../logs/logger.ts';
import { ResumableExtract } from '../rollout/extract.ts';
import { ARCHIVED_DIR, SESSIONS_DIR, activeDirForFileName, isArchivedPath, parseRolloutFileName, resolvesInsideHome } from '../rollout/paths.ts';
import type { Database } from '../sqlite/db.ts';
import { getThreadRow, getThreadRowByWatermark, setThreadArchived, type ThreadRow } from '../state/threads.ts';
import type { DiscrepancyCounter } from './discrepancies.ts';
import { writeBatch, watermarkOf, type ExtractedFile } from './indexer.ts';
import { extractedFrom, type RolloutSource } from './rollout-source.ts';
import type { RolloutFile } from './walk.ts';
import type { TailCache } from './tail-cache.ts';

const log = logger('indexing.live-apply');

export type ThreadChangeKind = 'appeared' | 'changed' | 'moved' | 'disappeared';

export interface ThreadChange {
  threadId: string;
  kind: ThreadChangeKind;
  /** Where the thread is now; null once it disappeared. */
  archived: boolean | null;
}

/** The index the live index writes, and where its files and names come from. */
export interface LiveStore {
  db: Database;
  codexHome: string;
  source: RolloutSource;
  discrepancies: DiscrepancyCounter;
}

export interface LiveTarget extends LiveStore {
  realHome: string;
  tails: TailCache;
  /** What this process last reported per thread (its clients' view), to name changes from it. */
  reported: ReportedThreads;
}

/**
 * The last state this process reported for recently changed threads (archived, or null: gone),
 * and the highest row id it has looked at: a row with a higher one was inserted since, by this or
 * another writer, so the thread is new to this process's clients even when the row is already
 * current when this process gets to it.
 */
export class ReportedThreads {
  private readonly states = new Map<string, boolean | null>();
  seenRowid = 0;

  get(id: string): boolean | null | undefined {
    return this.states.get(id);
  }

  set(id: string, archived: boolean | null): void {
    this.states.delete(id);
    this.states.set(id, archived);
    if (this.states.size > 16384) this.states.delete(this.states.keys().next().value!);
  }

  /** The kind of change from what the clients were told (or the row as it was) to `after`. */
  kindOf(id: string, rowBefore: { archived: boolean; rowid: number } | undefined, after: boolean | null): ThreadChangeKind {
    const told = this.states.get(id);
    if (after === null) return 'disappeared';
    if (told === null) return 'appeared';
    if (told !== undefined) return told === after ? 'changed' : 'moved';
    if (rowBefore === undefined || rowBefore.rowid > this.seenRowid) return 'appeared';
    return rowBefore.archived === after ? 'changed' : 'moved';
  }
}

/** Reads of one batch run this many at a time. */
const READ_CONCURRENCY = 4;

/** The thread id of a rollout path the index follows (sessions/** or archived_sessions/*), else null. */
export function followedRolloutId(codexHome: string, path: string): string | null {
  const rel = relative(codexHome, path).split(sep);
  const inside = (rel[0] === SESSIONS_DIR && rel.length >= 2) || (rel[0] === ARCHIVED_DIR && rel.length === 2);
  if (!inside) return null;
  return parseRolloutFileName(basename(path))?.id ?? null;
}

function statIfFile(realHome: string, path: string): Stats | null {
  try {
    const link = lstatSync(path, { throwIfNoEntry: false });
    if (!link) return null;
    // A link to a file outside the home is never indexed (as in the start-up walk).
    if (link.isSymbolicLink() && !resolvesInsideHome(realHome, path)) return null;
    const st = link.isSymbolicLink() ? statSync(path, { throwIfNoEntry: false }) : link;
    return st?.isFile() ? st : null;
  } catch {
    return null;
  }
}

interface PendingRead {
  path: string;
  file: RolloutFile;
  before: ThreadRow | undefined;
  read: ResumableExtract;
  continued: boolean;
}

/** Where a vanished rollout may have gone: the other one of Codex's two places for it. */
function otherPlace(codexHome: string, path: string): string | null {
  const name = basename(path);
  const archived = join(codexHome, ARCHIVED_DIR, name);
  if (path !== archived) return archived;
  const dir = activeDirForFileName(codexHome, name);
  return dir ? join(dir, name) : null;
}

function sameFingerprint(row: ThreadRow, st: Stats): boolean {
  return row.file_size === st.size && row.file_mtime_ms === st.mtimeMs;
}

/** A file that failed to index and has not changed since: not read again until it does. */
function knownFailure(target: LiveTarget, watermark: string, st: Stats): boolean {
  const row = target.db.get<{ size: number; mtime_ms: number }>('SELECT size, mtime_ms FROM index_failures WHERE path = ?', watermark);
  return row !== undefined && row.size === st.size && row.mtime_ms === st.mtimeMs;
}

/**
 * Brings the index in line with the given rollout paths (deduplicated by the caller) and says
 * which threads appeared, changed, moved or disappeared.
 */
export async function applyRolloutPaths(target: LiveTarget, paths: Iterable<string>): Promise<ThreadChange[]> {
  const { db, codexHome } = target;
  const reported = target.reported;
  const outcome = new Map<string, boolean | null>();
  const before = new Map<string, { archived: boolean; rowid: number }>();
  const rowidOf = (id: string): number => db.get<{ r: number }>('SELECT rowid AS r FROM threads WHERE id = ?', id)?.r ?? 0;
  const remember = (row: ThreadRow | undefined): void => {
    if (row && !before.has(row.id)) before.set(row.id, { archived: row.archived === 1, rowid: rowidOf(row.id) });
  };
  const reads: PendingRead[] = [];
  const queued = new Set<string>();
  const relocations: Array<{ row: ThreadRow; path: string; st: Stats }> = [];
  const drops: ThreadRow[] = [];

  const judge = (path: string): void => {
    if (queued.has(path)) return;
    const id = followedRolloutId(codexHome, path);
    if (id === null) return;
    const watermark = watermarkOf(codexHome, path);
    const st = statIfFile(target.realHome, path);
    if (st === null) {
      target.tails.delete(path);
      const row = getThreadRowByWatermark(db, watermark);
      const other = otherPlace(codexHome, path);
      if (other !== null && statIfFile(target.realHome, other) !== null) return judge(other);
      if (!row) {
        // Dropped by another writer already: still news to this process's clients.
        if (reported.get(id) !== undefined && reported.get(id) !== null && !getThreadRow(db, id)) outcome.set(id, null);
        return;
      }
      queued.add(path);
      drops.push(row);
      return;
    }
    if (st.size === 0) return; // just created: its first line is on its way
    const archived = isArchivedPath(codexHome, path);
    const file: RolloutFile = { path, watermark, id, archived, size: st.size, mtimeMs: st.mtimeMs };
    // The row of this file, else the thread's row elsewhere (a move); the id comes from the name.
    const row = getThreadRowByWatermark(db, watermark) ?? getThreadRow(db, id);
    queued.add(path);
    remember(row);
    if (row && row.watermark === watermark && sameFingerprint(row, st)) {
      // Already indexed (by this process or another writer): clients still hear of the change.
      outcome.set(id, row.archived === 1);
      return;
    }
    if (knownFailure(target, watermark, st)) return;
    if (row && row.watermark !== watermark) {
      const old = statIfFile(target.realHome, row.rollout_path);
      if (old !== null && old.ino !== st.ino) {
        target.discrepancies.record('live_index', 'duplicate_id', { threadId: id, path });
        return;
      }
      if (row.file_size === st.size) {
        relocations.push({ row, path, st });
        return;
      }
    }
    const cached = target.tails.take(path) ?? (row && row.rollout_path !== path ? target.tails.take(row.rollout_path) : undefined);
    const continued = cached !== undefined && cached.canContinue(st.size, st.ino);
    reads.push({ path, file, before: row, read: continued ? cached : new ResumableExtract(), continued });
  };
  for (const path of paths) judge(path);

  const extracted = await readAll(target, reads);
  const names = reads.some((r) => r.before === undefined) ? await target.source.readNames(codexHome) : new Map<string, string>();
  db.transaction(() => {
    for (const row of drops) {
      if (db.run('DELETE FROM threads WHERE id = ? AND watermark = ?', row.id, row.watermark).changes > 0) outcome.set(row.id, null);
    }
    for (const { row, path, st } of relocations) {
      const archived = isArchivedPath(codexHome, path);
      setThreadArchived(db, row.id, {
        archived, archivedAt: archived ? Math.floor(st.mtimeMs / 1000) : null, rolloutPath: path, watermark: watermarkOf(codexHome, path),
        fingerprint: { size: st.size, mtimeMs: st.mtimeMs },
      });
      const cached = target.tails.take(row.rollout_path);
      if (cached) target.tails.put(path, cached);
      outcome.set(row.id, archived);
    }
    writeBatch(db, extracted, names);
  });
  extracted.forEach((item, i) => {
    const { read, path } = reads[i];
    const meta = item.extracted.metadata;
    if (meta === null) {
      log.warn('failed to index rollout', { path, error: item.extracted.error });
      return;
    }
    read.markWritten(item.extracted);
    target.tails.put(path, read);
    outcome.set(meta.id, meta.archived);
  });
  const changes: ThreadChange[] = [];
  for (const [id, after] of outcome) {
    const kind = reported.kindOf(id, before.get(id), after);
    log.debug('thread changed on disk', { threadId: id, kind, archived: after, rowBefore: before.get(id) ?? null, seenRowid: reported.seenRowid });
    changes.push({ threadId: id, kind, archived: after });
    reported.set(id, after);
  }
  for (const b of before.values()) reported.seenRowid = Math.max(reported.seenRowid, b.rowid);
  for (const id of outcome.keys()) reported.seenRowid = Math.max(reported.seenRowid, rowidOf(id));
  return changes;
}

async function readOne(target: LiveTarget, r: PendingRead): Promise<ExtractedFile> {
  const opts = { codexHome: target.codexHome, archived: r.file.archived };
  let result = await r.read.read(r.path, opts);
  if (result === null) {
    // Not the file read before (replaced or cut short): read it again from the start.
    r.read = new ResumableExtract();
    r.continued = false;
    result = (await r.read.read(r.path, opts))!;
  }
  // The facts of the read itself, so the row's fingerprint is what was read.
  const file = { ...r.file, size: result.stats.fileSize || r.file.size, mtimeMs: result.stats.mtimeMs || r.file.mtimeMs };
  return { file, extracted: extractedFrom(result, r.path) };
}

async function readAll(target: LiveTarget, reads: PendingRead[]): Promise<ExtractedFile[]> {
  const out = new Array<ExtractedFile>(reads.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < reads.length) {
      const i = next++;
      out[i] = await readOne(target, reads[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, reads.length) }, worker));
  return out;
}
