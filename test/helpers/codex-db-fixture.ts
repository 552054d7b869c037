// Codex 0.169 databases built from the SQL dumps in test/fixtures/codex-0.169.0-db (the schema and
// migration checksums the real binary wrote), for tests that run without the real Codex.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { FIXTURES } from './home.ts';

export function createCodexDb(dir: string, name: 'state_5' | 'thread_history_1'): string {
  const path = join(dir, `${name}.sqlite`);
  const db = new DatabaseSync(path);
  try {
    db.exec(readFileSync(join(FIXTURES, 'codex-0.169.0-db', `${name}.sql`), 'utf8'));
    db.exec('PRAGMA journal_mode = WAL');
  } finally {
    db.close();
  }
  return path;
}

/** Runs `fn` on a connection to a Codex database (test setup and inspection only). */
export function withDb<T>(path: string, fn: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(path);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** Inserts a minimal Codex thread row (the NOT NULL columns; the rest take Codex's defaults). */
export function insertCodexThread(path: string, id: string, rolloutPath: string, extra: Record<string, string | number | null> = {}): void {
  const row: Record<string, string | number | null> = {
    id, rollout_path: rolloutPath, created_at: 1795600000, updated_at: 1795600100, source: 'vscode', model_provider: 'openai',
    cwd: '/work', title: 'hello', sandbox_policy: '{}', approval_mode: 'on-request', first_user_message: 'hello', preview: 'hello',
    history_mode: 'paginated', ...extra,
  };
  const cols = Object.keys(row);
  withDb(path, (db) => db.prepare(`INSERT INTO threads (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...cols.map((c) => row[c])));
}

export function codexThreadRow(path: string, id: string): Record<string, unknown> | undefined {
  return withDb(path, (db) => db.prepare('SELECT * FROM threads WHERE id = ?').get(id) as Record<string, unknown> | undefined);
}
