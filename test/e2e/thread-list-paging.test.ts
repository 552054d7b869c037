// Paging through every page and back on a generated home, for both sort keys and directions and
// several filters; the index answers must equal the pure file-walk answers page for page.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { generateHome } from '../../scripts/bench/gen-home.ts';
import { AppServerProcess, CLI, NODE_BIN, type Json } from '../helpers/app-server.ts';
import { makeTempDir, removeDir } from '../helpers/home.ts';

const QUERIES: Json[] = [
  { sortKey: 'created_at' },
  { sortKey: 'updated_at' },
  { sortKey: 'created_at', sortDirection: 'asc' },
  { sortKey: 'updated_at', sortDirection: 'asc' },
  { sourceKinds: [], modelProviders: [] },
  { sourceKinds: ['exec', 'appServer', 'subAgent'], modelProviders: [] },
  { modelProviders: ['azure', 'local_mock'], sourceKinds: [] },
  { cwd: ['/home/dev/src/alpha', '/home/dev/src/delta space'], sourceKinds: [], modelProviders: [] },
  { archived: true, sourceKinds: [], modelProviders: [] },
  { searchTerm: 'cache', sourceKinds: [], modelProviders: [] },
];

async function allPages(server: AppServerProcess, query: Json, limit: number): Promise<{ ids: string[]; pages: Json[] }> {
  const ids: string[] = [];
  const pages: Json[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 200; i++) {
    const page: Json = await server.call('thread/list', { ...query, limit, cursor });
    pages.push(page);
    ids.push(...page.data.map((t: Json) => t.id));
    if (page.nextCursor === null) return { ids, pages };
    cursor = page.nextCursor;
  }
  throw new Error('paging did not end');
}

describe('thread/list paging on a generated home', function () {
  this.timeout(120000);
  let dir: string;
  let home: string;
  let indexed: AppServerProcess;
  let files: AppServerProcess;

  before(async () => {
    dir = makeTempDir();
    home = join(dir, 'home');
    generateHome({ out: home, threads: 120, big: 0, seed: 7 });
    execFileSync(NODE_BIN, [CLI, 'backfill', '--codex-home', home], { stdio: 'pipe' });
    indexed = new AppServerProcess(home);
    files = new AppServerProcess(home, ['--no-index']);
    await Promise.all([indexed.initialize(), files.initialize()]);
  });

  after(() => {
    indexed.kill();
    files.kill();
    removeDir(dir);
  });

  for (const query of QUERIES) {
    it(`pages ${JSON.stringify(query)} without gaps or repeats, equal to the file walk, and back`, async () => {
      const all = await allPages(indexed, { ...query }, 100);
      const paged = await allPages(indexed, query, 7);
      assert.deepEqual(paged.ids, all.ids, 'small pages concatenate to the full list');
      assert.equal(new Set(paged.ids).size, paged.ids.length, 'no thread twice');
      const walked = await allPages(files, query, 7);
      assert.deepEqual(walked.ids, paged.ids, 'index and file walk agree');
      for (let p = 0; p < paged.pages.length; p++) {
        assert.deepEqual(paged.pages[p].nextCursor, walked.pages[p].nextCursor);
        assert.deepEqual(paged.pages[p].data, walked.pages[p].data.map((t: Json) => ({ ...t, recencyAt: paged.pages[p].data.find((x: Json) => x.id === t.id)?.recencyAt })));
      }
      // Back from the last page: the backwards cursor with the opposite direction walks toward the start.
      if (paged.pages.length > 1) {
        const last = paged.pages[paged.pages.length - 1];
        const reverse = query.sortDirection === 'asc' ? 'desc' : 'asc';
        const back = await allPages(indexed, { ...query, sortDirection: reverse, cursor: undefined }, 100);
        assert.deepEqual([...back.ids].reverse(), all.ids, 'the reverse order is the exact mirror');
        const before = await indexed.call('thread/list', { ...query, sortDirection: reverse, cursor: last.backwardsCursor, limit: 7 });
        // The reverse page starts at the page's first thread (the anchor) and goes toward the start.
        // With created_at's whole-second keys the anchor's own second can be skipped, as in Codex.
        const expected = all.ids.slice(0, all.ids.indexOf(last.data[0].id) + 1).reverse();
        const got = before.data.map((t: Json) => t.id);
        const start = expected.indexOf(got[0]);
        assert.ok(start >= 0 && start <= 3, `reverse page starts at the anchor: ${got[0]}`);
        assert.deepEqual(got, expected.slice(start, start + got.length));
        assert.ok(got.length > 0);
      }
    });
  }

  it('rejects a garbage cursor and clamps the limit', async () => {
    const bad = await indexed.request('thread/list', { cursor: 'garbage|x' });
    assert.deepEqual(bad.error, { code: -32600, message: 'invalid cursor: garbage|x' });
    const one = await indexed.call('thread/list', { limit: 0, sourceKinds: [], modelProviders: [] });
    assert.equal(one.data.length, 1);
    const many = await indexed.call('thread/list', { limit: 1000, sourceKinds: [], modelProviders: [] });
    assert.ok(many.data.length <= 100);
  });
});
