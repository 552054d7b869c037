// thread/fork and thread/resume on the real fixture homes, beyond the recorded answers: the files
// a fork writes (as the real Codex 0.169 binary writes them), the settings line a resume appends
// to an older-format thread, and resume cursors that survive a restart and refuse garbage.

import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AppServerProcess, type Json } from '../helpers/app-server.ts';
import { copyFixtureHome, removeDir } from '../helpers/home.ts';

const PAGINATED_FORK = '01a2121f-1fb4-7402-96b9-353cba49cbc8'; // 0.169 fork of 01a2121e-e83b, one own turn
const EXEC_THREAD = '01a2121e-e322-7aa0-ac65-d3d7e1327f4c'; // 0.169 `codex exec` thread
const LEGACY_FORK = '01a2122f-dcce-7d53-9a26-13ac95fd41ed'; // 0.98 fork, its last turn never ended
const LEGACY_INTERRUPTED = '01a2122f-eaaa-7291-9cef-c725141daabd'; // 0.98 thread ending in turn_aborted
const LEGACY_THREAD = '01a2122f-b25d-79d2-8971-a0ad7759643b';
const ARCHIVED_169 = '01a2121f-1442-7ee2-934d-ae9b771a2d2e';

function lines(path: string): Json[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
}

function kind(line: Json): string {
  return line.type === 'event_msg' ? `event_msg ${line.payload.type}` : line.type;
}

