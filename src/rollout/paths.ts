// Rollout file names and locations under the Codex home (docs/rollout-format.md §1), confinement of
// client-supplied paths to the home, and fast walks over every rollout file.

import { realpathSync } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';

export const SESSIONS_DIR = 'sessions';
export const ARCHIVED_DIR = 'archived_sessions';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NAME_TIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})-(\d{2})$/;

export interface RolloutFileName {
  id: string;
  /** The file-name time read as UTC, as every Codex parser does. */
  timeMs: number;
  /** The `YYYY-MM-DDThh-mm-ss` text. */
  timeText: string;
}

export function isUuid(text: string): boolean {
  return UUID_RE.test(text);
}

/** Parses `rollout-<YYYY-MM-DDThh-mm-ss>-<uuid>.jsonl`; null when the name does not match. */
export function parseRolloutFileName(fileName: string): RolloutFileName | null {
  const name = basename(fileName);
  if (!name.startsWith('rollout-') || !name.endsWith('.jsonl')) return null;
  const core = name.slice('rollout-'.length, -'.jsonl'.length);
  // Scan `-` positions from the right: the first suffix that is a UUID is the id.
  for (let i = core.length - 1; i > 0; i--) {
    if (core[i] !== '-') continue;
    const suffix = core.slice(i + 1);
    if (!isUuid(suffix)) continue;
    const timeText = core.slice(0, i);
    const m = NAME_TIME_RE.exec(timeText);
    if (!m) return null;
    const [, y, mo, d, h, mi, s] = m.map(Number);
    const timeMs = Date.UTC(y, mo - 1, d, h, mi, s);
    if (!Number.isFinite(timeMs)) return null;
    return { id: suffix.toLowerCase(), timeMs, timeText };
  }
  return null;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Local wall-clock parts of a time, as Codex uses for file names and date directories. */
export function localTimeParts(date: Date): { y: string; mo: string; d: string; time: string } {
  const y = pad(date.getFullYear(), 4);
  const mo = pad(date.getMonth() + 1);
  const d = pad(date.getDate());
  const time = `${y}-${mo}-${d}T${pad(date.getHours())}-${pad(date.getMinutes())}-${pad(date.getSeconds())}`;
  return { y, mo, d, time };
}

export function rolloutFileName(id: string, createdAt: Date): string {
  return `rollout-${localTimeParts(createdAt).time}-${id}.jsonl`;
}

/** `sessions/YYYY/MM/DD/rollout-….jsonl` (absolute) for a new thread created at `createdAt`. */
export function activeRolloutPath(codexHome: string, id: string, createdAt: Date): string {
  const p = localTimeParts(createdAt);
  return join(codexHome, SESSIONS_DIR, p.y, p.mo, p.d, rolloutFileName(id, createdAt));
}

/** The date directory a file name belongs in, from the name's own time text. */
export function activeDirForFileName(codexHome: string, fileName: string): string | null {
  const parsed = parseRolloutFileName(fileName);
  if (!parsed) return null;
  const [y, mo, d] = parsed.timeText.slice(0, 10).split('-');
  return join(codexHome, SESSIONS_DIR, y, mo, d);
}

function isWithin(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel) && rel.split(sep)[0] !== '..');
}

/** True when the path lies in `archived_sessions/` of the home (lexically). */
export function isArchivedPath(codexHome: string, path: string): boolean {
  return isWithin(resolve(codexHome, ARCHIVED_DIR), resolve(codexHome, path));
}

async function realpathOfExistingPrefix(path: string): Promise<string> {
  // Resolve symlinks of the deepest existing ancestor; the rest cannot be a link yet.
  let current = path;
  const tail: string[] = [];
  for (;;) {
    try {
      const real = await realpath(current);
      return tail.length === 0 ? real : join(real, ...tail.reverse());
    } catch {
      const parent = resolve(current, '..');
      if (parent === current) return path;
      tail.push(basename(current));
      current = parent;
    }
  }
}

/**
 * Resolves a client-supplied path (relative ones against the home) and returns it only if it
 * stays inside the home after following symlinks; null otherwise.
 */
