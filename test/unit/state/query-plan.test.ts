import assert from 'node:assert/strict';
import type { ListAnchor, ThreadListQuery } from '../../../src/model/list-query.ts';
import type { SourceKind } from '../../../src/model/session-source.ts';
import { openStateStore } from '../../../src/store/open.ts';
import { buildListQuery, trigramExpression } from '../../../src/state/thread-list.ts';
import { metadataOf, tempHome, writeRollout } from './helpers.ts';

const ID = '01a2121e-e322-7aa0-ac65-d3d7e1327f4c';

function* shapes(): Generator<ThreadListQuery> {
  for (const sortKey of ['created_at', 'updated_at'] as const)
    for (const sortDirection of ['asc', 'desc'] as const)
      for (const cwds of [null, ['/a'], ['/a', '/b']])
        for (const modelProviders of [null, ['other'], ['openai', 'other']])
          for (const sourceKinds of [['cli', 'vscode'], ['subAgent']] as SourceKind[][])
            for (const archived of [false, true])
              for (const searchTerm of [null, '50%_off'])
                for (const anchor of [null, { tsMs: 1_770_000_000_000, id: ID }, { tsMs: 1_770_000_000_123, id: null }] as (ListAnchor | null)[])
                  for (const excludedThreadIds of [[], [ID]])
                    yield { sortKey, sortDirection, limit: 25, anchor, archived, modelProviders, defaultProvider: 'openai', sourceKinds, cwds, searchTerm, excludedThreadIds };
}

describe('state: list query plans', () => {
  it('every list query shape walks a list index: no table scan, no temporary sort', async () => {
    const home = tempHome();
    const { path } = writeRollout(home);
    const base = await metadataOf(home, path);
    const store = openStateStore(home);
    try {
      // Some data and statistics, so the planner has real choices to make.
      store.db.transaction(() => {
        for (let i = 0; i < 2000; i++) {
          const id = `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`;
          store.upsertThread({
            ...base, id, rolloutPath: `${home}/sessions/${i}.jsonl`, cwd: `/c${i % 20}`, archived: i % 7 === 0,
            createdAt: 1_770_000_000 + i, updatedAtMs: 1_770_000_000_000 + i * 10, modelProvider: i % 3 === 0 ? null : 'openai',
          });
        }
      });
      store.db.exec('ANALYZE');
      let count = 0;
      for (const q of shapes()) {
        const built = buildListQuery(q);
        assert.equal(built.matchesNothing, false);
        const plan = store.db.raw.prepare(`EXPLAIN QUERY PLAN ${built.sql}`).all(...built.params).map((r) => String(r.detail));
        const text = plan.join('\n');
        const where = `${JSON.stringify(q)}\n${built.sql}\n${text}`;
        assert.ok(!/\bSCAN threads\b(?! USING)/.test(text), `full table scan for ${where}`);
        assert.ok(!/TEMP B-TREE/.test(text), `temporary sort for ${where}`);
        assert.ok(text.includes(`USING INDEX ${built.index}`), `index ${built.index} not used for ${where}`);
        count++;
      }
      assert.equal(count, 2 * 2 * 3 * 3 * 2 * 2 * 2 * 3 * 2);

      // The candidate shape of a searchTerm: the trigram index, then each row by key and id; the
      // temporary sort only ever holds the (at most TRIGRAM_CANDIDATES) candidates.
      let candidates = 0;
      for (const q of shapes()) {
        if (q.searchTerm === null) continue;
        const built = buildListQuery(q, q.limit + 1, true);
        assert.equal(built.index, 'thread_title_trigram');
        assert.equal(built.params[0], trigramExpression(q.searchTerm));
        const plan = store.db.raw.prepare(`EXPLAIN QUERY PLAN ${built.sql}`).all(...built.params).map((r) => String(r.detail));
        const text = plan.join('\n');
        const where = `${JSON.stringify(q)}\n${built.sql}\n${text}`;
        assert.match(plan[0], /^SCAN thread_title_trigram VIRTUAL TABLE/, where);
        assert.match(text, /SEARCH thread_title_keys USING INTEGER PRIMARY KEY \(rowid=\?\)/, where);
        assert.match(text, /SEARCH threads USING INDEX sqlite_autoindex_threads_1 \(id=\?\)/, where);
        assert.ok(!/\bSCAN threads\b/.test(text), `threads scanned for ${where}`);
        candidates++;
      }
      assert.equal(candidates, count / 2);
    } finally {
      store.close();
    }
  });

  it('an anchored page seeks the index instead of scanning from the start', async () => {
    const home = tempHome();
    const store = openStateStore(home);
    try {
      for (const sortKey of ['created_at', 'updated_at'] as const) {
        for (const sortDirection of ['asc', 'desc'] as const) {
          const built = buildListQuery({
            sortKey, sortDirection, limit: 25, anchor: { tsMs: 1_770_000_000_000, id: ID }, archived: false, modelProviders: null,
            defaultProvider: 'openai', sourceKinds: ['cli'], cwds: ['/a'], searchTerm: null, excludedThreadIds: [],
          });
          const text = store.db.raw.prepare(`EXPLAIN QUERY PLAN ${built.sql}`).all(...built.params).map((r) => String(r.detail)).join('\n');
          assert.match(text, /SEARCH threads USING INDEX threads_list_cwd_\w+ \(archived=\? AND cwd=\? AND \w+[<>]\?\)/, text);
        }
      }
    } finally {
      store.close();
    }
  });
});