describe('thread/fork writes what Codex 0.169 writes', function () {
  this.timeout(30000);
  const homes: string[] = [];
  after(() => homes.forEach((h) => removeDir(join(h, '..'))));

  async function serve(era: 'codex-0.169.0' | 'codex-0.98.0'): Promise<{ home: string; server: AppServerProcess }> {
    const home = copyFixtureHome(era);
    homes.push(home);
    const server = new AppServerProcess(home);
    await server.initialize();
    return { home, server };
  }

  it('a 0.169 fork holds its session_meta (history_base up to the parent end) and a settings line, ordinals continued', async () => {
    const { server } = await serve('codex-0.169.0');
    try {
      const parent = (await server.call('thread/read', { threadId: PAGINATED_FORK })).thread;
      const fork = (await server.call('thread/fork', { threadId: PAGINATED_FORK })).thread;
      const written = lines(fork.path);
      assert.deepEqual(written.map(kind), ['session_meta', 'event_msg thread_settings_applied']);
      const meta = written[0].payload;
      // The real binary wrote, for this parent: ordinal 43, end_byte_offset 28887 (the parent's size).
      assert.equal(written[0].ordinal, 43);
      assert.equal(written[1].ordinal, 44);
      assert.deepEqual(meta.history_base, { thread_id: PAGINATED_FORK, end_ordinal_exclusive: 43, end_byte_offset: statSync(parent.path).size });
      assert.equal(meta.forked_from_id, PAGINATED_FORK);
      assert.equal(meta.forked_from_ordinal_exclusive, 43);
      assert.equal(meta.history_mode, 'paginated');
      assert.equal(meta.id, fork.id);
      assert.equal(meta.session_id, fork.id);
      assert.equal(meta.source, 'vscode');
      assert.equal(meta.cli_version, '0.169.0');
      assert.deepEqual(Object.keys(meta).slice(0, 6), ['account_scoped', 'session_id', 'id', 'forked_from_id', 'forked_from_ordinal_exclusive', 'timestamp']);
      assert.equal(written[1].payload.thread_id, fork.id);
      // The fork of the fork continues from the fork's own last ordinal.
      const second = (await server.call('thread/fork', { threadId: fork.id, excludeTurns: true })).thread;
      const secondMeta = lines(second.path)[0];
      assert.equal(secondMeta.ordinal, 45);
      assert.deepEqual(secondMeta.payload.history_base, { thread_id: fork.id, end_ordinal_exclusive: 45, end_byte_offset: statSync(fork.path).size });
      assert.deepEqual(second.turns, []);
      // Both show the lineage's turns and the root's first prompt.
      const read = (await server.call('thread/read', { threadId: second.id, includeTurns: true })).thread;
      const lineage = (await server.call('thread/read', { threadId: PAGINATED_FORK, includeTurns: true })).thread.turns;
      assert.equal(lineage.length, 4);
      assert.deepEqual(read.turns, lineage);
      assert.equal(read.preview, 'Hello, can you help me plan a refactor?');
      assert.equal(read.forkedFromId, fork.id);
    } finally {
      server.kill();
    }
  });

  it('an older-format fork copies the parent lines, records the interruption of an unended turn, then the settings', async () => {
    const { server } = await serve('codex-0.98.0');
    try {
      const parent = (await server.call('thread/read', { threadId: LEGACY_FORK })).thread;
      const fork = (await server.call('thread/fork', { threadId: LEGACY_FORK })).thread;
      const parentLines = lines(parent.path);
      const written = lines(fork.path);
      assert.deepEqual(written.map(kind), [
        'session_meta', ...parentLines.map(kind), 'response_item', 'event_msg turn_aborted', 'event_msg thread_settings_applied',
      ]);
      assert.deepEqual(written.slice(1, -3).map((l) => l.payload), parentLines.map((l) => l.payload));
      assert.equal(written[0].payload.history_mode, 'legacy');
      assert.equal(written[0].payload.history_base, undefined);
      // Turn ids count lines: one more line before each, as the real binary's fork showed (rollout-7 for rollout-6).
      assert.deepEqual(fork.turns.map((t: Json) => [t.id, t.status]), [['rollout-7', 'completed'], ['rollout-14', 'completed'], ['rollout-21', 'completed'], ['rollout-31', 'interrupted']]);
      // A parent whose last turn already ended gets no second interruption.
      const ended = (await server.call('thread/fork', { threadId: LEGACY_INTERRUPTED })).thread;
      assert.deepEqual(lines(ended.path).slice(-2).map(kind), ['event_msg turn_aborted', 'event_msg thread_settings_applied']);
      assert.equal(lines(ended.path).length, lines((await server.call('thread/read', { threadId: LEGACY_INTERRUPTED })).thread.path).length + 2);
    } finally {
      server.kill();
    }
  });

  it('a fork survives a restart: listed first with its root preview and its parent name, from the index and from the files', async () => {
    const { home, server } = await serve('codex-0.98.0');
    const named = '01a2122f-b7f0-7440-b335-b838811b2b66'; // "Release notes v1.2"
    let fork: Json;
    try {
      fork = (await server.call('thread/fork', { threadId: named, excludeTurns: true })).thread;
      assert.equal(fork.name, 'Release notes v1.2');
    } finally {
      server.kill();
    }
    for (const args of [[], ['--no-index']]) {
      const again = new AppServerProcess(home, args);
      try {
        await again.initialize();
        const [row] = (await again.call('thread/list', { limit: 1, sortKey: 'updated_at' })).data;
        assert.equal(row.id, fork.id);
        assert.equal(row.preview, 'Draft a release note for version 1.2.');
        assert.equal(row.name, 'Release notes v1.2');
        assert.deepEqual(row.status, { type: 'notLoaded' });
        const read = (await again.call('thread/read', { threadId: fork.id })).thread;
        assert.equal(read.forkedFromId, named);
        assert.equal(read.cliVersion, '0.169.0');
      } finally {
        again.kill();
      }
    }
  });

  it('refuses unknown, archived and malformed parents with Codex errors, and writes nothing', async () => {
    const { home, server } = await serve('codex-0.169.0');
    try {
      const before = (await server.call('thread/list', { limit: 100, sourceKinds: [] })).data.length;
      assert.deepEqual((await server.request('thread/fork', { threadId: '00000000-0000-7000-8000-000000000000' })).error,
        { code: -32600, message: 'no rollout found for thread id 00000000-0000-7000-8000-000000000000' });
      assert.equal((await server.request('thread/fork', { threadId: ARCHIVED_169 })).error.message,
        `session ${ARCHIVED_169} is archived. Run \`codex unarchive ${ARCHIVED_169}\` to unarchive it first.`);
      assert.match((await server.request('thread/fork', { threadId: 'not-a-uuid' })).error.message, /^invalid session id: invalid character/);
      assert.equal((await server.call('thread/list', { limit: 100, sourceKinds: [] })).data.length, before);
      assert.equal(server.notifications('thread/started').length, 0);
      assert.ok(home);
    } finally {
      server.kill();
    }
  });
});

