// thread/search through the real app-server over stdio: hits from the start-up backfill, the item
// ids thread/read shows, snippets with highlights, paging, filters, mutations, bad queries.

import assert from 'node:assert/strict';
import type { AppServerProcess, Json } from '../helpers/app-server.ts';
import { servedHome } from '../helpers/served-home.ts';
import { febAgent, febContent, febPrompt, newContent, writeThread } from '../unit/search/rollouts.ts';

describe('thread/search over stdio', function () {
  this.timeout(30000);
  const served = servedHome({ from: 'empty', each: true });
  let server: AppServerProcess;

  /** Waits until the start-up indexing has made `query` findable. */
  async function searchWhenIndexed(query: string, params: Json = {}): Promise<Json> {
    for (let i = 0; i < 200; i++) {
      const result = await server.call('thread/search', { query, ...params });
      if (result.data.length > 0) return result;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`never indexed: ${query}`);
  }

  it('finds content in both eras with the item ids thread/read gives, pages, filters and refuses bad queries', async () => {
    const feb = writeThread(served.home, febContent(), { time: '2026-02-10T10-00-00' });
    const now = writeThread(served.home, newContent(), { time: '2026-02-11T10-00-00', cwd: '/work/other' }, '0.169.0');
    for (let i = 0; i < 5; i++) writeThread(served.home, [...febPrompt(`sharedword ${'sharedword '.repeat(i)}note ${i}`)], { time: `2026-02-1${2 + i}T10-00-00` });
    server = served.start();
    await server.initialize();

    const hit = (await searchWhenIndexed('zorbcommand')).data;
    assert.equal(hit.length, 1);
    assert.equal(hit[0].thread.id, feb.id);
    assert.equal(hit[0].itemType, 'command');
    const read = await server.call('thread/read', { threadId: feb.id, includeTurns: true });
    const item = read.thread.turns.flatMap((t: Json) => t.items).find((i: Json) => i.id === hit[0].itemId);
    assert.equal(item?.type, 'commandExecution');
    assert.deepEqual(hit[0].highlights.map((h: Json) => hit[0].snippet.slice(h.start, h.end)), ['zorbcommand']);
    assert.equal(hit[0].thread.turns.length, 0);
    assert.ok(hit[0].score > 0);

    const reply = (await server.call('thread/search', { query: 'replyword' })).data;
    assert.deepEqual(reply.map((h: Json) => [h.thread.id, h.itemId, h.itemType]), [[now.id, 'msg_1', 'agent']]);
    assert.equal((await server.call('thread/search', { query: 'replyword', cwd: '/work/search' })).data.length, 0);
    assert.equal((await server.call('thread/search', { query: 'sprocket*', cwd: '/work/other/' })).data[0].thread.id, now.id);

    const all = (await server.call('thread/search', { query: 'sharedword', limit: 100 })).data.map((h: Json) => h.thread.id);
    assert.equal(all.length, 5);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Json = await server.call('thread/search', { query: 'sharedword', limit: 2, cursor });
      paged.push(...page.data.map((h: Json) => h.thread.id));
      cursor = page.nextCursor;
    } while (cursor !== null && paged.length < 20);
    assert.deepEqual(paged, all);

    for (const bad of [{ query: '"' }, { query: 'x'.repeat(1001) }, { query: 'sharedword', cursor: 'not-a-cursor' }]) {
      const answer = await server.request('thread/search', bad);
      assert.equal(answer.error?.code, -32600, JSON.stringify(bad).slice(0, 60));
    }
    assert.equal((await server.request('thread/search', { limit: 3 })).error?.code, -32600, 'query is required');
    assert.deepEqual((await server.call('thread/search', { query: "NEAR( '; DROP TABLE threads; --" })).data, []);
  });

  it('archive, delete and a new agent message are reflected in the hits', async () => {
    const t = writeThread(served.home, [...febPrompt('mutationword first')], { time: '2026-02-10T10-00-00' });
    const other = writeThread(served.home, [...febPrompt('mutationword second'), febAgent('answer')], { time: '2026-02-11T10-00-00' });
    server = served.start();
    await server.initialize();
    assert.equal((await searchWhenIndexed('mutationword')).data.length, 2);

    await server.call('thread/archive', { threadId: t.id });
    assert.deepEqual((await server.call('thread/search', { query: 'mutationword' })).data.map((h: Json) => h.thread.id), [other.id]);
    assert.deepEqual((await server.call('thread/search', { query: 'mutationword', archived: true })).data.map((h: Json) => h.thread.id), [t.id]);

    await server.call('thread/delete', { threadId: other.id });
    assert.deepEqual((await server.call('thread/search', { query: 'mutationword' })).data, []);
  });
});
