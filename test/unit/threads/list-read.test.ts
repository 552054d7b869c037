// thread/list, thread/read and thread/turns/list in process, on copies of the real Codex homes:
// what they list is what the folders hold, the index and the rollout files give the same answers,
// cursors walk every thread once, and the index follows files moved behind its back.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ThreadSourceKind } from '../../../src/protocol/thread.ts';
import type { Json } from '../../helpers/app-server.ts';
import { FIXTURE_ERAS, copyFixtureHome, removeDir } from '../../helpers/home.ts';
import { serveInProcess, type InProcessConnection, type InProcessServer } from '../../helpers/in-process.ts';

const ALL_KINDS: readonly string[] = ThreadSourceKind.enum;
const UNKNOWN = '01a2121e-0000-7000-8000-000000000000';

/** Thread ids of the rollouts in a folder of the home (sessions/ is nested by date). */
function rolloutIds(folder: string): Set<string> {
  const names = readdirSync(folder, { recursive: true }).map(String).filter((n) => /^rollout-.*\.jsonl$/.test(basename(n)));
  return new Set(names.map((n) => /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/.exec(n)?.[1] ?? n));
}

/** Every page of a listing, walked with nextCursor. */
async function walk(client: InProcessConnection, params: Json, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: Json = await client.call('thread/list', { ...params, limit, cursor });
    assert.ok(page.data.length <= limit);
    ids.push(...page.data.map((t: Json) => t.id));
    cursor = page.nextCursor;
    pages++;
    assert.ok(pages < 100, 'cursor loops');
  } while (cursor !== null);
  return { ids, pages };
}

/** Without `recencyAt`, which the file fallback takes from the mtime (see fixture-answers.test.ts). */
function comparable(answer: Json): Json {
  return { ...answer, data: answer.data.map(({ recencyAt: _recencyAt, ...rest }: Json) => rest) };
}

