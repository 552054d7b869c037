// threadstate's own database file in the Codex home: `threadstate_<N>.sqlite`, N being the schema
// generation. Only files that parse as threadstate's own name are ever removed or moved; Codex's
// files (`state_*.sqlite`, `logs_*.sqlite`, …) never match (config.ts).

import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { STATE_DB_BASENAME, removeOlderDbGenerations, versionedDbFileName } from '../config.ts';
import { logger } from '../logs/logger.ts';

const log = logger('sqlite.files');

/**
 * Bumped only when the schema changes in a way migrations cannot express; a new generation
 * starts a fresh file that backfill rebuilds from the rollouts.
 */
export const STATE_SCHEMA_GENERATION = 1;

export const SIDECARS = ['-wal', '-shm', '-journal', '-clean'] as const;

export function stateDbFileName(generation: number = STATE_SCHEMA_GENERATION): string {
  return versionedDbFileName(STATE_DB_BASENAME, generation);
}

export function stateDbPath(codexHome: string, generation: number = STATE_SCHEMA_GENERATION): string {
  return join(codexHome, stateDbFileName(generation));
}

/** Removes threadstate's index files of older generations (see removeOlderDbGenerations). */
export function removeOldGenerations(codexHome: string, current: number = STATE_SCHEMA_GENERATION): string[] {
  const removed = removeOlderDbGenerations(codexHome, STATE_DB_BASENAME, current);
  for (const name of removed) log.info('removed index file of an older generation', { file: join(codexHome, name) });
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