describe('thread/resume', function () {
  this.timeout(30000);
  const homes: string[] = [];
  after(() => homes.forEach((h) => removeDir(join(h, '..'))));

  it('appends one settings line to an older-format thread (not again while loaded), which moves it up in updated_at order', async () => {
    const home = copyFixtureHome('codex-0.98.0');
    homes.push(home);
    const server = new AppServerProcess(home);
    try {
      await server.initialize();
      const path = (await server.call('thread/read', { threadId: LEGACY_THREAD })).thread.path;
      const count = lines(path).length;
      const first = (await server.call('thread/list', { limit: 1, sortKey: 'updated_at' })).data[0].id;
      assert.notEqual(first, LEGACY_THREAD);
      const resumed = await server.call('thread/resume', { threadId: LEGACY_THREAD, excludeTurns: true });
      assert.equal(resumed.turnsBackwardsCursor, null);
      assert.equal(resumed.itemsBackwardsCursor, null);
      assert.deepEqual(resumed.collaborationMode, { mode: 'default', settings: { model: 'gpt-5.2-codex', reasoning_effort: null, developer_instructions: null } });
      const after = lines(path);
      assert.equal(after.length, count + 1);
      assert.equal(kind(after[after.length - 1]), 'event_msg thread_settings_applied');
      assert.equal(after[after.length - 1].payload.thread_id, LEGACY_THREAD);
      await server.call('thread/resume', { threadId: LEGACY_THREAD, excludeTurns: true });
      assert.equal(lines(path).length, count + 1);
      assert.equal((await server.call('thread/list', { limit: 1, sortKey: 'updated_at' })).data[0].id, LEGACY_THREAD);
    } finally {
      server.kill();
    }
  });

  it('mints cursors for a 0.169 thread that page the same after a restart, and refuses malformed ones', async () => {
    const home = copyFixtureHome('codex-0.169.0');
    homes.push(home);
    let server = new AppServerProcess(home);
    try {
      await server.initialize();
      const path = (await server.call('thread/read', { threadId: EXEC_THREAD })).thread.path;
      const size = statSync(path).size;
      const resumed = await server.call('thread/resume', { threadId: EXEC_THREAD, excludeTurns: true });
      assert.equal(resumed.approvalPolicy, 'never'); // a `codex exec` thread
      assert.equal(statSync(path).size, size); // a 0.169 resume writes nothing
      const turnsParams = { threadId: EXEC_THREAD, cursor: resumed.turnsBackwardsCursor, limit: 5, sortDirection: 'desc', itemsView: 'notLoaded' };
      const itemsParams = { threadId: EXEC_THREAD, cursor: resumed.itemsBackwardsCursor, limit: 100, sortDirection: 'desc' };
      const turns = await server.call('thread/turns/list', turnsParams);
      const items = await server.call('thread/items/list', itemsParams);
      assert.equal(turns.data.length, 2);
      assert.equal(items.data.length, 4);
      assert.deepEqual(items.data.map((e: Json) => Object.keys(e)), items.data.map(() => ['turnId', 'item', 'startedAtMs', 'completedAtMs']));
      server.kill();
      server = new AppServerProcess(home, ['--no-index']);
      await server.initialize();
      assert.deepEqual(await server.call('thread/turns/list', turnsParams), turns);
      assert.deepEqual(await server.call('thread/items/list', itemsParams), items);
      const other = JSON.parse(resumed.itemsBackwardsCursor);
      for (const bad of [
        'not-a-real-cursor',
        JSON.stringify({ ...other, requestedThreadId: PAGINATED_FORK }), // another thread's cursor
        resumed.turnsBackwardsCursor, // a turns cursor on items
        JSON.stringify({ ...other, rolloutOrdinal: 'x' }),
        JSON.stringify({ itemId: 'msg_000004', includeAnchor: true }), // the older-format form on a 0.169 thread
      ]) {
        assert.deepEqual((await server.request('thread/items/list', { ...itemsParams, cursor: bad })).error, { code: -32600, message: `invalid cursor: ${bad}` });
      }
      assert.deepEqual((await server.request('thread/turns/list', { ...turnsParams, cursor: resumed.itemsBackwardsCursor })).error,
        { code: -32600, message: `invalid cursor: ${resumed.itemsBackwardsCursor}` });
    } finally {
      server.kill();
    }
  });

  it('answers items of a started, never-written thread and of an unknown id with Codex -32601', async () => {
    const home = copyFixtureHome('codex-0.169.0');
    homes.push(home);
    const server = new AppServerProcess(home);
    try {
      await server.initialize();
      const started = (await server.call('thread/start', {})).thread.id;
      const notSupported = { code: -32601, message: 'thread/items/list is not supported yet' };
      assert.deepEqual((await server.request('thread/items/list', { threadId: started })).error, notSupported);
      assert.deepEqual((await server.request('thread/items/list', { threadId: '00000000-0000-7000-8000-000000000000' })).error, notSupported);
      assert.deepEqual(await server.call('thread/items/list', { threadId: EXEC_THREAD, turnId: 'no-such-turn' }), { data: [], nextCursor: null, backwardsCursor: null });
    } finally {
      server.kill();
    }
  });
});