for (const era of FIXTURE_ERAS) {
  describe(`thread services in process, ${era}: list and read`, function () {
    this.timeout(60000);
    let home: string;
    let indexed: InProcessServer;
    let files: InProcessServer;
    let fromIndex: InProcessConnection;
    let fromFiles: InProcessConnection;

    before(async () => {
      home = copyFixtureHome(era);
      indexed = await serveInProcess(home);
      files = await serveInProcess(home, { index: false });
      fromIndex = await indexed.connect();
      fromFiles = await files.connect();
    });

    after(async () => {
      await indexed.close();
      await files.close();
      removeDir(join(home, '..'));
    });

    it('lists the rollouts of each folder, and leaves out only threads without a prompt', async () => {
      for (const archived of [false, true]) {
        const folder = join(home, archived ? 'archived_sessions' : 'sessions');
        const onDisk = rolloutIds(folder);
        const listed: Json[] = (await fromIndex.call('thread/list', { limit: 100, sourceKinds: ALL_KINDS, archived })).data;
        assert.ok(listed.length > 0);
        assert.equal(new Set(listed.map((t) => t.id)).size, listed.length, 'ids are unique');
        for (const thread of listed) {
          assert.ok(onDisk.has(thread.id), `${thread.id} listed but not in ${folder}`);
          assert.ok(thread.path.startsWith(`${folder}/`) && existsSync(thread.path), thread.path);
          assert.notEqual(thread.preview, '');
        }
        for (const id of onDisk) {
          if (listed.some((t) => t.id === id)) continue;
          const read = await fromIndex.call('thread/read', { threadId: id });
          assert.equal(read.thread.preview, '', `${id} is on disk with a prompt but not listed`);
        }
      }
    });

    it('answers thread/list the same from the index and from the rollout files', async () => {
      const all: Json[] = (await fromFiles.call('thread/list', { limit: 100, sourceKinds: ALL_KINDS })).data;
      const cwd = all[all.length - 1].cwd;
      const requests: Json[] = [
        {},
        { limit: 100, sourceKinds: ALL_KINDS },
        { sortKey: 'updated_at', sourceKinds: ALL_KINDS },
        { sortKey: 'created_at', sortDirection: 'asc', sourceKinds: ALL_KINDS },
        { archived: true, sourceKinds: ALL_KINDS },
        { cwd, sourceKinds: ALL_KINDS },
        { sourceKinds: ['exec'] },
        { limit: 3, sourceKinds: ALL_KINDS },
        { modelProviders: ['no-such-provider'] },
      ];
      for (const params of requests) {
        const a = await fromIndex.call('thread/list', params);
        const b = await fromFiles.call('thread/list', params);
        assert.deepEqual(comparable(a), comparable(b), JSON.stringify(params));
      }
      const byCwd = await fromIndex.call('thread/list', { cwd, sourceKinds: ALL_KINDS });
      assert.deepEqual(byCwd.data.map((t: Json) => t.id), all.filter((t) => t.cwd === cwd).map((t) => t.id));
      const exec = await fromIndex.call('thread/list', { sourceKinds: ['exec'] });
      assert.ok(exec.data.length > 0 && exec.data.every((t: Json) => t.source === 'exec'));
      assert.deepEqual((await fromIndex.call('thread/list', { modelProviders: ['no-such-provider'] })).data, []);
    });

    it('walks every thread once with nextCursor, in the order of each sort key and direction', async () => {
      for (const client of [fromIndex, fromFiles]) {
        for (const sortKey of ['created_at', 'updated_at'] as const) {
          for (const sortDirection of ['desc', 'asc'] as const) {
            const params = { sortKey, sortDirection, sourceKinds: ALL_KINDS };
            const whole: Json[] = (await client.call('thread/list', { ...params, limit: 100 })).data;
            const field = sortKey === 'created_at' ? 'createdAt' : 'updatedAt';
            for (let i = 1; i < whole.length; i++) {
              const [before, after] = [whole[i - 1][field], whole[i][field]];
              assert.ok(sortDirection === 'desc' ? before >= after : before <= after, `${sortKey} ${sortDirection} out of order at ${i}`);
            }
            const walked = await walk(client, params, 2);
            assert.deepEqual(walked.ids, whole.map((t) => t.id), `${sortKey} ${sortDirection}`);
            assert.equal(walked.pages, Math.ceil(whole.length / 2));
          }
        }
      }
    });

    it('reads every thread the same from the index and the files, and pages its turns both ways', async () => {
      const listed: Json[] = (await fromIndex.call('thread/list', { limit: 100, sourceKinds: ALL_KINDS })).data;
      for (const { id } of listed) {
        const full = await fromIndex.call('thread/read', { threadId: id, includeTurns: true });
        assert.deepEqual(await fromFiles.call('thread/read', { threadId: id, includeTurns: true }), full, id);
        const plain = await fromIndex.call('thread/read', { threadId: id });
        assert.deepEqual(plain.thread, { ...full.thread, turns: [] });
        const turnIds: string[] = full.thread.turns.map((t: Json) => t.id);
        assert.ok(turnIds.length > 0, `${id} has turns`);
        for (const sortDirection of ['asc', 'desc'] as const) {
          const paged: string[] = [];
          let cursor: string | null = null;
          do {
            const page: Json = await fromIndex.call('thread/turns/list', { threadId: id, limit: 1, sortDirection, cursor });
            paged.push(...page.data.map((t: Json) => t.id));
            cursor = page.nextCursor;
          } while (cursor !== null && paged.length <= turnIds.length);
          assert.deepEqual(paged, sortDirection === 'asc' ? turnIds : [...turnIds].reverse(), `${id} ${sortDirection}`);
        }
      }
    });

    it('summarizes each thread alike by id and by rollout path, from the index and the files', async () => {
      const listed: Json[] = (await fromIndex.call('thread/list', { limit: 100, sourceKinds: ALL_KINDS })).data;
      for (const thread of listed) {
        const { summary } = await fromIndex.call('getConversationSummary', { conversationId: thread.id });
        assert.equal(summary.conversationId, thread.id);
        assert.equal(summary.path, thread.path);
        assert.equal(summary.preview, thread.preview);
        assert.equal(summary.cwd, thread.cwd);
        const relativePath = thread.path.slice(home.length + 1);
        for (const params of [{ rolloutPath: thread.path }, { rolloutPath: relativePath }]) {
          assert.deepEqual((await fromIndex.call('getConversationSummary', params)).summary, summary, JSON.stringify(params));
        }
        assert.deepEqual((await fromFiles.call('getConversationSummary', { conversationId: thread.id })).summary, summary);
      }
      for (const client of [fromIndex, fromFiles]) {
        assert.deepEqual((await client.request('getConversationSummary', { conversationId: UNKNOWN })).error,
          { code: -32600, message: `no rollout found for conversation id ${UNKNOWN}` });
      }
    });

    it('refuses unknown threads and cursors it did not make, from both backends alike', async () => {
      for (const client of [fromIndex, fromFiles]) {
        assert.deepEqual((await client.request('thread/read', { threadId: UNKNOWN })).error, { code: -32600, message: `thread not loaded: ${UNKNOWN}` });
        assert.deepEqual((await client.request('thread/turns/list', { threadId: UNKNOWN })).error, { code: -32600, message: `thread not loaded: ${UNKNOWN}` });
        const [first] = (await client.call('thread/list', {})).data;
        const badTurns = await client.request('thread/turns/list', { threadId: first.id, cursor: 'not-a-cursor' });
        assert.deepEqual(badTurns.error, { code: -32600, message: 'invalid cursor: not-a-cursor' });
        const badList = await client.request('thread/list', { cursor: 'not-a-real-cursor' });
        assert.equal(badList.error?.code, -32600);
      }
      assert.deepEqual(
        (await fromIndex.request('thread/list', { cursor: 'not-a-real-cursor' })).error,
        (await fromFiles.request('thread/list', { cursor: 'not-a-real-cursor' })).error,
      );
    });
  });
}

describe('thread services in process: the rollout files win over the index', function () {
  this.timeout(60000);

  it('follows a rollout archived behind the index\'s back, in lists and reads', async () => {
    const home = copyFixtureHome('codex-0.169.0');
    const server = await serveInProcess(home);
    try {
      const client = await server.connect();
      const [thread] = (await client.call('thread/list', { sourceKinds: ALL_KINDS })).data;
      const moved = join(home, 'archived_sessions', basename(thread.path));
      mkdirSync(join(home, 'archived_sessions'), { recursive: true });
      renameSync(thread.path, moved);

      const active: Json[] = (await client.call('thread/list', { limit: 100, sourceKinds: ALL_KINDS })).data;
      assert.ok(!active.some((t) => t.id === thread.id), 'still listed as active');
      const archived: Json[] = (await client.call('thread/list', { limit: 100, sourceKinds: ALL_KINDS, archived: true })).data;
      assert.equal(archived.find((t) => t.id === thread.id)?.path, moved);
      const read = await client.call('thread/read', { threadId: thread.id, includeTurns: true });
      assert.equal(read.thread.path, moved);
      assert.ok(read.thread.turns.length > 0);
    } finally {
      await server.close();
      removeDir(join(home, '..'));
    }
  });
});
