// Where things live: the Codex home, threadstate's own files in it, and the home's settings that
// change answers (the default model provider).

import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, unlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

export function resolveCodexHome(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag ?? (env.CODEX_HOME && env.CODEX_HOME.trim() !== '' ? env.CODEX_HOME : undefined);
  const home = chosen ?? join(homedir(), '.codex');
  return isAbsolute(home) ? home : resolve(home);
}

export function ensureDir(dir: string): void {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** A top-level string key of the home's config.toml; null when the file or key is absent. */
export function readTopLevelConfigString(codexHome: string, key: string): string | null {
  let text: string;
  try {
    text = readFileSync(join(codexHome, 'config.toml'), 'utf8');
  } catch {
    return null;
  }
  const pattern = new RegExp(`^${key}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|'([^']*)')`);
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('[')) break; // only top-level keys count
    const match = pattern.exec(line);
    if (match) return match[1] !== undefined ? (JSON.parse(`"${match[1]}"`) as string) : match[2];
  }
  return null;
}

/** The provider `thread/list` shows by default: `model_provider` at the top of config.toml, else `openai`. */
export function readDefaultModelProvider(codexHome: string): string {
  return readTopLevelConfigString(codexHome, 'model_provider') ?? 'openai';
}

/**
 * threadstate's own database files. The names never match Codex's cleanup patterns
 * (`state*.sqlite`, `logs*.sqlite`), so neither side can delete the other's files.
 */
export const STATE_DB_BASENAME = 'threadstate';
export const LOGS_DB_BASENAME = 'threadstate-logs';

export function versionedDbFileName(base: string, generation: number): string {
  return `${base}_${generation}.sqlite`;
}

/** Parses `<base>_<N>.sqlite` with an optional -wal/-shm/-journal suffix; null when it is not ours. */
export function parseVersionedDbFileName(base: string, fileName: string): { generation: number; sidecar: string } | null {
  const escaped = base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^${escaped}_(\\d+)\\.sqlite(-wal|-shm|-journal|-clean)?$`).exec(fileName);
  if (!match) return null;
  return { generation: Number(match[1]), sidecar: match[2] ?? '' };
}

/** threadstate's append-only journal of memory writes (memories are not in Codex rollouts). */
export const MEMORY_JOURNAL_FILE = 'threadstate-memory.jsonl';

/**
 * Deletes threadstate's own `<base>_<N>.sqlite` files (and sidecars) of generations older than
 * `current` in `dir`. Newer generations stay: an older and a newer threadstate used alternately
 * must not keep deleting each other's files (the Codex weakness in docs/codex-state-db.md §1.3). Only names
 * that parse as ours qualify, so Codex's `state_*`/`logs_*` files are never touched. Best effort;
 * returns the names removed.
 */
export function removeOlderDbGenerations(dir: string, base: string, current: number): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const parsed = parseVersionedDbFileName(base, name);
    if (!parsed || parsed.generation >= current) continue;
    try {
      if (!lstatSync(join(dir, name)).isFile()) continue;
      unlinkSync(join(dir, name));
      removed.push(name);
    } catch {
      // Another process may have removed it first.
    }
  }
  return removed;
}
