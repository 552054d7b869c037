// Dumps of Codex's SQLite databases, table by table, and the difference between two dumps.
// A dump reads a private copy of each database (main file and `-wal`, without the `-shm`, so SQLite
// rebuilds the WAL index from the copy): the live files, which Codex may be writing, are never opened.

import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { findCodexDbs } from '../../src/codex-db/files.ts';

export type Row = Record<string, unknown>;
/** table name → rows keyed by their primary key (JSON of the key values; the whole row without one) */
export type TableDump = Record<string, Map<string, Row>>;
/** database file name → tables */
export type HomeDump = Record<string, TableDump>;

export function codexDbFiles(codexHome: string): string[] {
  return findCodexDbs(codexHome, {}).map((f) => f.path);
}

function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return `x'${Buffer.from(value).toString('hex')}'`;
  if (typeof value === 'bigint') return Number(value);
  return value;
}

export function dumpDatabase(path: string): TableDump {
  const scratch = mkdtempSync(join(tmpdir(), 'codex-db-dump-'));
  try {
    const copy = join(scratch, 'db.sqlite');
    copyFileSync(path, copy);
    if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
    const db = new DatabaseSync(copy);
    try {
      const out: TableDump = {};
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[];
      for (const { name } of tables) {
        const columns = db.prepare(`PRAGMA table_info("${name}")`).all() as { name: string; pk: number }[];
        const pk = columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
        const rows = new Map<string, Row>();
        for (const raw of db.prepare(`SELECT * FROM "${name}"`).all() as Row[]) {
          const row: Row = {};
          for (const [k, v] of Object.entries(raw)) row[k] = plain(v);
          const key = pk.length > 0 ? JSON.stringify(pk.map((c) => row[c])) : JSON.stringify(row);
          rows.set(key, row);
        }
        out[name] = rows;
      }
      return out;
    } finally {
      db.close();
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export function dumpHome(codexHome: string): HomeDump {
  const out: HomeDump = {};
  for (const file of codexDbFiles(codexHome)) out[file.slice(codexHome.length + 1)] = dumpDatabase(file);
  return out;
}

export interface RowChange {
  db: string;
  table: string;
  key: string;
  kind: 'added' | 'removed' | 'changed';
  /** for `changed`: column → [before, after] */
  columns?: Record<string, [unknown, unknown]>;
  row?: Row;
}

export function diffDumps(before: HomeDump, after: HomeDump): RowChange[] {
  const changes: RowChange[] = [];
  for (const db of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[db] ?? {};
    const b = after[db] ?? {};
    for (const table of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const ra = a[table] ?? new Map<string, Row>();
      const rb = b[table] ?? new Map<string, Row>();
      for (const [key, row] of ra) {
        const other = rb.get(key);
        if (!other) {
          changes.push({ db, table, key, kind: 'removed', row });
          continue;
        }
        const columns: Record<string, [unknown, unknown]> = {};
        for (const col of new Set([...Object.keys(row), ...Object.keys(other)])) {
          if (JSON.stringify(row[col]) !== JSON.stringify(other[col])) columns[col] = [row[col], other[col]];
        }
        if (Object.keys(columns).length > 0) changes.push({ db, table, key, kind: 'changed', columns });
      }
      for (const [key, row] of rb) if (!ra.has(key)) changes.push({ db, table, key, kind: 'added', row });
    }
  }
  return changes;
}

/** The thread id a changed row belongs to, when its table is keyed by or carries a thread id. */
export function threadOfChange(change: RowChange): string | null {
  const row = change.row ?? {};
  const key = JSON.parse(change.key) as unknown;
  for (const col of ['thread_id', 'child_thread_id', 'id']) {
    const v = row[col];
    if (typeof v === 'string' && /^[0-9a-f-]{36}$/.test(v)) return v;
  }
  if (Array.isArray(key) && typeof key[0] === 'string' && /^[0-9a-f-]{36}$/.test(key[0])) return key[0];
  return null;
}
