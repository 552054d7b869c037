// The writer of Codex's databases, on databases built from the schema the real Codex 0.169 wrote:
// each change touches one thread's rows, a database that is absent stays absent, one whose schema is
// not the verified one is left alone with a WARN, and a busy or broken one never fails the caller.

import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { CodexDbSync } from '../../../src/codex-db/sync.ts';
import { DEFAULT_SANDBOX_POLICY } from '../../../src/codex-db/thread-row.ts';
import { extractThreadMetadata } from '../../../src/rollout/extract.ts';
import { findRolloutById } from '../../../src/rollout/paths.ts';
import type { ThreadMetadata } from '../../../src/model/thread-metadata.ts';
import { codexThreadRow, createCodexDb, insertCodexThread, withDb } from '../../helpers/codex-db-fixture.ts';
import { copyFixtureHome, makeTempDir, removeDir } from '../../helpers/home.ts';
import { recordLogs } from '../../helpers/logs.ts';

const A = '01a2121e-e83b-7081-b133-76ea94c04633';
const B = '01a2121e-ee19-7783-a123-30693c826764';

const opened: CodexDbSync[] = [];
function track(sync: CodexDbSync): CodexDbSync {
  opened.push(sync);
  return sync;
}

describe('codex-db: keeping Codex 0.169 databases in step', () => {
  afterEach(() => {
    for (const sync of opened.splice(0)) sync.close();
  });
  let home: string;
  let state: string;
  let history: string;

  beforeEach(() => {
    home = makeTempDir();
    state = createCodexDb(home, 'state_5');
    history = createCodexDb(home, 'thread_history_1');
    insertCodexThread(state, A, join(home, 'sessions/2026/11/25/a.jsonl'));
    insertCodexThread(state, B, join(home, 'sessions/2026/11/25/b.jsonl'));
  });
  afterEach(() => removeDir(home));

  it('archives and unarchives one row: path, flag, time, updated_at from the mtime', () => {
    const sync = track(new CodexDbSync(home));
    const before = codexThreadRow(state, B);
    assert.equal(sync.threadArchived(A, join(home, 'archived_sessions/a.jsonl'), 1796000000, 1795999999123.7), 'applied');
    let row = codexThreadRow(state, A)!;
    assert.deepEqual([row.rollout_path, row.archived, row.archived_at, row.updated_at, row.updated_at_ms], [join(home, 'archived_sessions/a.jsonl'), 1, 1796000000, 1795999999, 1795999999123]);
    assert.equal(sync.threadUnarchived(A, join(home, 'sessions/2026/11/25/a.jsonl'), 1796000005000), 'applied');
    row = codexThreadRow(state, A)!;
    assert.deepEqual([row.archived, row.archived_at, row.updated_at, row.updated_at_ms], [0, null, 1796000005, 1796000005000]);
    assert.deepEqual(codexThreadRow(state, B), before, 'the other thread is untouched');
  });

  it('renames, patches git metadata (omitted stays, null clears) and reports a missing row', () => {
    const sync = track(new CodexDbSync(home));
    withDb(state, (db) => db.prepare('UPDATE threads SET git_sha = ?, git_branch = ? WHERE id = ?').run('old', 'dev', A));
    assert.equal(sync.threadRenamed(A, 'New name'), 'applied');
    assert.equal(sync.threadGitUpdated(A, { sha: null, originUrl: 'https://x.invalid/r.git' }), 'applied');
    const row = codexThreadRow(state, A)!;
    assert.deepEqual([row.name, row.git_sha, row.git_branch, row.git_origin_url], ['New name', null, 'dev', 'https://x.invalid/r.git']);
    const unknown = '01a2121e-0000-7000-8000-000000000000';
    assert.equal(sync.threadRenamed(unknown, 'x'), 'no-row');
    assert.equal(codexThreadRow(state, unknown), undefined, 'a missing row is not created by a rename');
  });

  it('deletes the row, its read receipt and that thread\'s history projection only', () => {
    withDb(history, (db) => {
      for (const id of [A, B]) {
        db.prepare('INSERT INTO thread_history_projection_state VALUES (?, 100, 3)').run(id);
        db.prepare("INSERT INTO thread_turns (thread_id, turn_id, rollout_ordinal, status) VALUES (?, 't1', 1, 'completed')").run(id);
        db.prepare("INSERT INTO thread_items (thread_id, turn_id, item_id, rollout_ordinal, created_at_ms, item_json) VALUES (?, 't1', 'i1', 2, 0, '{}')").run(id);
      }
    });
    withDb(state, (db) => {
      for (const id of [A, B]) db.prepare("INSERT INTO thread_read_receipts (thread_id, first_unread_turn, revision, last_published_turn) VALUES (?, 't1', 'r', 't1')").run(id);
    });
    assert.equal(track(new CodexDbSync(home)).threadDeleted(A), 'applied');
    assert.equal(codexThreadRow(state, A), undefined);
    assert.deepEqual(withDb(state, (db) => db.prepare('SELECT thread_id FROM thread_read_receipts').all().map((r) => r.thread_id)), [B]);
    assert.ok(codexThreadRow(state, B));
    const left = withDb(history, (db) => ['thread_history_projection_state', 'thread_turns', 'thread_items'].map((t) => (db.prepare(`SELECT thread_id FROM ${t}`).all() as Array<{ thread_id: string }>).map((r) => r.thread_id)));
    assert.deepEqual(left, [[B], [B], [B]]);
  });

  describe('new threads', () => {
    let meta: ThreadMetadata;
    before(async () => {
      const fixture = copyFixtureHome('codex-0.169.0');
      const found = await findRolloutById(fixture, '01a2121e-f8c5-73b1-8d51-5bb39afff9d5');
      meta = (await extractThreadMetadata(found!.path, { codexHome: fixture })).metadata!;
      removeDir(join(fixture, '..'));
    });

    it('inserts the row Codex would build from the rollout, once', () => {
      const sync = track(new CodexDbSync(home));
      assert.equal(sync.threadCreated(meta, { defaultModelProvider: 'openai', name: 'Named' }), 'applied');
      const row = codexThreadRow(state, meta.id)!;
      assert.equal(row.rollout_path, meta.rolloutPath);
      assert.equal(row.preview, meta.preview);
      assert.equal(row.name, 'Named');
      assert.equal(row.sandbox_policy, DEFAULT_SANDBOX_POLICY);
      assert.equal(row.created_at_ms, meta.createdAtMs);
      assert.ok(Number(row.recency_at_ms) > 0, "Codex's insert trigger filled the recency");
      assert.equal(sync.threadCreated(meta, { defaultModelProvider: 'openai', name: 'Other' }), 'no-row');
      assert.equal(codexThreadRow(state, meta.id)!.name, 'Named', 'an existing row is left as it is');
    });

    it('a fork carries its parent\'s name and settings, not its git metadata', () => {
      withDb(state, (db) => db.prepare("UPDATE threads SET name = 'Parent', sandbox_policy = 'P', approval_mode = 'never', git_sha = 'abc' WHERE id = ?").run(A));
      assert.equal(track(new CodexDbSync(home)).threadForked({ ...meta, git: null }, A, { defaultModelProvider: 'openai' }), 'applied');
      const row = codexThreadRow(state, meta.id)!;
      assert.deepEqual([row.name, row.sandbox_policy, row.approval_mode, row.git_sha], ['Parent', 'P', 'never', null]);
    });

    it('an append moves updated_at and fills an empty preview only', () => {
      withDb(state, (db) => db.prepare("UPDATE threads SET preview = '', title = '', first_user_message = '' WHERE id = ?").run(A));
      const sync = track(new CodexDbSync(home));
      assert.equal(sync.threadAppended({ ...meta, id: A, fingerprint: { size: 1, mtimeMs: 1796000001500 } }), 'applied');
      let row = codexThreadRow(state, A)!;
      assert.deepEqual([row.preview, row.updated_at, row.updated_at_ms], [meta.preview, 1796000001, 1796000001500]);
      assert.equal(sync.threadAppended({ ...meta, id: A, preview: 'later', title: 'later', firstUserMessage: 'later', fingerprint: { size: 2, mtimeMs: 1796000002000 } }), 'applied');
      row = codexThreadRow(state, A)!;
      assert.equal(row.preview, meta.preview);
    });

    it('an append moves a caught-up history projection past the new lines, and no other', () => {
      withDb(history, (db) => {
        db.prepare('INSERT INTO thread_history_projection_state VALUES (?, 1000, 8)').run(A);
        db.prepare('INSERT INTO thread_history_projection_state VALUES (?, 500, 4)').run(B);
      });
      const sync = track(new CodexDbSync(home));
      sync.threadAppended({ ...meta, id: A }, { sizeBefore: 1000, sizeAfter: 1600, lines: 3 });
      sync.threadAppended({ ...meta, id: B }, { sizeBefore: 900, sizeAfter: 1200, lines: 2 });
      const rows = withDb(history, (db) => db.prepare('SELECT * FROM thread_history_projection_state ORDER BY thread_id').all());
      assert.deepEqual(rows.map((r) => ({ ...r })), [
        { thread_id: A, next_rollout_byte_offset: 1600, next_rollout_ordinal: 11 },
        { thread_id: B, next_rollout_byte_offset: 500, next_rollout_ordinal: 4 }, // behind the old end: Codex projects the rest itself
      ]);
    });
  });

  it('follows the file: a database replaced since the last change gets a new connection, a removed one is absent', () => {
    const sync = track(new CodexDbSync(home));
    assert.equal(sync.threadRenamed(A, 'first'), 'applied');
    renameSync(state, `${state}.aside`);
    for (const sidecar of ['-wal', '-shm']) rmSync(`${state}${sidecar}`, { force: true });
    createCodexDb(home, 'state_5');
    insertCodexThread(state, A, '/x');
    assert.equal(sync.threadRenamed(A, 'second'), 'applied');
    assert.equal(codexThreadRow(state, A)!.name, 'second');
    rmSync(state);
    assert.equal(sync.threadRenamed(A, 'third'), 'absent');
    assert.equal(readdirSync(home).includes('state_5.sqlite'), false, 'not re-created');
  });

  it('never creates a database: a home without them stays without them', () => {
    const empty = makeTempDir();
    try {
      const sync = track(new CodexDbSync(empty));
      assert.equal(sync.threadRenamed(A, 'x'), 'absent');
      assert.equal(sync.threadDeleted(A), 'absent');
      assert.deepEqual(readdirSync(empty), []);
    } finally {
      removeDir(empty);
    }
  });

  for (const [label, tamper] of [
    ['a newer migration', (db: DatabaseSync) => db.prepare("INSERT INTO _sqlx_migrations VALUES (63, 'future', '2027-01-01', 1, X'00', 1)").run()],
    ['a different checksum', (db: DatabaseSync) => db.prepare("UPDATE _sqlx_migrations SET checksum = X'00' WHERE version = 41").run()],
    ['a failed migration', (db: DatabaseSync) => db.prepare('UPDATE _sqlx_migrations SET success = 0 WHERE version = 62').run()],
    ['a missing column', (db: DatabaseSync) => db.exec('ALTER TABLE threads DROP COLUMN name')],
    ['no migration table', (db: DatabaseSync) => db.exec('DROP TABLE _sqlx_migrations')],
  ] as Array<[string, (db: DatabaseSync) => unknown]>) {
    it(`leaves a database with ${label} alone, with a WARN`, () => {
      withDb(state, tamper);
      const before = codexThreadRow(state, A);
      const warnings = recordLogs('WARN');
      try {
        assert.equal(track(new CodexDbSync(home)).threadArchived(A, '/elsewhere', 1, 1), 'skipped');
      } finally {
        warnings.stop();
      }
      assert.deepEqual(codexThreadRow(state, A), before);
      assert.equal(warnings.records.length, 1);
      assert.match(warnings.records[0].message, /not the schema threadstate verified/);
    });
  }

  it('gives up after the busy timeout while Codex holds the write lock, without throwing', () => {
    const codex = new DatabaseSync(state);
    codex.exec('BEGIN IMMEDIATE');
    const warnings = recordLogs('WARN');
    try {
      const started = Date.now();
      assert.equal(track(new CodexDbSync(home, { busyTimeoutMs: 150 })).threadRenamed(A, 'x'), 'failed');
      assert.ok(Date.now() - started >= 140);
      assert.match(warnings.records[0]?.message ?? '', /could not update Codex's state_5.sqlite/);
    } finally {
      warnings.stop();
      codex.exec('ROLLBACK');
      codex.close();
    }
    assert.equal(codexThreadRow(state, A)!.name, null);
  });

  it('a file that is not a database is reported, not fatal', () => {
    const other = makeTempDir();
    const warnings = recordLogs('WARN');
    try {
      writeFileSync(join(other, 'state_5.sqlite'), 'not a database at all, just text');
      assert.equal(track(new CodexDbSync(other)).threadRenamed(A, 'x'), 'failed');
      assert.match(warnings.records[0]?.message ?? '', /could not update/);
    } finally {
      warnings.stop();
      removeDir(other);
    }
  });

  it('follows sqlite_home from config.toml', () => {
    const elsewhere = makeTempDir();
    const codexHome = makeTempDir();
    try {
      mkdirSync(elsewhere, { recursive: true });
      const moved = createCodexDb(elsewhere, 'state_5');
      insertCodexThread(moved, A, '/x');
      writeFileSync(join(codexHome, 'config.toml'), `sqlite_home = ${JSON.stringify(elsewhere)}\nmodel = "m"\n`);
      assert.equal(track(new CodexDbSync(codexHome)).threadRenamed(A, 'Moved'), 'applied');
      assert.equal(codexThreadRow(moved, A)!.name, 'Moved');
    } finally {
      removeDir(elsewhere);
      removeDir(codexHome);
    }
  });
});
