// threadstate's own database file in the Codex home: `threadstate_<N>.sqlite`, N being the schema
// generation. Only files that parse as threadstate's own name are ever removed or moved; Codex's
// files (`state_*.sqlite`, `logs_*.sqlite`, …) never match (config.ts).

import { existsSync, readdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { STATE_DB_BASENAME, parseVersionedDbFileName, versionedDbFileName } from '../config.ts';
import { logger } from '../logs/logger.ts';

const log = logger('state.files');

/**
 * Bumped only when the schema changes in a way migrations cannot express; a new generation
 * starts a fresh file that backfill rebuilds from the rollouts.
 */
export const STATE_SCHEMA_GENERATION = 1;

export const SIDECARS = ['-wal', '-shm', '-journal'] as const;

export function stateDbFileName(generation: number = STATE_SCHEMA_GENERATION): string {
  return versionedDbFileName(STATE_DB_BASENAME, generation);
}

export function stateDbPath(codexHome: string, generation: number = STATE_SCHEMA_GENERATION): string {
  return join(codexHome, stateDbFileName(generation));
}

/**
 * Removes threadstate's state files of OLDER generations (with their sidecars). Newer generations
 * are left alone so an older and a newer threadstate used alternately do not keep deleting each
 * other's index (the Codex weakness described in state-db.md §1.3). Returns the removed names.
 */
export function removeOldGenerations(codexHome: string, current: number = STATE_SCHEMA_GENERATION): string[] {
  let names: string[];
  try {
    names = readdirSync(codexHome);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const parsed = parseVersionedDbFileName(STATE_DB_BASENAME, name);
    if (!parsed || parsed.generation >= current) continue;
    const full = join(codexHome, name);
    try {
      if (!statSync(full).isFile()) continue;
      unlinkSync(full);
      removed.push(name);
      log.info('removed index file of an older generation', { file: full });
    } catch (err) {
      log.warn('could not remove index file of an older generation', { file: full, error: String(err) });
    }
  }
  return removed;
}

/** `20261125T115052123Z`: sortable and valid in file names on every platform. */
export function fileTimestamp(date: Date = new Date()): string {
  return date.toISOString().replace(/[-:]/g, '').replace('.', '');
}

/**
 * Moves a database file and its sidecars aside as `<name>.corrupt-<timestamp>[-wal|-shm|-journal]`
 * (never deletes them). Returns the new path of the main file.
 */
export function moveDbAside(dbPath: string, reason = 'corrupt', date: Date = new Date()): string {
  const target = `${dbPath}.${reason}-${fileTimestamp(date)}`;
  for (const suffix of ['', ...SIDECARS]) {
    const from = dbPath + suffix;
    if (!existsSync(from)) continue;
    renameSync(from, target + suffix);
  }
  return target;
}
