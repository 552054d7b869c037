// Opening threadstate's index for a Codex home: the versioned file, an integrity check of the
// index tables, the migrations. A file that is not a usable database is moved aside (never deleted) and a fresh one
// is created; backfill then rebuilds it from the rollouts.

import { existsSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureDir } from '../config.ts';
import { assertRegularOrMissing, NotRegularFileError } from '../files/regular.ts';
import { logger } from '../logs/logger.ts';
import { Database } from '../sqlite/db.ts';
import { SIDECARS, moveDbAside, removeOldGenerations, stateDbPath } from '../sqlite/files.ts';
import { takeCleanMark } from '../sqlite/clean-mark.ts';
import { MigrationError, loadMigrations, migrate, migrationFilesStamp, type Migration, type MigrationOutcome } from '../sqlite/migrate.ts';
import type { RolloutSource } from '../indexing/rollout-source.ts';
import { StateStore } from './store.ts';
import type { DiscrepancyCounter } from '../indexing/discrepancies.ts';

const log = logger('store.open');

export const STATE_MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

export class StateOpenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StateOpenError';
  }
}

export interface OpenedStateDb {
  db: Database;
  path: string;
  created: boolean;
  /** Where a corrupt file was moved, when one was. */
  recoveredFrom: string | null;
  migration: MigrationOutcome;
  /** What the clean mark must say at the next open for the migrations check to be skipped ('' = never). */
  cleanMarkNote: string;
  /** The last process that used the file closed it cleanly (clean-mark.ts): nothing it wrote can be missing from it. */
  closedCleanly: boolean;
}

export interface OpenStateOptions {
  migrations?: Migration[];
  /** Override of the file location (tests, tools); default `<home>/threadstate_<N>.sqlite`. */
  path?: string;
}

let cachedMigrations: Migration[] | null = null;

export function stateMigrations(): Migration[] {
  cachedMigrations ??= loadMigrations(STATE_MIGRATIONS_DIR);
  return cachedMigrations;
}

/** SQLITE_CORRUPT (11) and SQLITE_NOTADB (26), by primary result code. */
export function isCorruptionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const e = err as Error & { errcode?: number };
  const primary = typeof e.errcode === 'number' ? e.errcode & 0xff : -1;
  return primary === 11 || primary === 26 || /file is not a database|database disk image is malformed/i.test(e.message);
}

class QuickCheckFailed extends Error {}

/**
 * The tables whose integrity is checked at every open. A whole-file quick_check grows with the
 * file (the full-text tables make it 5-7x larger: ~0.5 s at 10k threads), so start-up checks the
 * index proper and its schema; `threadstate doctor` runs the whole-file check.
 */
export const CHECKED_AT_OPEN = ['sqlite_schema', 'schema_migrations', 'threads', 'backfill_state', 'index_failures', 'thread_dynamic_tools', 'thread_memory'];

