// The reconcile walk: every rollout under sessions/ (any depth) and archived_sessions/ (flat) with
// one stat each, using the same name rules as src/rollout/paths.ts. Synchronous stats are several
// times faster than 10,000 promise-based ones through the thread pool; the walk yields to the
// event loop after every directory so a server keeps answering.

import { readdirSync, statSync, type Dirent } from 'node:fs';
import { join, resolve } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { ARCHIVED_DIR, SESSIONS_DIR, parseRolloutFileName, realHomeSync, resolvesInsideHome } from '../rollout/paths.ts';
import type { RolloutFile } from './rollout-source.ts';

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

function statFile(realHome: string, dir: string, relDir: string, e: Dirent, archived: boolean): RolloutFile | null {
  if (!(e.isFile() || e.isSymbolicLink()) || !e.name.startsWith('rollout-') || !e.name.endsWith('.jsonl')) return null;
  const id = idFromName(e.name);
  if (id === null) return null;
  const path = join(dir, e.name);
  // A link to a file outside the home is never indexed (nor read through the index).
  if (e.isSymbolicLink() && !resolvesInsideHome(realHome, path)) return null;
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st || !st.isFile()) return null;
  return { path, watermark: `${relDir}/${e.name}`, id, archived, size: st.size, mtimeMs: st.mtimeMs };
}

export async function walkRollouts(codexHome: string): Promise<RolloutFile[]> {
  const home = resolve(codexHome);
  const realHome = realHomeSync(home);
  const out: RolloutFile[] = [];
  const stack: Array<{ dir: string; rel: string; depth: number }> = [];
  if (resolvesInsideHome(realHome, join(home, SESSIONS_DIR))) stack.push({ dir: join(home, SESSIONS_DIR), rel: SESSIONS_DIR, depth: 0 });
  while (stack.length > 0) {
    const { dir, rel, depth } = stack.pop()!;
    for (const e of entries(dir)) {
      if (e.isDirectory()) {
        if (depth < MAX_DEPTH) stack.push({ dir: join(dir, e.name), rel: `${rel}/${e.name}`, depth: depth + 1 });
        continue;
      }
      const file = statFile(realHome, dir, rel, e, false);
      if (file) out.push(file);
    }
    await yieldToEventLoop();
  }
  const archivedDir = join(home, ARCHIVED_DIR);
  for (const e of resolvesInsideHome(realHome, archivedDir) ? entries(archivedDir) : []) {
    const file = statFile(realHome, archivedDir, ARCHIVED_DIR, e, true);
    if (file) out.push(file);
  }
  return out;
}
