// thread/list answered from the files alone (no index) against the real answers: filters, both sort
// keys, both directions, cursors, and paging through every page. This is the service the server
// runs (params -> toListQuery -> heads -> pageThreads -> cursors), called in-process.

import assert from 'node:assert/strict';
import { readDefaultModelProvider } from '../../../src/config.ts';
import type { ThreadListParams, ThreadListResponse } from '../../../src/protocol/thread-list.ts';
import { clearHeadCache } from '../../../src/rollout/heads.ts';
import type { ThreadContext } from '../../../src/threads/context.ts';
import { listThreads } from '../../../src/threads/list-threads.ts';
import { LoadedThreads } from '../../../src/threads/loaded.ts';
import { FIXTURES, makeFixtureHome, type Exchange, type FixtureHome } from '../rollout/fixture-home.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Requests whose answer depends on Codex's databases or on keys the file path does not serve. */
function comparable(ex: Exchange): boolean {
  const p = ex.params;
  return ex.method === 'thread/list' && ex.result !== undefined
    && p.sortKey !== 'recency_at' && p.useStateDbOnly !== true;
}

for (const name of FIXTURES) {
  describe(`thread/list from the files: ${name}`, () => {
    let fixture: FixtureHome;
    let ctx: ThreadContext;
    const list = (params: Obj): Promise<ThreadListResponse> => listThreads(ctx, params as ThreadListParams);
    const ids = (page: ThreadListResponse): string[] => page.data.map((t) => t.id);
    before(() => {
      fixture = makeFixtureHome(name);
      ctx = {
        codexHome: fixture.home, defaultModelProvider: readDefaultModelProvider(fixture.home), defaultModel: 'm',
        store: null, loaded: new LoadedThreads(),
      };
      clearHeadCache();
    });
    after(() => fixture.cleanup());

    it('returns the same page, nextCursor and backwardsCursor as every comparable real answer', async () => {
      const cases = fixture.exchanges.filter(comparable);
      assert.ok(cases.length >= 20, `only ${cases.length} cases`);
      for (const ex of cases) {
        const page = await list(ex.params);
        const expected = ex.result!;
        const label = `${ex.label} ${JSON.stringify(ex.params)}`;
        assert.deepEqual(ids(page), (expected.data as Obj[]).map((t) => t.id), label);
        if (ex.part === 1) assert.equal(page.nextCursor, expected.nextCursor, `nextCursor: ${label}`);
        else assert.equal(page.nextCursor === null, expected.nextCursor === null, `nextCursor: ${label}`);
        // With a searchTerm Codex answers from its DB, whose backwards cursor is built from the
        // seconds-precision created_at (`…58.999Z`); list-cursor.ts encodes the precise time.
        // The TUI's requests (part 2) compare cursors by null-ness (fixtures README).
        if (ex.part === 2) assert.equal(page.backwardsCursor === null, expected.backwardsCursor === null, `backwardsCursor: ${label}`);
        else if (ex.params.searchTerm == null) assert.equal(page.backwardsCursor, expected.backwardsCursor, `backwardsCursor: ${label}`);
      }
    });

    for (const sortKey of ['created_at', 'updated_at'] as const) {
      for (const sortDirection of ['desc', 'asc'] as const) {
        it(`pages through everything by ${sortKey} ${sortDirection} without gaps or repeats`, async () => {
          const sourceKinds = ['cli', 'vscode', 'exec'];
          const all = await list({ sortKey, sortDirection, sourceKinds, limit: 100 });
          const seen: string[] = [];
          let cursor: string | null = null;
          do {
            const page: ThreadListResponse = await list({ sortKey, sortDirection, limit: 2, cursor, sourceKinds });
            seen.push(...ids(page));
            cursor = page.nextCursor;
          } while (cursor !== null);
          assert.deepEqual(seen, ids(all));
          assert.ok(seen.length >= 7);
          assert.equal(new Set(seen).size, seen.length);
        });
      }
    }

    it('filters by provider, cwd and source kind', async () => {
      const none = await list({ modelProviders: ['openai'] });
      assert.equal(none.data.length, 0);
      const exec = await list({ sourceKinds: ['exec'] });
      assert.ok(exec.data.length > 0 && exec.data.every((t) => t.source === 'exec'));
      const cwd = await list({ cwd: '/home/dev/src/beta', sourceKinds: ['vscode', 'exec'] });
      assert.ok(cwd.data.length > 0 && cwd.data.every((t) => t.cwd === '/home/dev/src/beta'));
      const archived = await list({ archived: true, sourceKinds: ['vscode', 'exec'] });
      assert.ok(archived.data.length > 0 && archived.data.every((t) => t.path !== null && t.path.includes('/archived_sessions/')));
    });

    it('rejects a malformed cursor', async () => {
      await assert.rejects(list({ cursor: 'not-a-cursor' }), /invalid cursor/);
    });
  });
}
