// The reconcile walk: every rollout under sessions/ (any depth) and archived_sessions/ (flat) with
// one stat each, using the same name rules as src/rollout/paths.ts. Synchronous stats are several
// times faster than 10,000 promise-based ones through the thread pool; the walk yields to the
// event loop after every directory so a server keeps answering.

import { readdirSync, statSync, type Dirent } from 'node:fs';
import { join, resolve } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { ARCHIVED_DIR, SESSIONS_DIR, parseRolloutFileName, realHomeSync, resolvesInsideHome } from '../rollout/paths.ts';

const MAX_DEPTH = 8;
// The canonical name in one match; other names fall back to the general parser.
const CANONICAL_NAME_RE = /^rollout-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/;

function idFromName(name: string): string | null {
  const m = CANONICAL_NAME_RE.exec(name);
  if (m) return m[1];
  return parseRolloutFileName(name)?.id ?? null;
}

function entries(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** A directory of the walk, shared by its files. */
interface WalkedDir {
  path: string;
  rel: string;
  archived: boolean;
}

/** A rollout file found on disk, as the indexing pipeline sees it. */
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
  /**
   * The watermark's folder and file name, for files that hold them apart (the walk's): reconcile
   * matches a 100k-file walk by these without building every watermark string.
   */
  watermarkParts?(): readonly [folder: string, name: string];
}

/**
 * One walked rollout. At every start the walk holds one of these per file, so the path, watermark
 * and id strings are derived on demand from the shared directory and the name instead of being
 * stored (a 100k home held ~45 MB of walk results the other way).
 */
export class WalkedRollout implements RolloutFile {
  readonly dir: WalkedDir;
  readonly name: string;
  readonly size: number;
  readonly mtimeMs: number;

  constructor(dir: WalkedDir, name: string, size: number, mtimeMs: number) {
    this.dir = dir;
    this.name = name;
    this.size = size;
    this.mtimeMs = mtimeMs;
  }

  get path(): string {
    return join(this.dir.path, this.name);
  }

  get watermark(): string {
    return `${this.dir.rel}/${this.name}`;
  }

  watermarkParts(): readonly [folder: string, name: string] {
    return [this.dir.rel, this.name];
  }

  get id(): string {
    return idFromName(this.name)!;
  }

  get archived(): boolean {
    return this.dir.archived;
  }
}

function statFile(realHome: string, dir: WalkedDir, e: Dirent): RolloutFile | null {
  if (!(e.isFile() || e.isSymbolicLink()) || !e.name.startsWith('rollout-') || !e.name.endsWith('.jsonl')) return null;
  if (idFromName(e.name) === null) return null;
  const path = join(dir.path, e.name);
  // A link to a file outside the home is never indexed (nor read through the index).
  if (e.isSymbolicLink() && !resolvesInsideHome(realHome, path)) return null;
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st || !st.isFile()) return null;
  return new WalkedRollout(dir, e.name, st.size, st.mtimeMs);
}

export async function walkRollouts(codexHome: string): Promise<RolloutFile[]> {
  const home = resolve(codexHome);
  const realHome = realHomeSync(home);
  const out: RolloutFile[] = [];
  const stack: Array<{ dir: string; rel: string; depth: number }> = [];
  if (resolvesInsideHome(realHome, join(home, SESSIONS_DIR))) stack.push({ dir: join(home, SESSIONS_DIR), rel: SESSIONS_DIR, depth: 0 });
  while (stack.length > 0) {
    const { dir, rel, depth } = stack.pop()!;
    const walked: WalkedDir = { path: dir, rel, archived: false };
    for (const e of entries(dir)) {
      if (e.isDirectory()) {
        if (depth < MAX_DEPTH) stack.push({ dir: join(dir, e.name), rel: `${rel}/${e.name}`, depth: depth + 1 });
        continue;
      }
      const file = statFile(realHome, walked, e);
      if (file) out.push(file);
    }
    await yieldToEventLoop();
  }
  const archivedDir = join(home, ARCHIVED_DIR);
  const archived: WalkedDir = { path: archivedDir, rel: ARCHIVED_DIR, archived: true };
  for (const e of resolvesInsideHome(realHome, archivedDir) ? entries(archivedDir) : []) {
    const file = statFile(realHome, archived, e);
    if (file) out.push(file);
  }
  return out;
}
