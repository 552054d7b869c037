import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Database } from '../../../src/sqlite/db.ts';
import { removeOldGenerations, stateDbPath } from '../../../src/sqlite/files.ts';
import { MigrationError, migrate, migrationFilesStamp, type Migration } from '../../../src/sqlite/migrate.ts';
import { mkdtempSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { openStateDb, openStateStore, stateMigrations } from '../../../src/store/open.ts';
import { appendSessionName, tempHome, writeRollout } from '../state/helpers.ts';

function schemaOf(db: Database): string[] {
  return db
    .all<{ type: string; name: string; sql: string | null }>("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
    .map((r) => `${r.type} ${r.name}: ${r.sql}`);
}

describe('state: opening, migrations and files', () => {
  it('migrates an empty database to every table and seeds backfill_state', () => {
    const home = tempHome();
    const opened = openStateDb(home);
    try {
      assert.equal(opened.path, join(home, 'threadstate_1.sqlite'));
      assert.equal(opened.created, true);
      const tables = opened.db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").map((r) => r.name);
      for (const t of ['threads', 'backfill_state', 'thread_dynamic_tools', 'thread_memory', 'index_failures', 'schema_migrations']) {
        assert.ok(tables.includes(t), `missing table ${t}`);
      }
      assert.deepEqual(opened.migration.applied, stateMigrations().map((m) => m.version));
      const state = opened.db.get<{ status: string }>('SELECT status FROM backfill_state WHERE id = 1');
      assert.equal(state?.status, 'pending');
      assert.equal(opened.db.get<{ journal_mode: string }>('PRAGMA journal_mode')?.journal_mode, 'wal');
      assert.equal(opened.db.get<{ foreign_keys: number }>('PRAGMA foreign_keys')?.foreign_keys, 1);
    } finally {
      opened.db.close();
    }
  });

  it('reaches the same schema from every earlier version', () => {
    const all = stateMigrations();
    const freshHome = tempHome();
    const fresh = openStateDb(freshHome);
    const expected = schemaOf(fresh.db);
    fresh.db.close();
    for (let k = 0; k < all.length; k++) {
      const home = tempHome();
      const partial = openStateDb(home, { migrations: all.slice(0, k) });
      partial.db.close();
      const reopened = openStateDb(home);
      try {
        assert.deepEqual(reopened.migration.applied, all.slice(k).map((m) => m.version), `from version ${k}`);
        assert.deepEqual(schemaOf(reopened.db), expected, `schema after migrating from version ${k}`);
      } finally {
        reopened.db.close();
      }
    }
  });

  it('refuses a database whose applied migration was edited, with a clear error, and leaves it in place', () => {
    const home = tempHome();
    openStateDb(home).db.close();
    const edited: Migration[] = stateMigrations().map((m, i) => (i === 0 ? { ...m, checksum: 'f'.repeat(64) } : m));
    assert.throws(() => openStateDb(home, { migrations: edited }), (err: unknown) => {
      assert.ok(err instanceof MigrationError);
      assert.match(err.message, /0001_threads\.sql was changed after it was applied/);
      return true;
    });
    assert.ok(existsSync(stateDbPath(home)));
    assert.deepEqual(readdirSync(home).filter((n) => n.includes('corrupt')), []);
  });

  it('after a clean close with the same migration files, skips the migrations check; after any other close, runs it', () => {
    const home = tempHome();
    openStateStore(home).close();
    // Tamper with a recorded checksum: only a run of the migrations check can notice it.
    const raw = new DatabaseSync(stateDbPath(home));
    raw.exec("UPDATE schema_migrations SET checksum = 'e' WHERE version = 1");
    raw.close();
    // The file changed since the clean close, so its mark no longer matches: the check runs.
    assert.throws(() => openStateStore(home), MigrationError);

    const home2 = tempHome();
    const first = openStateStore(home2);
    first.db.run("UPDATE schema_migrations SET checksum = 'e' WHERE version = 1");
    first.close(); // a clean close, with the tampered row inside
    const clean = openStateStore(home2); // same files, clean mark: not re-checked
    assert.equal(clean.info.schemaVersion, stateMigrations().length);
    assert.equal(clean.info.newerSchema, false);
    clean.db.close(); // no clean mark this time (as after a crash)
    assert.throws(() => openStateStore(home2), MigrationError, 'without a clean mark the migrations are checked again');
  });

  it('stamps the migration files by name, size and time: an edited or added file changes the stamp', () => {
    const dir = mkdtempSync(join(tmpdir(), 'threadstate-migrations-'));
    writeFileSync(join(dir, '0001_a.sql'), 'CREATE TABLE a (x);');
    writeFileSync(join(dir, 'README.md'), 'not a migration');
    const first = migrationFilesStamp(dir);
    assert.equal(first.known, 1);
    assert.deepEqual(migrationFilesStamp(dir), first);
    utimesSync(join(dir, '0001_a.sql'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    assert.notEqual(migrationFilesStamp(dir).text, first.text, 'a touched file');
    writeFileSync(join(dir, '0002_b.sql'), 'CREATE TABLE b (x);');
    assert.equal(migrationFilesStamp(dir).known, 2);
  });

  it('opens a database migrated by a newer threadstate without breaking it', () => {
    const home = tempHome();
    const first = openStateStore(home);
    writeRollout(home);
    first.db.exec('CREATE TABLE future_feature (x INTEGER)');
    first.db.exec('ALTER TABLE threads ADD COLUMN future_column TEXT');
    first.db.run("INSERT INTO schema_migrations (version, name, checksum, applied_at_ms, duration_ms) VALUES (99, 'future', 'x', 0, 0)");
    first.close();
    const store = openStateStore(home);
    try {
      assert.equal(store.info.newerSchema, true);
      assert.equal(store.info.schemaVersion, 99);
      assert.equal(store.info.recoveredFrom, null);
      assert.ok(store.db.get("SELECT 1 AS x FROM sqlite_master WHERE name = 'future_feature'"));
    } finally {
      store.close();
    }
  });

  it('a migration that fails rolls back and leaves the version unrecorded', () => {
    const home = tempHome();
    const db = new Database(join(home, 'm.sqlite'));
    try {
      const bad: Migration = { version: 1, name: 'bad', sql: 'CREATE TABLE a (x); CREATE TABLE a (y);', checksum: 'c' };
      assert.throws(() => migrate(db, [bad]), /already exists/);
      assert.equal(db.get<{ n: number }>('SELECT COUNT(*) AS n FROM schema_migrations')?.n, 0);
      assert.equal(db.get("SELECT 1 AS x FROM sqlite_master WHERE name = 'a'"), undefined);
    } finally {
      db.close();
    }
  });

  it('removes only its own files of older generations, never Codex files or newer generations', () => {
    const home = tempHome();
    const names = [
      'threadstate_0.sqlite', 'threadstate_0.sqlite-wal', 'threadstate_0.sqlite-shm', 'threadstate_0.sqlite-journal',
      'threadstate_2.sqlite', 'state_5.sqlite', 'state_5.sqlite-wal', 'logs_2.sqlite', 'state.sqlite', 'threadstate-logs_1.sqlite',
      'threadstate_0.sqlite.corrupt-20260101T000000000Z', 'threadstate_0.sqlite.bak',
    ];
    for (const n of names) writeFileSync(join(home, n), n);
    const removed = removeOldGenerations(home, 1).sort();
    assert.deepEqual(removed, ['threadstate_0.sqlite', 'threadstate_0.sqlite-journal', 'threadstate_0.sqlite-shm', 'threadstate_0.sqlite-wal']);
    assert.deepEqual(readdirSync(home).sort(), names.filter((n) => !removed.includes(n)).sort());
  });

  it("never touches Codex's own databases in the home (same bytes, same mtime)", async () => {
    const home = tempHome();
    for (const name of ['state_5.sqlite', 'logs_2.sqlite']) {
      const db = new DatabaseSync(join(home, name));
      db.exec("PRAGMA journal_mode = WAL; CREATE TABLE t (x); INSERT INTO t VALUES (1);");
      db.close();
    }
    const before = new Map(readdirSync(home).map((n) => [n, { bytes: readFileSync(join(home, n)), mtime: statSync(join(home, n)).mtimeMs }]));
    writeRollout(home);
    const store = openStateStore(home);
    await store.startBackgroundIndexing();
    store.close();
    const store2 = openStateStore(home);
    await store2.startBackgroundIndexing();
    store2.close();
    for (const [name, was] of before) {
      assert.deepEqual(readFileSync(join(home, name)), was.bytes, name);
      assert.equal(statSync(join(home, name)).mtimeMs, was.mtime, name);
    }
  });

  for (const [label, damage] of [
    ['random bytes', (path: string) => writeFileSync(path, randomBytes(64 * 1024))],
    ['a text file', (path: string) => writeFileSync(path, 'this is not a database\n')],
    ['a truncated database', (path: string) => writeFileSync(path, readFileSync(path).subarray(0, 100))],
  ] as const) {
    it(`moves ${label} aside and rebuilds with names intact`, async () => {
      const home = tempHome();
      const a = writeRollout(home, { message: 'first thread' });
      const b = writeRollout(home, { message: 'second thread', archived: true });
      appendSessionName(home, a.id, 'Named thread');
      const store = openStateStore(home);
      await store.startBackgroundIndexing();
      store.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      store.close();
      const path = stateDbPath(home);
      damage(path);
      const rebuilt = openStateStore(home);
      try {
        assert.ok(rebuilt.info.recoveredFrom, 'recoveredFrom is set');
        assert.match(rebuilt.info.recoveredFrom, /threadstate_1\.sqlite\.corrupt-\d{8}T\d{9}Z$/);
        assert.ok(existsSync(rebuilt.info.recoveredFrom), 'the damaged file is kept');
        assert.equal(rebuilt.isComplete(), false);
        await rebuilt.startBackgroundIndexing();
        assert.equal(rebuilt.getThread(a.id)?.name, 'Named thread');
        assert.equal(rebuilt.getThread(b.id)?.metadata.archived, true);
      } finally {
        rebuilt.close();
      }
    });
  }

  it('moves aside a database whose header is fine but whose threads b-tree is damaged', async () => {
    const home = tempHome();
    const a = writeRollout(home, { message: 'survives' });
    appendSessionName(home, a.id, 'Still named');
    const store = openStateStore(home);
    await store.startBackgroundIndexing();
    const base = store.getThread(a.id)!.metadata;
    store.db.transaction(() => {
      for (let i = 0; i < 400; i++) {
        store.upsertThread({ ...base, id: `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`, rolloutPath: `${home}/x/${i}.jsonl`, preview: 'p'.repeat(200) });
      }
    });
    const root = store.db.get<{ rootpage: number }>("SELECT rootpage FROM sqlite_schema WHERE name = 'threads'")!.rootpage;
    const pageSize = store.db.get<{ page_size: number }>('PRAGMA page_size')!.page_size;
    store.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    store.close();
    const path = stateDbPath(home);
    const bytes = readFileSync(path);
    randomBytes(pageSize - 16).copy(bytes, (root - 1) * pageSize + 8);
    writeFileSync(path, bytes);
    const rebuilt = openStateStore(home);
    try {
      assert.ok(rebuilt.info.recoveredFrom, 'the damaged file was moved aside');
      await rebuilt.startBackgroundIndexing();
      assert.equal(rebuilt.getThread(a.id)?.name, 'Still named');
      assert.equal(rebuilt.getThread(a.id)?.metadata.preview, 'survives');
    } finally {
      rebuilt.close();
    }
  });

  it('gives a clear error when the home cannot hold the database', () => {
    const home = tempHome();
    const file = join(home, 'not-a-dir');
    writeFileSync(file, 'x');
    assert.throws(() => openStateDb(join(file, 'home')), /cannot (create the Codex home|open the threadstate index)/);
  });
});
