// Mutations and loaded threads in process, on copies of the real Codex homes: the same mutations
// with and without an index leave the same home behind, concurrent writers to one thread end in
// agreement, and thread-scoped notifications reach the connections subscribed to the thread only.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ThreadSourceKind } from '../../../src/protocol/thread.ts';
import type { Json } from '../../helpers/app-server.ts';
import { copyFixtureHome, makeTempDir, removeDir } from '../../helpers/home.ts';
import { afterAnswers, serveInProcess, type InProcessConnection, type InProcessServer } from '../../helpers/in-process.ts';

const ALL_KINDS: readonly string[] = ThreadSourceKind.enum;
const UNKNOWN = '01a2122f-0000-7000-8000-000000000000';

async function everyThread(client: InProcessConnection, archived: boolean): Promise<Json[]> {
  const answer = await client.call('thread/list', { limit: 100, sourceKinds: ALL_KINDS, archived });
  return answer.data.map(({ recencyAt: _recencyAt, status: _status, ...rest }: Json) => rest);
}

/** The last name session_index.jsonl gives a thread (what Codex reads). */
function lastIndexedName(home: string, id: string): string | null {
  const lines = readFileSync(join(home, 'session_index.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '');
  const names = lines.map((l) => JSON.parse(l)).filter((e) => e.id === id).map((e) => e.thread_name as string);
  return names.length > 0 ? names[names.length - 1] : null;
}

describe('thread services in process: mutations', function () {
  this.timeout(60000);
  const homes: string[] = [];
  const servers: InProcessServer[] = [];

  async function serve(home: string, index: boolean): Promise<InProcessConnection> {
    const server = await serveInProcess(home, { index });
    servers.push(server);
    return server.connect({ capabilities: { experimentalApi: true } });
  }

  function home(): string {
    const made = copyFixtureHome('codex-0.98.0');
    homes.push(made);
    return made;
  }

  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
    for (const made of homes.splice(0)) removeDir(join(made, '..'));
  });

  it('leaves the same home behind with and without an index', async () => {
    const results: Json[] = [];
    for (const index of [true, false]) {
      const dir = home();
      const client = await serve(dir, index);
      const [first, second, third] = await everyThread(client, false);
      const [archived] = await everyThread(client, true);
      assert.deepEqual(await client.call('thread/name/set', { threadId: first.id, name: '  Renamed here  ' }), {});
      assert.deepEqual(await client.call('thread/archive', { threadId: second.id }), {});
      assert.deepEqual(await client.call('thread/delete', { threadId: third.id }), {});
      const restored = await client.call('thread/unarchive', { threadId: archived.id });
      assert.equal(restored.thread.id, archived.id);

      assert.equal(lastIndexedName(dir, first.id), 'Renamed here');
      assert.ok(!existsSync(second.path) && existsSync(join(dir, 'archived_sessions', basename(second.path))));
      assert.ok(!existsSync(third.path));
      assert.ok(!existsSync(archived.path) && existsSync(restored.thread.path));
      assert.match(restored.thread.path, /\/sessions\/\d{4}\/\d{2}\/\d{2}\/rollout-/);
      assert.deepEqual((await client.request('thread/read', { threadId: third.id })).error, { code: -32600, message: `thread not loaded: ${third.id}` });
      assert.equal((await client.call('thread/read', { threadId: first.id })).thread.name, 'Renamed here');

      // A later server with a fresh index reads the same home the same way.
      const later = await serve(dir, true);
      const after = { active: await everyThread(client, false), archived: await everyThread(client, true) };
      assert.deepEqual({ active: await everyThread(later, false), archived: await everyThread(later, true) }, after);
      assert.ok(after.archived.some((t: Json) => t.id === second.id));
      assert.ok(!after.active.some((t: Json) => t.id === second.id || t.id === third.id));
      assert.ok(after.active.some((t: Json) => t.id === archived.id));
      results.push(JSON.parse(JSON.stringify(after).split(dir).join('<home>')));
    }
    // Mutation times (archive, unarchive) differ by the run; everything else is equal.
    const timeless = (threads: Json[]) => threads.map(({ updatedAt: _u, ...rest }: Json) => rest);
    assert.deepEqual(timeless(results[0].active), timeless(results[1].active));
    assert.deepEqual(timeless(results[0].archived), timeless(results[1].archived));
  });

  it('refuses mutations of threads that are not there, and names that are blank, without an index too', async () => {
    for (const index of [true, false]) {
      const client = await serve(home(), index);
      const [thread] = await everyThread(client, false);
      const missing = { code: -32600, message: `no rollout found for thread id ${UNKNOWN}` };
      assert.deepEqual((await client.request('thread/archive', { threadId: UNKNOWN })).error, missing);
      assert.deepEqual((await client.request('thread/delete', { threadId: UNKNOWN })).error, missing);
      assert.deepEqual((await client.request('thread/name/set', { threadId: UNKNOWN, name: 'x' })).error, missing);
      assert.deepEqual((await client.request('thread/unarchive', { threadId: thread.id })).error,
        { code: -32600, message: `no archived rollout found for thread id ${thread.id}` });
      assert.deepEqual((await client.request('thread/name/set', { threadId: thread.id, name: ' \t ' })).error,
        { code: -32600, message: 'thread name must not be empty' });
      const gitInfo = { branch: 'main' };
      const update = await client.request('thread/metadata/update', { threadId: thread.id, gitInfo });
      if (index) assert.equal(update.result?.thread.gitInfo?.branch, 'main');
      else assert.deepEqual(update.error, { code: -32600, message: 'thread metadata cannot be updated: the state database is unavailable' });
    }
  });

  it('orders concurrent renames of one thread: the file and the index agree on the last one', async () => {
    const dir = home();
    const client = await serve(dir, true);
    const [thread] = await everyThread(client, false);
    const names = Array.from({ length: 12 }, (_, i) => `name ${i}`);
    const answers = await Promise.all(names.map((name) => client.request('thread/name/set', { threadId: thread.id, name })));
    assert.ok(answers.every((a) => a.error === undefined));
    const last = lastIndexedName(dir, thread.id);
    assert.ok(last !== null && names.includes(last));
    assert.equal((await client.call('thread/read', { threadId: thread.id })).thread.name, last);
    const restarted = await serve(dir, true);
    assert.equal((await restarted.call('thread/read', { threadId: thread.id })).thread.name, last);
    await afterAnswers();
    const all = client.received('thread/name/updated');
    assert.equal(all.length, names.length);
    assert.deepEqual(new Set(all.map((n: Json) => n.threadName)), new Set(names));
  });

  it('sends thread status to the connections subscribed to the thread, and archive drops them', async () => {
    const server = await serveInProcess(home());
    servers.push(server);
    const reader = await server.connect();
    const bystander = await server.connect();
    const [thread] = await everyThread(reader, false);

    const resumed = await reader.call('thread/resume', { threadId: thread.id });
    assert.equal(resumed.thread.id, thread.id);
    assert.deepEqual(resumed.thread.status, { type: 'idle' });
    await afterAnswers();
    assert.deepEqual(reader.received('thread/status/changed'), [{ threadId: thread.id, status: { type: 'idle' } }]);
    assert.deepEqual(bystander.received('thread/status/changed'), []);
    assert.ok(reader.session.subscriptions.has(thread.id));
    assert.deepEqual((await server.connect()).session.subscriptions.size, 0);

    assert.deepEqual(await bystander.call('thread/unsubscribe', { threadId: thread.id }), { status: 'notSubscribed' });
    assert.deepEqual(await bystander.call('thread/archive', { threadId: thread.id }), {});
    await afterAnswers();
    assert.ok(!reader.session.subscriptions.has(thread.id), 'archive drops the subscription');
    for (const client of [reader, bystander]) assert.deepEqual(client.received('thread/archived'), [{ threadId: thread.id }]);
    assert.deepEqual(await reader.call('thread/unsubscribe', { threadId: thread.id }), { status: 'notLoaded' });
  });

  it('stores a started thread once items arrive, and lists it from the index and the files alike', async () => {
    const dir = home();
    const client = await serve(dir, true);
    const cwd = makeTempDir('threadstate-cwd-');
    try {
      const { thread } = await client.call('thread/start', { cwd });
      assert.equal(existsSync(thread.path), false, 'nothing written before the first items');
      assert.ok((await client.call('thread/loaded/list', {})).data.includes(thread.id));
      assert.deepEqual((await client.call('thread/list', { cwd })).data, []);
      await client.call('thread/inject_items', {
        threadId: thread.id,
        items: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'index this prompt' }] }],
      });
      assert.ok(existsSync(thread.path));
      const listed = (await client.call('thread/list', { cwd })).data;
      assert.deepEqual(listed.map((t: Json) => [t.id, t.preview, t.path]), [[thread.id, 'index this prompt', thread.path]]);
      const fromFiles = await serve(dir, false);
      const again = (await fromFiles.call('thread/list', { cwd })).data;
      assert.deepEqual(again.map((t: Json) => [t.id, t.preview, t.path]), [[thread.id, 'index this prompt', thread.path]]);
      const read = await fromFiles.call('thread/read', { threadId: thread.id, includeTurns: true });
      assert.deepEqual(read.thread.turns.flatMap((t: Json) => t.items).map((i: Json) => i.type), ['userMessage']);
    } finally {
      removeDir(cwd);
    }
  });
});