export function quickCheckCoreTables(db: Database): string[] {
  const present = new Set(db.all<{ name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table'").map((r) => r.name));
  const problems: string[] = [];
  for (const table of CHECKED_AT_OPEN) {
    if (table !== 'sqlite_schema' && !present.has(table)) continue;
    for (const row of db.all<Record<string, string>>(`PRAGMA quick_check(${table})`)) {
      const value = Object.values(row)[0];
      if (value !== 'ok') problems.push(value);
    }
  }
  return problems;
}

/**
 * The outcome of the migrations without reading or hashing them (node:crypto alone costs a restart
 * several ms): a file closed cleanly with the very migration files found now had all of them
 * applied and checked at its last open.
 */
function migratedAtLastOpen(db: Database, knownVersion: number): MigrationOutcome {
  const databaseVersion = db.get<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations')?.v ?? 0;
  return { applied: [], databaseVersion, newerThanKnown: databaseVersion > knownVersion };
}

function openAndCheck(path: string, migrations: () => Migration[], closedCleanly = false, migrationsUnchanged: { known: number } | null = null): { db: Database; migration: MigrationOutcome } {
  const db = new Database(path);
  try {
    const problems = closedCleanly ? [] : quickCheckCoreTables(db);
    if (problems.length > 0) throw new QuickCheckFailed(`quick_check failed: ${problems.slice(0, 3).join('; ')}`);
    const migration = closedCleanly && migrationsUnchanged ? migratedAtLastOpen(db, migrationsUnchanged.known) : migrate(db, migrations());
    return { db, migration };
  } catch (err) {
    db.close();
    throw err;
  }
}

export function openStateDb(codexHome: string, options: OpenStateOptions = {}): OpenedStateDb {
  const migrations = (): Migration[] => options.migrations ?? stateMigrations();
  // Custom migrations (tests, tools) are always run; the shipped ones are skipped after a clean close with the same files.
  const stamp = options.migrations ? null : migrationFilesStamp(STATE_MIGRATIONS_DIR);
  const cleanMarkNote = stamp?.text ?? '';
  try {
    ensureDir(codexHome);
  } catch (err) {
    throw new StateOpenError(`cannot create the Codex home ${codexHome}: ${String(err)}`, { cause: err });
  }
  if (!options.path) removeOldGenerations(codexHome);
  const path = options.path ?? stateDbPath(codexHome);
  const existed = existsSync(path);
  try {
    // SQLite opens these itself: a FIFO or device named like them must never be opened.
    assertRegularOrMissing([path, ...SIDECARS.map((s) => path + s)]);
  } catch (err) {
    throw new StateOpenError(`cannot open the threadstate index: ${(err as NotRegularFileError).message}`, { cause: err });
  }
  try {
    // Unchanged since a process closed it cleanly (clean-mark.ts): the check would find what it found then.
    const closedCleanly = existed && takeCleanMark(path, cleanMarkNote);
    const { db, migration } = openAndCheck(path, migrations, closedCleanly, stamp);
    if (migration.newerThanKnown) {
      log.info('index was migrated by a newer threadstate; using the schema this build knows', { path, version: migration.databaseVersion });
    }
    return { db, path, created: !existed, recoveredFrom: null, migration, cleanMarkNote, closedCleanly };
  } catch (err) {
    if (err instanceof MigrationError) throw err;
    if (!(err instanceof QuickCheckFailed) && !isCorruptionError(err)) {
      throw new StateOpenError(`cannot open the threadstate index at ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    const aside = moveDbAside(path, 'corrupt');
    log.error('threadstate index is damaged; moved it aside and rebuilding from the rollouts', {
      path, movedTo: aside, error: err instanceof Error ? err.message : String(err),
    });
    const { db, migration } = openAndCheck(path, migrations);
    return { db, path, created: true, recoveredFrom: aside, migration, cleanMarkNote, closedCleanly: false };
  }
}

/**
 * Opens an existing index without writing anything (a read-only home): read-only when SQLite can
 * (a WAL index whose -shm it can read), else as an immutable file, which is safe only when no
 * -wal holds unmerged pages (a cleanly closed index has none).
 */
export function openStateDbReadOnly(codexHome: string, options: Pick<OpenStateOptions, 'path'> = {}): OpenedStateDb {
  const path = options.path ?? stateDbPath(codexHome);
  if (!existsSync(path)) throw new StateOpenError(`no threadstate index at ${path} to open read-only`);
  try {
    assertRegularOrMissing([path, ...SIDECARS.map((s) => path + s)]);
  } catch (err) {
    throw new StateOpenError(`cannot open the threadstate index: ${(err as NotRegularFileError).message}`, { cause: err });
  }
  const tryOpen = (target: string | URL): Database | null => {
    let db: Database | null = null;
    try {
      db = new Database(target as unknown as string, { readOnly: true });
      if (quickCheckCoreTables(db).length > 0) throw new StateOpenError(`the threadstate index at ${path} is damaged and the home is read-only`);
      return db;
    } catch (err) {
      db?.close();
      if (err instanceof StateOpenError) throw err;
      return null;
    }
  };
  let db = tryOpen(path);
  if (!db) {
    const wal = `${path}-wal`;
    if (existsSync(wal) && statSync(wal).size > 0) throw new StateOpenError(`cannot open the threadstate index at ${path} read-only: its -wal holds changes and the home is not writable`);
    const url = pathToFileURL(path);
    url.searchParams.set('immutable', '1');
    db = tryOpen(url);
  }
  if (!db) throw new StateOpenError(`cannot open the threadstate index at ${path} read-only`);
  const version = db.get<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations')?.v ?? 0;
  return { db, path, created: false, recoveredFrom: null, migration: { databaseVersion: version, applied: [], newerThanKnown: false }, cleanMarkNote: '', closedCleanly: false };
}

export interface OpenStoreOptions extends OpenStateOptions {
  source?: RolloutSource;
  discrepancies?: DiscrepancyCounter;
}

export function openStateStore(codexHome: string, options: OpenStoreOptions & { readOnly?: boolean } = {}): StateStore {
  const opened = options.readOnly ? openStateDbReadOnly(codexHome, options) : openStateDb(codexHome, options);
  return new StateStore(opened.db, codexHome, {
    recoveredFrom: opened.recoveredFrom, created: opened.created, schemaVersion: opened.migration.databaseVersion,
    newerSchema: opened.migration.newerThanKnown, readOnly: options.readOnly === true, closedCleanly: opened.closedCleanly,
  }, { ...options, cleanMarkNote: opened.cleanMarkNote });
}