export async function resolveInsideHome(codexHome: string, candidate: string): Promise<string | null> {
  const home = resolve(codexHome);
  const abs = resolve(home, candidate);
  if (!isWithin(home, abs)) return null;
  const realHome = await realpathOfExistingPrefix(home);
  const realAbs = await realpathOfExistingPrefix(abs);
  return isWithin(realHome, realAbs) ? abs : null;
}

/** The home with its symlinks resolved (itself when it does not exist yet). */
export function realHomeSync(codexHome: string): string {
  try {
    return realpathSync(resolve(codexHome));
  } catch {
    return resolve(codexHome);
  }
}

/**
 * Whether a path found while walking the home really lies inside it once symlinks are followed.
 * Walkers follow no directory links below the roots, so only links to files and the roots
 * themselves can lead outside; a rollout outside the home is never read, moved or indexed.
 */
export function resolvesInsideHome(realHome: string, path: string): boolean {
  try {
    return isWithin(realHome, realpathSync(path));
  } catch {
    return false;
  }
}

export async function isInsideHome(codexHome: string, candidate: string): Promise<boolean> {
  return (await resolveInsideHome(codexHome, candidate)) !== null;
}

export interface RolloutFileEntry {
  /** Absolute path. */
  path: string;
  /** Home-relative path with `/` separators (the backfill watermark key). */
  relPath: string;
  fileName: string;
  id: string;
  fileTimeMs: number;
  archived: boolean;
  size: number;
  mtimeMs: number;
}

async function listDir(dir: string): Promise<import('node:fs').Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

async function entryFor(codexHome: string, path: string, archived: boolean, viaLink = false): Promise<RolloutFileEntry | null> {
  const fileName = basename(path);
  const parsed = parseRolloutFileName(fileName);
  if (!parsed) return null;
  if (viaLink && !resolvesInsideHome(realHomeSync(codexHome), path)) return null;
  try {
    const st = await stat(path);
    if (!st.isFile()) return null;
    return {
      path, relPath: relative(codexHome, path).split(sep).join('/'), fileName, id: parsed.id,
      fileTimeMs: parsed.timeMs, archived, size: st.size, mtimeMs: st.mtimeMs,
    };
  } catch {
    return null; // vanished between readdir and stat
  }
}

async function walkSessions(codexHome: string, dir: string, out: RolloutFileEntry[], depth: number): Promise<void> {
  if (depth > 8) return;
  const entries = await listDir(dir);
  const files: Promise<RolloutFileEntry | null>[] = [];
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory()) await walkSessions(codexHome, full, out, depth + 1);
    else if (e.isFile() || e.isSymbolicLink()) {
      if (e.name.startsWith('rollout-') && e.name.endsWith('.jsonl')) files.push(entryFor(codexHome, full, false, e.isSymbolicLink()));
    }
  }
  for (const f of await Promise.all(files)) if (f) out.push(f);
}

/** Every parseable rollout under `sessions/` (any depth) and `archived_sessions/` (flat), one stat each. */
export async function listRolloutFiles(codexHome: string, which: 'active' | 'archived' | 'all' = 'all'): Promise<RolloutFileEntry[]> {
  const home = resolve(codexHome);
  const realHome = realHomeSync(home);
  const out: RolloutFileEntry[] = [];
  const sessions = join(home, SESSIONS_DIR);
  if (which !== 'archived' && resolvesInsideHome(realHome, sessions)) await walkSessions(home, sessions, out, 0);
  const dir = join(home, ARCHIVED_DIR);
  if (which !== 'active' && resolvesInsideHome(realHome, dir)) {
    const names = (await listDir(dir)).filter((e) => (e.isFile() || e.isSymbolicLink()) && e.name.startsWith('rollout-') && e.name.endsWith('.jsonl'));
    for (const f of await Promise.all(names.map((e) => entryFor(home, join(dir, e.name), true, e.isSymbolicLink())))) if (f) out.push(f);
  }
  return out;
}

/** Finds the rollout file of a thread id (active first, then archived); null when none. */
export async function findRolloutById(codexHome: string, id: string, which: 'active' | 'archived' | 'all' = 'all'): Promise<RolloutFileEntry | null> {
  const want = id.toLowerCase();
  const files = await listRolloutFiles(codexHome, which);
  return files.find((f) => f.id === want && !f.archived) ?? files.find((f) => f.id === want) ?? null;
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
