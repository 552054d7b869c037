// The live index through spawned servers on real files: every kind of change another process makes
// to the home (create, append, name, archive and unarchive moves, delete, restore, a burst of new
// rollouts, a rollout growing by 10 MB) shows in thread/list (index and file paths, both archived
// values), thread/read, thread/search and names, with file watches and with periodic checks only;
// a list taken while moves are pending never contradicts itself; thread/index/changed reaches only
// the connections that asked for it.

import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AppServerProcess, Json } from '../helpers/app-server.ts';
import { servedHome } from '../helpers/served-home.ts';
import { febAgent, febPrompt, writeThread, type Line } from '../unit/search/rollouts.ts';

const WATCH_ENV = { THREADSTATE_WATCH: '1' };
// Periodic checks every 100 ms so the fallback is exercised quickly; the full reconcile is kept out of the way.
const POLL_ENV = { THREADSTATE_WATCH: '0', THREADSTATE_POLL_MS: '100', THREADSTATE_RECONCILE_MS: '600000' };

function lines(body: Line[]): string {
  return body.map((l) => JSON.stringify(l)).join('\n') + '\n';
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 15000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function listIds(server: AppServerProcess, params: Json = {}): Promise<Map<string, Json>> {
  const out = new Map<string, Json>();
  let cursor: string | null = null;
  do {
    const page: Json = await server.call('thread/list', { limit: 100, sourceKinds: [], cursor, ...params });
    for (const t of page.data) out.set(t.id, t);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return out;
}

async function searchIds(server: AppServerProcess, query: string, params: Json = {}): Promise<string[]> {
  return (await server.call('thread/search', { query, limit: 100, ...params })).data.map((h: Json) => h.thread.id);
}

for (const [mode, env] of [['file watches', WATCH_ENV], ['periodic checks only', POLL_ENV]] as const) {
  describe(`live index with ${mode}`, function () {
    this.timeout(120000);
    const served = servedHome({ from: 'empty', each: true });
    let server: AppServerProcess;

    beforeEach(() => {
      mkdirSync(join(served.home, 'sessions'), { recursive: true });
    });

    async function start(): Promise<void> {
      server = served.start([], { env });
      await server.initialize();
      // The start-up reconcile is over once the seed thread is searchable.
      await until('start-up indexing', async () => (await searchIds(server, 'seedword')).length === 1);
    }

    it('follows create, append, name, archive, unarchive, delete and restore', async () => {
      writeThread(served.home, febPrompt('seedword first thread'), { time: '2026-03-01T10-00-00' });
      await start();

      // create
      const t = writeThread(served.home, [...febPrompt('createdword please'), febAgent('done')], { time: '2026-03-02T10-00-00' });
      await until('created thread listed', async () => (await listIds(server)).has(t.id));
      assert.ok((await listIds(server, { useStateDbOnly: true })).has(t.id));
      assert.deepEqual(await until('created thread searchable', async () => { const ids = await searchIds(server, 'createdword'); return ids.length > 0 && ids; }), [t.id]);
      const read1 = await server.call('thread/read', { threadId: t.id, includeTurns: true });
      assert.equal(read1.thread.turns.length, 1);
      assert.equal(read1.thread.preview, 'createdword please');

      // append: a second turn
      const before = (await listIds(server)).get(t.id).updatedAt;
      await new Promise((r) => setTimeout(r, 1100)); // updatedAt has a one-second grain
      appendFileSync(t.path, lines([...febPrompt('appendedword next'), febAgent('appended answer')]));
      assert.deepEqual(await until('appended turn searchable', async () => { const ids = await searchIds(server, 'appendedword'); return ids.length > 0 && ids; }), [t.id]);
      assert.ok((await listIds(server)).get(t.id).updatedAt > before);
      const read2 = await server.call('thread/read', { threadId: t.id, includeTurns: true });
      assert.equal(read2.thread.turns.length, 2);

      // name, appended to session_index.jsonl by another process (last entry wins)
      appendFileSync(join(served.home, 'session_index.jsonl'), `${JSON.stringify({ id: t.id, thread_name: 'first name', updated_at: new Date().toISOString() })}\n`);
      appendFileSync(join(served.home, 'session_index.jsonl'), `${JSON.stringify({ id: t.id, thread_name: 'Renamed elsewhere', updated_at: new Date().toISOString() })}\n`);
      await until('name listed', async () => (await listIds(server)).get(t.id)?.name === 'Renamed elsewhere');
      assert.equal((await server.call('thread/read', { threadId: t.id })).thread.name, 'Renamed elsewhere');

      // archive move
      const archivedPath = join(served.home, 'archived_sessions', t.path.split('/').pop()!);
      mkdirSync(dirname(archivedPath), { recursive: true });
      renameSync(t.path, archivedPath);
      await until('archived thread in the archived list', async () => (await listIds(server, { archived: true })).get(t.id)?.path === archivedPath);
      assert.ok(!(await listIds(server)).has(t.id));
      assert.deepEqual(await searchIds(server, 'appendedword'), []);
      assert.deepEqual(await searchIds(server, 'appendedword', { archived: true }), [t.id]);

      // unarchive move
      renameSync(archivedPath, t.path);
      await until('unarchived thread in the active list', async () => (await listIds(server)).get(t.id)?.path === t.path);
      assert.ok(!(await listIds(server, { archived: true })).has(t.id));
      assert.deepEqual(await searchIds(server, 'appendedword'), [t.id]);

      // delete
      const content = readFileSync(t.path);
      rmSync(t.path);
      await until('deleted thread gone', async () => !(await listIds(server)).has(t.id));
      assert.deepEqual(await searchIds(server, 'appendedword'), []);
      assert.ok(!(await listIds(server, { useStateDbOnly: true })).has(t.id));
      assert.ok((await server.request('thread/read', { threadId: t.id })).error);

      // restore
      writeFileSync(t.path, content);
      await until('restored thread back', async () => (await listIds(server)).has(t.id));
      assert.deepEqual(await until('restored thread searchable', async () => { const ids = await searchIds(server, 'appendedword'); return ids.length > 0 && ids; }), [t.id]);
      assert.equal((await listIds(server)).get(t.id).name, 'Renamed elsewhere');
      assert.equal((await server.call('thread/read', { threadId: t.id, includeTurns: true })).thread.turns.length, 2);
    });

    it('indexes a burst of 1,000 new rollouts and a rollout growing by 10 MB', async () => {
      writeThread(served.home, febPrompt('seedword first thread'), { time: '2026-03-01T10-00-00' });
      const grow = writeThread(served.home, febPrompt('growingword start'), { time: '2026-03-01T11-00-00' });
      await start();

      const ids = new Set<string>();
      for (let i = 0; i < 1000; i++) {
        const minute = String(i % 60).padStart(2, '0');
        const hour = String(10 + Math.floor(i / 60) % 10).padStart(2, '0');
        ids.add(writeThread(served.home, [...febPrompt(`burstword number ${i}`), febAgent('ok')], { time: `2026-03-03T${hour}-${minute}-00` }).id);
      }
      await until('all 1,000 listed', async () => {
        const listed = await listIds(server);
        return [...ids].every((id) => listed.has(id));
      }, 60000);
      assert.equal((await searchIds(server, 'burstword')).length, 100);

      // 10 MB appended in pieces while the server follows: ten turns with 1 MB of command output each.
      const output = 'x'.repeat(1024 * 1024);
      for (let i = 0; i < 10; i++) {
        appendFileSync(grow.path, lines([
          ...febPrompt(`growturn${i} more`),
          { timestamp: '2026-03-01T11:00:01.000Z', type: 'event_msg', payload: { type: 'exec_command_end', call_id: `call_${i}`, command: ['ls'], cwd: '/work', aggregated_output: output, exit_code: 0, status: 'completed' } },
          febAgent(i === 9 ? 'finalgrowthword reached' : 'continuing'),
        ]));
      }
      assert.deepEqual(await until('grown thread searchable', async () => { const hit = await searchIds(server, 'finalgrowthword'); return hit.length > 0 && hit; }, 30000), [grow.id]);
      const read = await server.call('thread/read', { threadId: grow.id, includeTurns: true });
      assert.equal(read.thread.turns.length, 11);
      assert.ok((await listIds(server)).has(grow.id));
    });
  });
}

describe('live index: consistency and notifications', function () {
  this.timeout(120000);
  const served = servedHome({ from: 'empty', each: true });

  it('never contradicts itself in a list taken while moves are pending', async () => {
    const threads = Array.from({ length: 6 }, (_, i) => writeThread(served.home, febPrompt(`pendingword ${i}`), { time: `2026-03-0${i + 1}T10-00-00` }));
    mkdirSync(join(served.home, 'archived_sessions'), { recursive: true });
    // No watches and no periodic check during the test: every move is still pending when the lists run.
    const server = served.start([], { env: { THREADSTATE_WATCH: '0', THREADSTATE_POLL_MS: '600000', THREADSTATE_RECONCILE_MS: '600000' } });
    await server.initialize();
    // Both phases of the start-up indexing done: listed, and searchable.
    await until('indexed', async () => (await listIds(server)).size === 6 && (await searchIds(server, 'pendingword')).length === 6);

    const archivedPath = (p: string) => join(served.home, 'archived_sessions', p.split('/').pop()!);
    const check = async (archivedFirst: boolean, wantArchived: Set<string>): Promise<void> => {
      let active: Map<string, Json>;
      let archived: Map<string, Json>;
      if (archivedFirst) {
        archived = await listIds(server, { archived: true });
        active = await listIds(server);
      } else {
        active = await listIds(server);
        archived = await listIds(server, { archived: true });
      }
      for (const t of threads) {
        const inActive = active.has(t.id);
        const inArchived = archived.has(t.id);
        assert.ok(!(inActive && inArchived), `${t.id} in both lists`);
        assert.ok(inActive || inArchived, `${t.id} in neither list`);
        assert.equal(inArchived, wantArchived.has(t.id), `${t.id} in the wrong list`);
        const path = (inActive ? active : archived).get(t.id).path as string;
        assert.equal(path.includes('/archived_sessions/'), inArchived, `${t.id} listed with a path in the other folder: ${path}`);
      }
    };
    const archived = new Set<string>();
    for (const [round, archivedFirst] of [[0, false], [1, true], [2, false]] as const) {
      for (const t of threads.filter((_, i) => i % 3 === round)) {
        renameSync(t.path, archivedPath(t.path));
        archived.add(t.id);
      }
      await check(archivedFirst, archived);
    }
    for (const [round, archivedFirst] of [[0, true], [1, false]] as const) {
      for (const t of threads.filter((_, i) => i % 3 === round)) {
        renameSync(archivedPath(t.path), t.path);
        archived.delete(t.id);
      }
      await check(archivedFirst, archived);
    }
    // search answers from the same repaired rows
    const moved = threads[2];
    renameSync(archivedPath(moved.path), moved.path);
    archived.delete(moved.id);
    assert.ok((await searchIds(server, 'pendingword')).includes(moved.id));
    assert.ok(!(await searchIds(server, 'pendingword', { archived: true })).includes(moved.id));
    rmSync(threads[0].path);
    assert.ok(!(await searchIds(server, 'pendingword')).includes(threads[0].id));
  });

  it('sends thread/index/changed only to connections that opted in; two servers both follow the home', async () => {
    writeThread(served.home, febPrompt('seedword'), { time: '2026-03-01T10-00-00' });
    mkdirSync(join(served.home, 'archived_sessions'), { recursive: true });
    const optedIn = served.start([], { env: WATCH_ENV });
    const plain = served.start([], { env: WATCH_ENV });
    const servers = [optedIn, plain];
    await optedIn.initialize({ threadIndexChanges: true });
    await plain.initialize();
    for (const s of servers) await until('indexed', async () => (await searchIds(s, 'seedword')).length === 1);

    const t = writeThread(served.home, febPrompt('notifiedword'), { time: '2026-03-02T10-00-00' });
    const note = await optedIn.waitFor((m) => m.method === 'thread/index/changed' && m.params.changes.some((c: Json) => c.threadId === t.id), 15000);
    assert.deepEqual(note.params.changes.find((c: Json) => c.threadId === t.id), { threadId: t.id, change: 'appeared', archived: false });
    assert.equal(typeof note.emittedAtMs, 'number');

    renameSync(t.path, join(served.home, 'archived_sessions', t.path.split('/').pop()!));
    await optedIn.waitFor((m) => m.method === 'thread/index/changed' && m.params.changes.some((c: Json) => c.threadId === t.id && c.archived === true), 15000);
    rmSync(join(served.home, 'archived_sessions', t.path.split('/').pop()!));
    await optedIn.waitFor((m) => m.method === 'thread/index/changed' && m.params.changes.some((c: Json) => c.threadId === t.id && c.change === 'disappeared'), 15000);

    // The other server followed the same changes (its own index view agrees) without telling its client.
    await until('second server saw the delete', async () => !(await listIds(plain, { archived: true })).has(t.id));
    assert.deepEqual(plain.notifications('thread/index/changed'), []);
    for (const s of servers) {
      assert.ok(!/SQLITE_BUSY|database is locked/i.test(s.stderr), s.stderr);
      assert.ok(!s.messages.some((m) => m.error), 'no request failed');
    }
  });
});
