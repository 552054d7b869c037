// Where Codex keeps its own SQLite databases (docs/codex-databases.md): the directory named by
// `sqlite_home` in config.toml, else CODEX_SQLITE_HOME, else CODEX_HOME itself. Nothing here opens,
// creates or changes a file.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { readTopLevelConfigString } from '../config.ts';

/** The state database (thread rows) and the history projection that Codex 0.169 writes. */
export const CODEX_STATE_DB = 'state_5.sqlite';
export const CODEX_HISTORY_DB = 'thread_history_1.sqlite';

/** Every database file name any Codex build has used in its SQLite directory. */
const CODEX_DB_NAME = /^(state|logs|goals|memories|queue|thread_history)(_\d+)?\.sqlite$/;

/** Codex's SQLite directory for this home, resolved as Codex 0.169 resolves it. */
export function codexSqliteHome(codexHome: string, env: NodeJS.ProcessEnv = process.env): string {
  const configured = readTopLevelConfigString(codexHome, 'sqlite_home');
  if (configured && isAbsolute(configured)) return configured;
  const fromEnv = env.CODEX_SQLITE_HOME?.trim();
  if (fromEnv) return resolve(fromEnv);
  return codexHome;
}

export interface CodexDbFile {
  path: string;
  name: string;
  /** Main file plus its `-wal` (where most of a live Codex database sits). */
  bytes: number;
}

/**
 * Every Codex database in the SQLite directory and, when that differs, in CODEX_HOME itself (some
 * Codex code paths still open it there, and older builds kept it there).
 */
export function findCodexDbs(codexHome: string, env: NodeJS.ProcessEnv = process.env): CodexDbFile[] {
  const dirs = [...new Set([codexSqliteHome(codexHome, env), codexHome])];
  const out: CodexDbFile[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      if (!CODEX_DB_NAME.test(name)) continue;
      const path = join(dir, name);
      let bytes = 0;
      try {
        if (!statSync(path).isFile()) continue;
        bytes = statSync(path).size + (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0);
      } catch {
        continue;
      }
      out.push({ path, name, bytes });
    }
  }
  return out;
}
