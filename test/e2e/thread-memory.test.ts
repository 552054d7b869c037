// Thread memory over stdio: write/read/listRecent, errors, the journal in the home, the cascade on
// thread delete (with a tombstone), and memories surviving a deleted database across a restart.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { AppServerProcess, Json } from '../helpers/app-server.ts';
import { servedHome } from '../helpers/served-home.ts';

const UNKNOWN = '01a2121e-0000-7000-8000-000000000000';
const USER_MESSAGE = { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'remember this' }] };
const JOURNAL = 'threadstate-memory.jsonl';

function memoryRows(home: string): Json[] {
  const db = new DatabaseSync(join(home, 'threadstate_1.sqlite'), { readOnly: true });
  try {
    return db.prepare('SELECT thread_id, trace_summary, memory_summary, updated_at FROM thread_memory ORDER BY thread_id').all().map((r) => ({ ...r }));
  } finally {
    db.close();
  }
}

function journal(home: string): Json[] {
  return readFileSync(join(home, JOURNAL), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
}

describe('thread memory over stdio', function () {
  this.timeout(60000);
  const t = servedHome({ from: 'empty', each: true });
  let server: AppServerProcess;

  beforeEach(async () => {
    server = await t.ready();
  });

  async function storedThread(cwd: string): Promise<string> {
    const started = await server.call('thread/start', { cwd });
    await server.call('thread/inject_items', { threadId: started.thread.id, items: [USER_MESSAGE] });
    return started.thread.id;
  }

  it('writes, reads back and overwrites a thread memory; the row and the journal agree', async () => {
    const threadId = await storedThread(join(t.root, 'proj'));
    assert.deepEqual(await server.call('thread/memory/read', { threadId }), { memory: null });
    const first = await server.call('thread/memory/write', { threadId, traceSummary: 'did A', memorySummary: 'likes A' });
    assert.deepEqual({ ...first.memory, updatedAt: 0 }, { threadId, traceSummary: 'did A', memorySummary: 'likes A', updatedAt: 0 });
    assert.ok(Math.abs(first.memory.updatedAt - Date.now() / 1000) < 60, 'updatedAt is Unix seconds');
    const second = await server.call('thread/memory/write', { threadId: threadId.toUpperCase(), traceSummary: 'did B', memorySummary: 'likes B' });
    assert.equal(second.memory.threadId, threadId, 'ids are canonicalised');
    assert.deepEqual(await server.call('thread/memory/read', { threadId }), second);
    const rows = memoryRows(t.home);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].memory_summary, 'likes B');
    const lines = journal(t.home);
    assert.deepEqual(lines.map((l) => [l.op, l.threadId, l.memorySummary]), [['write', threadId, 'likes A'], ['write', threadId, 'likes B']]);
    assert.equal(lines[1].updatedAt, rows[0].updated_at, 'the journal holds the stored millisecond time');
    assert.ok(lines[1].updatedAt > lines[0].updatedAt);
  });

  it('lists the newest memories of one exact, normalised cwd with a clamped limit', async () => {
    const proj = join(t.root, 'proj');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await storedThread(proj));
    const elsewhere = await storedThread(join(t.root, 'other'));
    const nested = await storedThread(join(proj, 'sub'));
    for (const [i, threadId] of ids.entries()) {
      await server.call('thread/memory/write', { threadId, traceSummary: `t${i}`, memorySummary: `m${i}` });
    }
    await server.call('thread/memory/write', { threadId: elsewhere, traceSummary: 'x', memorySummary: 'x' });
    await server.call('thread/memory/write', { threadId: nested, traceSummary: 'y', memorySummary: 'y' });
    await server.call('thread/memory/write', { threadId: ids[0], traceSummary: 't0b', memorySummary: 'm0b' });

    const all = await server.call('thread/memory/listRecent', { cwd: `${proj}/./sub/../` });
    assert.deepEqual(all.data.map((m: Json) => m.memorySummary), ['m0b', 'm2', 'm1']);
    assert.deepEqual((await server.call('thread/memory/listRecent', { cwd: proj, limit: 2 })).data.map((m: Json) => m.threadId), [ids[0], ids[2]]);
    assert.equal((await server.call('thread/memory/listRecent', { cwd: proj, limit: 0 })).data.length, 1, 'limit below 1 is 1');
    assert.equal((await server.call('thread/memory/listRecent', { cwd: proj, limit: 1000 })).data.length, 3);
    assert.deepEqual(await server.call('thread/memory/listRecent', { cwd: join(t.root, 'nowhere') }), { data: [] });
    const empty = await server.request('thread/memory/listRecent', { cwd: '' });
    assert.deepEqual(empty.error, { code: -32600, message: 'cwd must not be empty' });
    const badLimit = await server.request('thread/memory/listRecent', { cwd: proj, limit: 'ten' });
    assert.equal(badLimit.error.code, -32600);
  });

  it('refuses unknown, unmaterialised and malformed threads', async () => {
    const write = await server.request('thread/memory/write', { threadId: UNKNOWN, traceSummary: 't', memorySummary: 'm' });
    assert.deepEqual(write.error, { code: -32600, message: `thread not found: ${UNKNOWN}` });
    const read = await server.request('thread/memory/read', { threadId: UNKNOWN });
    assert.deepEqual(read.error, { code: -32600, message: `thread not found: ${UNKNOWN}` });
    const pending = await server.call('thread/start', { cwd: t.root });
    const early = await server.request('thread/memory/write', { threadId: pending.thread.id, traceSummary: 't', memorySummary: 'm' });
    assert.deepEqual(early.error, { code: -32600, message: `thread not found: ${pending.thread.id}` });
    const malformed = await server.request('thread/memory/write', { threadId: 'zz', traceSummary: 't', memorySummary: 'm' });
    assert.equal(malformed.error.code, -32600);
    assert.match(malformed.error.message, /^invalid thread id: /);
    const missingField = await server.request('thread/memory/write', { threadId: UNKNOWN, traceSummary: 't' });
    assert.equal(missingField.error.code, -32600);
    assert.equal(existsSync(join(t.home, JOURNAL)), false, 'nothing was journaled');
  });

  it('deleting a thread deletes its memory and journals a tombstone', async () => {
    const threadId = await storedThread(t.root);
    const kept = await storedThread(t.root);
    await server.call('thread/memory/write', { threadId, traceSummary: 't', memorySummary: 'm' });
    await server.call('thread/memory/write', { threadId: kept, traceSummary: 'k', memorySummary: 'k' });
    await server.call('thread/delete', { threadId });
    assert.deepEqual(memoryRows(t.home).map((r) => r.thread_id), [kept]);
    const last = journal(t.home).at(-1);
    assert.equal(last.op, 'delete');
    assert.equal(last.threadId, threadId);
  });

  it('memories survive deleting the database file: the restarted server replays the journal', async () => {
    const a = await storedThread(join(t.root, 'proj'));
    const b = await storedThread(join(t.root, 'proj'));
    const gone = await storedThread(join(t.root, 'proj'));
    const wroteA = await server.call('thread/memory/write', { threadId: a, traceSummary: 'ta', memorySummary: 'ma' });
    const wroteB = await server.call('thread/memory/write', { threadId: b, traceSummary: 'tb', memorySummary: 'mb' });
    await server.call('thread/memory/write', { threadId: gone, traceSummary: 'tg', memorySummary: 'mg' });
    await server.call('thread/delete', { threadId: gone });
    const before = memoryRows(t.home);
    assert.equal(await server.close(), 0);

    for (const suffix of ['', '-wal', '-shm']) rmSync(join(t.home, `threadstate_1.sqlite${suffix}`), { force: true });
    server = await t.ready();
    // The replay runs after the start-up backfill; wait until the rebuilt index has both memories.
    let rows: Json[] = [];
    for (let i = 0; i < 200 && rows.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 50));
      try {
        rows = memoryRows(t.home);
      } catch {
        rows = []; // the new database may not have its tables yet
      }
    }
    assert.deepEqual(rows, before, 'same rows, same millisecond times');
    assert.deepEqual(await server.call('thread/memory/read', { threadId: a }), wroteA);
    assert.deepEqual(await server.call('thread/memory/read', { threadId: b }), wroteB);
    const recent = await server.call('thread/memory/listRecent', { cwd: join(t.root, 'proj') });
    assert.deepEqual(recent.data, [wroteB.memory, wroteA.memory]);
    const deleted = await server.request('thread/memory/read', { threadId: gone });
    assert.deepEqual(deleted.error, { code: -32600, message: `thread not found: ${gone}` });
  });
});
