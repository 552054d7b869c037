// Applies numbered plain-SQL migrations (`NNNN_name.sql`) in order, each in its own transaction,
// and records version, name, checksum and time. An applied file whose checksum changed is refused;
// versions newer than this build knows (a newer threadstate migrated the file) are tolerated.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from './db.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

/** node:crypto is loaded on first use, not with the module: every start pays for it otherwise. */
function sha256Hex(text: string): string {
  return process.getBuiltinModule('node:crypto').createHash('sha256').update(text).digest('hex');
}

const FILE_RE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/**
 * The migration files of `dir` as found now (names, sizes, modification times), without reading
 * them; `known` is the highest version among them. An edited, added or replaced file changes it.
 */
export function migrationFilesStamp(dir: string): { text: string; known: number } {
  const files = readdirSync(dir).filter((f) => FILE_RE.test(f)).sort();
  const parts = files.map((f) => {
    const st = statSync(join(dir, f), { bigint: true });
    return `${f}:${st.size}:${st.mtimeNs}`;
  });
  const last = files.length === 0 ? null : FILE_RE.exec(files[files.length - 1]);
  return { text: `migrations ${parts.join(' ')}`, known: last ? Number(last[1]) : 0 };
}

export function loadMigrations(dir: string): Migration[] {
  const migrations: Migration[] = [];
  for (const file of readdirSync(dir).sort()) {
    const match = FILE_RE.exec(file);
    if (!match) continue;
    const sql = readFileSync(join(dir, file), 'utf8');
    migrations.push({
      version: Number(match[1]),
      name: match[2],
      sql,
      checksum: sha256Hex(sql),
    });
  }
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new MigrationError(`migrations in ${dir} must be numbered 0001, 0002, … without gaps; found ${String(m.version).padStart(4, '0')}_${m.name}.sql at position ${i + 1}`);
    }
  });
  return migrations;
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

export interface MigrationOutcome {
  applied: number[];
  /** Highest version recorded in the file (may exceed what this build knows). */
  databaseVersion: number;
  /** True when a newer threadstate migrated this file further than this build knows. */
  newerThanKnown: boolean;
}

export function migrate(db: Database, migrations: Migration[]): MigrationOutcome {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at_ms INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL
  )`);
  const applied = new Map(
    db.all<AppliedRow>('SELECT version, name, checksum FROM schema_migrations ORDER BY version').map((r) => [r.version, r]),
  );
  for (const m of migrations) {
    const row = applied.get(m.version);
    if (row && row.checksum !== m.checksum) {
      throw new MigrationError(
        `migration ${String(m.version).padStart(4, '0')}_${m.name}.sql was changed after it was applied to ${db.path} ` +
          `(recorded checksum ${row.checksum.slice(0, 12)}…, file now ${m.checksum.slice(0, 12)}…); ` +
          'migrations must never be edited once released: add a new migration instead',
      );
    }
  }
  const newlyApplied: number[] = [];
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    const started = Date.now();
    const appliedNow = db.transaction(() => {
      // Another process opening the same file may have applied it while we waited for the lock.
      if (db.get('SELECT 1 AS one FROM schema_migrations WHERE version = ?', m.version)) return false;
      db.raw.exec(m.sql);
      db.run(
        'INSERT INTO schema_migrations (version, name, checksum, applied_at_ms, duration_ms) VALUES (?, ?, ?, ?, ?)',
        m.version, m.name, m.checksum, Date.now(), Date.now() - started,
      );
      return true;
    });
    if (appliedNow) newlyApplied.push(m.version);
  }
  const maxRow = db.get<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
  const databaseVersion = maxRow?.v ?? 0;
  const known = migrations.length === 0 ? 0 : migrations[migrations.length - 1].version;
  return { applied: newlyApplied, databaseVersion, newerThanKnown: databaseVersion > known };
}
