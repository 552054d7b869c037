// The server keeps Codex's databases in step with its mutations (without the real Codex: databases
// built from the schema Codex 0.169 wrote; test/interop/ checks the same against the real binary).

import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { listRolloutFiles } from '../../src/rollout/paths.ts';
import { AppServerProcess } from '../helpers/app-server.ts';
import { codexThreadRow, createCodexDb, insertCodexThread, withDb } from '../helpers/codex-db-fixture.ts';
import { copyFixtureHome, removeDir } from '../helpers/home.ts';

const ACTIVE = '01a2121e-e83b-7081-b133-76ea94c04633';
const OTHER = '01a2121e-ee19-7783-a123-30693c826764';

describe("the server keeps Codex's databases in step", function () {
  this.timeout(30000);
  let home: string;
  let state: string;

  beforeEach(async () => {
    home = copyFixtureHome('codex-0.169.0');
    state = createCodexDb(home, 'state_5');
    createCodexDb(home, 'thread_history_1');
    for (const f of await listRolloutFiles(home)) insertCodexThread(state, f.id, f.path, { archived: f.archived ? 1 : 0, archived_at: f.archived ? 1795600000 : null });
  });
  afterEach(() => removeDir(join(home, '..')));

  it('archive, rename, delete and a new thread reach the rows; the other rows stay as they were', async () => {
    const untouched = codexThreadRow(state, OTHER);
    const server = new AppServerProcess(home);
    try {
      await server.initialize();
      await server.call('thread/name/set', { threadId: ACTIVE, name: 'Renamed' });
      await server.call('thread/archive', { threadId: ACTIVE });
      const started = await server.call('thread/start', { cwd: home });
      await server.call('thread/inject_items', { threadId: started.thread.id, items: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'New prompt' }] }] });
      const row = codexThreadRow(state, ACTIVE)!;
      assert.equal(row.name, 'Renamed');
      assert.equal(row.archived, 1);
      assert.match(String(row.rollout_path), /\/archived_sessions\/rollout-.*\.jsonl$/);
      const created = codexThreadRow(state, started.thread.id)!;
      assert.deepEqual([created.preview, created.history_mode, created.archived], ['New prompt', 'legacy', 0]);
      await server.call('thread/delete', { threadId: started.thread.id });
      assert.equal(codexThreadRow(state, started.thread.id), undefined);
    } finally {
      await server.close();
    }
    assert.deepEqual(codexThreadRow(state, OTHER), untouched);
  });

  it('resuming an older-format thread moves its row\'s updated_at, as Codex\'s own resume does', async () => {
    const legacyHome = copyFixtureHome('codex-0.98.0');
    try {
      const legacyState = createCodexDb(legacyHome, 'state_5');
      const files = (await listRolloutFiles(legacyHome)).filter((f) => !f.archived);
      for (const f of files) insertCodexThread(legacyState, f.id, f.path, { history_mode: 'legacy', updated_at: 1795600100, updated_at_ms: 1795600100000 });
      const server = new AppServerProcess(legacyHome);
      try {
        await server.initialize();
        await server.call('thread/resume', { threadId: files[0].id, excludeTurns: true });
      } finally {
        await server.close();
      }
      const row = codexThreadRow(legacyState, files[0].id)!;
      assert.equal(row.updated_at_ms, Math.floor(statSync(files[0].path).mtimeMs));
      assert.equal(codexThreadRow(legacyState, files[1].id)!.updated_at_ms, 1795600100000);
    } finally {
      removeDir(join(legacyHome, '..'));
    }
  });

  it('a Codex database of an unverified schema is left alone and the mutation still succeeds', async () => {
    withDb(state, (db) => db.prepare("INSERT INTO _sqlx_migrations VALUES (63, 'future', '2027-01-01', 1, X'00', 1)").run());
    const before = codexThreadRow(state, ACTIVE);
    const server = new AppServerProcess(home);
    try {
      await server.initialize();
      await server.call('thread/archive', { threadId: ACTIVE });
      const list = await server.call('thread/list', { archived: true, sourceKinds: [] });
      assert.ok(list.data.some((t: { id: string }) => t.id === ACTIVE));
    } finally {
      await server.close();
    }
    assert.deepEqual(codexThreadRow(state, ACTIVE), before);
    assert.match(server.stderr, /left Codex's state_5\.sqlite unchanged: it is not the schema threadstate verified/);
  });
});
