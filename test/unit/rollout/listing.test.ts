// File-walking thread/list against the real answers: filters, both sort keys, both directions,
// cursors, and paging through every page.

import assert from 'node:assert/strict';
import { readDefaultModelProvider } from '../../../src/config.ts';
import {
  DEFAULT_SOURCE_KINDS, decodeListCursor, type SourceKind, type ThreadListQuery,
} from '../../../src/rollout/list-query.ts';
import { clearHeadCache, listThreadsFromFiles } from '../../../src/rollout/listing.ts';
import { FIXTURES, makeFixtureHome, type Exchange, type FixtureHome } from './fixture-home.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function queryOf(params: Obj, defaultProvider: string): ThreadListQuery {
  const kinds = params.sourceKinds as SourceKind[] | null | undefined;
  const cwd = params.cwd as string | string[] | null | undefined;
  return {
    sortKey: params.sortKey ?? 'created_at',
    sortDirection: params.sortDirection ?? 'desc',
    limit: Math.min(100, Math.max(1, params.limit ?? 25)),
    anchor: params.cursor ? decodeListCursor(params.cursor) : null,
    archived: params.archived === true,
    modelProviders: params.modelProviders == null ? [defaultProvider] : params.modelProviders.length === 0 ? null : params.modelProviders,
    defaultProvider,
    sourceKinds: kinds && kinds.length > 0 ? kinds : DEFAULT_SOURCE_KINDS,
    cwds: cwd == null ? null : Array.isArray(cwd) ? cwd : [cwd],
    searchTerm: params.searchTerm ?? null,
    excludedThreadIds: params.excludedThreadIds ?? [],
  };
}

/** Requests whose answer depends on Codex's databases or on keys the file path does not serve. */
function comparable(ex: Exchange): boolean {
  const p = ex.params;
  return ex.method === 'thread/list' && ex.result !== undefined
    && p.sortKey !== 'recency_at' && p.useStateDbOnly !== true;
}

for (const name of FIXTURES) {
  describe(`listThreadsFromFiles: ${name}`, () => {
    let fixture: FixtureHome;
    let provider: string;
    before(() => {
      fixture = makeFixtureHome(name);
      provider = readDefaultModelProvider(fixture.home);
      clearHeadCache();
    });
    after(() => fixture.cleanup());

    it('returns the same page, nextCursor and backwardsCursor as every comparable real answer', async () => {
      const cases = fixture.exchanges.filter(comparable);
      assert.ok(cases.length >= 20, `only ${cases.length} cases`);
      for (const ex of cases) {
        const page = await listThreadsFromFiles(fixture.home, queryOf(ex.params, provider));
        const expected = ex.result!;
        const label = `${ex.label} ${JSON.stringify(ex.params)}`;
        assert.deepEqual(page.items.map((m) => m.id), (expected.data as Obj[]).map((t) => t.id), label);
        assert.equal(page.nextCursor, expected.nextCursor, `nextCursor: ${label}`);
        // With a searchTerm Codex answers from its DB, whose backwards cursor is built from the
        // seconds-precision created_at (`…58.999Z`); list-query.ts encodes the precise time.
        if (ex.params.searchTerm == null) assert.equal(page.backwardsCursor, expected.backwardsCursor, `backwardsCursor: ${label}`);
      }
    });

    for (const sortKey of ['created_at', 'updated_at'] as const) {
      for (const sortDirection of ['desc', 'asc'] as const) {
        it(`pages through everything by ${sortKey} ${sortDirection} without gaps or repeats`, async () => {
          const all = await listThreadsFromFiles(fixture.home, { ...queryOf({ sortKey, sortDirection, sourceKinds: ['cli', 'vscode', 'exec'] }, provider), limit: 100 });
          const seen: string[] = [];
          let cursor: string | null = null;
          do {
            const page = await listThreadsFromFiles(fixture.home, queryOf({ sortKey, sortDirection, limit: 2, cursor, sourceKinds: ['cli', 'vscode', 'exec'] }, provider));
            seen.push(...page.items.map((m) => m.id));
            cursor = page.nextCursor;
          } while (cursor !== null);
          assert.deepEqual(seen, all.items.map((m) => m.id));
          assert.ok(seen.length >= 7);
          assert.equal(new Set(seen).size, seen.length);
        });
      }
    }

    it('filters by provider, cwd and source kind', async () => {
      const none = await listThreadsFromFiles(fixture.home, queryOf({ modelProviders: ['openai'] }, provider));
      assert.equal(none.items.length, 0);
      const exec = await listThreadsFromFiles(fixture.home, queryOf({ sourceKinds: ['exec'] }, provider));
      assert.ok(exec.items.length > 0 && exec.items.every((m) => m.source === 'exec'));
      const cwd = await listThreadsFromFiles(fixture.home, queryOf({ cwd: '/home/dev/src/beta', sourceKinds: ['vscode', 'exec'] }, provider));
      assert.ok(cwd.items.length > 0 && cwd.items.every((m) => m.cwd === '/home/dev/src/beta'));
      const archived = await listThreadsFromFiles(fixture.home, queryOf({ archived: true, sourceKinds: ['vscode', 'exec'] }, provider));
      assert.ok(archived.items.length > 0 && archived.items.every((m) => m.archived));
    });
  });
}
