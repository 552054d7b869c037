// A server killed (kill -9) while threads were being written leaves no clean mark, and may leave
// rollouts, names and moves on disk that its index never heard of (killed between the file write
// and the row). The first thread/list of the next server must list them all anyway, without any
// wait by the client; after a clean stop the same start answers from the index at once.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { AppServerProcess, type Json } from '../helpers/app-server.ts';
import { makeTempDir, removeDir } from '../helpers/home.ts';
import { febPrompt, writeThread } from '../unit/search/rollouts.ts';

// No file watches and no periodic checks within the test's time: only the start-up path is under test.
const QUIET_LIVE_ENV = { THREADSTATE_WATCH: '0', THREADSTATE_POLL_MS: '600000', THREADSTATE_RECONCILE_MS: '600000', THREADSTATE_LOG: 'info' };
/** What a start logs when its first answers wait for the start-up reconcile (src/server/unclean-start.ts). */
const WAITS = /first answers wait for the start-up reconcile/;

function indexFile(home: string): string {
  return join(home, readdirSync(home).find((n) => /^threadstate_\d+\.sqlite$/.test(n))!);
}

async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function backfillComplete(home: string): boolean {
  try {
    const db = new DatabaseSync(indexFile(home), { readOnly: true });
    try {
      return (db.prepare('SELECT status FROM backfill_state WHERE id = 1').get() as { status?: string } | undefined)?.status === 'complete';
    } finally {
      db.close();
    }
  } catch {
    return false;
  }
}

/** Every thread of one archived value, all pages, as id -> name. */
async function listAll(server: AppServerProcess, archived: boolean): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  let cursor: string | null = null;
  do {
    const page: Json = await server.call('thread/list', { limit: 50, sourceKinds: [], archived, cursor });
    for (const t of page.data) out.set(t.id, t.name ?? null);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return out;
}

/** thread/start and one injected user message (which writes the rollout); the thread id. */
async function startThread(server: AppServerProcess, text: string): Promise<string> {
  const id: string = (await server.call('thread/start', { cwd: '/tmp/restart-after-kill', ephemeral: false })).thread.id;
  await server.call('thread/inject_items', { threadId: id, items: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text }] }] });
  return id;
}

describe('restart after kill -9 during writes', function () {
  this.timeout(120000);
  let root: string;
  let home: string;
  const servers: AppServerProcess[] = [];

  beforeEach(() => {
    root = makeTempDir('threadstate-e2e-restart-');
    home = join(root, 'codex-home');
    mkdirSync(join(home, 'sessions'), { recursive: true });
    for (let i = 0; i < 30; i++) writeThread(home, febPrompt(`seed${i}`), { time: `2026-02-${String(1 + (i % 27)).padStart(2, '0')}T10-00-${String(i).padStart(2, '0')}` });
  });

  afterEach(async () => {
    for (const s of servers.splice(0)) s.kill();
    removeDir(root);
  });

  async function indexedServer(): Promise<AppServerProcess> {
    const server = new AppServerProcess(home, [], QUIET_LIVE_ENV);
    servers.push(server);
    await server.initialize();
    return server;
  }

  it('the first thread/list after the restart lists every rollout, name and move the killed server left', async () => {
    const first = await indexedServer();
    await until('the first backfill is complete', () => backfillComplete(home));
    const acknowledged = [await startThread(first, 'acknowledged one'), await startThread(first, 'acknowledged two')];
    first.kill();
    await first.exited;
    assert.ok(!existsSync(`${indexFile(home)}-clean`), 'a killed server leaves no clean mark');

    // What the killed server wrote without indexing it: the same writes through threadstate's own
    // code, by a server that keeps no index (a kill between the file write and the row leaves the
    // home exactly so).
    const writer = new AppServerProcess(home, ['--no-index'], QUIET_LIVE_ENV);
    servers.push(writer);
    await writer.initialize();
    const unindexed = await startThread(writer, 'written, never indexed');
    await writer.call('thread/name/set', { threadId: acknowledged[0], name: 'renamed before the kill' });
    await writer.call('thread/archive', { threadId: acknowledged[1] });
    writer.kill();
    await writer.exited;

    const restarted = await indexedServer();
    const active = await listAll(restarted, false);
    assert.match(restarted.stderr, WAITS);
    assert.ok(active.has(unindexed), 'the rollout the index never heard of is listed');
    assert.equal(active.get(acknowledged[0]), 'renamed before the kill');
    assert.ok(!active.has(acknowledged[1]), 'the archived thread left the active list');
    assert.ok((await listAll(restarted, true)).has(acknowledged[1]), 'and is in the archived list');
    assert.equal(active.size, 30 + 2);
    assert.ok(!restarted.messages.some((m) => m.error), 'no request failed');
  });

  it('after a clean stop the index answers and a later restart still lists everything', async () => {
    const first = await indexedServer();
    await until('the first backfill is complete', () => backfillComplete(home));
    const id = await startThread(first, 'before a clean stop');
    assert.equal(await first.close(), 0);
    assert.ok(existsSync(`${indexFile(home)}-clean`), 'a clean stop leaves the clean mark');

    const restarted = await indexedServer();
    const active = await listAll(restarted, false);
    assert.ok(active.has(id));
    assert.equal(active.size, 31);
    assert.doesNotMatch(restarted.stderr, WAITS);
  });

  it('a start beside a running server answers at once; beside one killed, it waits for the reconcile', async () => {
    const running = await indexedServer();
    await until('the first backfill is complete', () => backfillComplete(home));
    // The running server keeps the index open (its -wal denies the clean mark), but it is alive.
    const beside = await indexedServer();
    assert.equal((await listAll(beside, false)).size, 30);
    assert.doesNotMatch(beside.stderr, WAITS);

    const id = await startThread(beside, 'written by the server about to be killed');
    beside.kill();
    await beside.exited;
    const afterKill = await indexedServer();
    assert.ok((await listAll(afterKill, false)).has(id));
    assert.match(afterKill.stderr, WAITS, 'a server of this home died without closing');

    // That start indexed what the killed server left: the next one beside two running servers answers at once.
    const next = await indexedServer();
    assert.equal((await listAll(next, false)).size, 31);
    assert.doesNotMatch(next.stderr, WAITS);
    for (const s of [running, afterKill, next]) assert.ok(!s.messages.some((m) => m.error), s.stderr);
  });
});
