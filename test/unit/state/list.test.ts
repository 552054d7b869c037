import assert from 'node:assert/strict';
import {
  compareForList, isAfterAnchor, matchesFilters, sortKeyMs, type ListAnchor, type SortDirection, type SortKey,
  type ThreadListQuery,
} from '../../../src/model/list-query.ts';
import type { SourceKind } from '../../../src/model/session-source.ts';
import type { ThreadMetadata } from '../../../src/model/thread-metadata.ts';
import { buildListQuery } from '../../../src/state/thread-list.ts';
import { openStateStore } from '../../../src/store/open.ts';
import type { StateStore } from '../../../src/store/store.ts';
import { metadataOf, tempHome, writeRollout } from './helpers.ts';

/** Deterministic PRNG (mulberry32) so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CWDS = ['/src/a', '/src/b', "/src/it's"];
const PROVIDERS = ['openai', 'other', null];
const SOURCES: ThreadMetadata['source'][] = ['cli', 'vscode', 'exec', 'mcp', { subagent: 'review' }, { subagent: { thread_spawn: {} } }, 'weird'];
const TITLES = ['fix 100% of bugs', 'a_b c', 'plain', "quote ' and \" here", 'Plain'];

function hex(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(r() * 16).toString(16);
  return s;
}

function makeRows(base: ThreadMetadata, r: () => number, count: number): ThreadMetadata[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const rows: ThreadMetadata[] = [];
  for (let i = 0; i < count; i++) {
    const createdAt = 1_770_000_000 + Math.floor(r() * 6) * 60; // many ties
    const updatedAtMs = 1_770_000_000_000 + Math.floor(r() * 8) * 250;
    const title = pick(TITLES);
    const preview = r() < 0.1 ? '' : r() < 0.5 ? title : `preview ${pick(TITLES)}`;
    rows.push({
      ...base,
      id: `${hex(r, 8)}-${hex(r, 4)}-7${hex(r, 3)}-8${hex(r, 3)}-${hex(r, 12)}`,
      rolloutPath: `/h/sessions/${i}.jsonl`,
      createdAt, createdAtMs: createdAt * 1000 + Math.floor(r() * 1000),
      updatedAt: Math.floor(updatedAtMs / 1000), updatedAtMs,
      cwd: pick(CWDS), modelProvider: pick(PROVIDERS), source: pick(SOURCES), archived: r() < 0.3,
      title, preview, firstUserMessage: preview, hasSessionMeta: r() > 0.05, dynamicTools: null,
    });
  }
  return rows;
}

function expected(rows: ThreadMetadata[], q: ThreadListQuery): string[] {
  return rows
    .filter((m) => matchesFilters(m, q) && isAfterAnchor(m, q))
    .sort((a, b) => compareForList(a, b, q.sortKey, q.sortDirection))
    .slice(0, q.limit + 1)
    .map((m) => m.id);
}

describe('state: listThreads implements list-query.ts semantics', () => {
  let store: StateStore;
  let rows: ThreadMetadata[];

  before(async () => {
    const home = tempHome();
    const { path } = writeRollout(home);
    const base = await metadataOf(home, path);
    rows = makeRows(base, rng(42), 160);
    store = openStateStore(home);
    for (const m of rows) store.upsertThread(m);
  });
  after(() => store.close());

  it('matches the reference filter/sort/anchor rules over hundreds of random queries', () => {
    const r = rng(7);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
    const kindSets: SourceKind[][] = [['cli', 'vscode'], ['exec'], ['subAgent'], ['subAgentReview', 'appServer'], ['unknown', 'cli'], []];
    let nonEmpty = 0;
    for (let i = 0; i < 600; i++) {
      const sortKey: SortKey = pick(['created_at', 'updated_at'] as const);
      const sortDirection: SortDirection = pick(['asc', 'desc'] as const);
      let anchor: ListAnchor | null = null;
      const roll = r();
      if (roll < 0.4) {
        const row = pick(rows);
        anchor = { tsMs: sortKeyMs(row, sortKey), id: row.id };
      } else if (roll < 0.55) {
        anchor = { tsMs: sortKeyMs(pick(rows), sortKey) + pick([-1, 0, 1, 500]), id: null };
      } else if (roll < 0.65) {
        anchor = { tsMs: sortKeyMs(pick(rows), sortKey) + pick([-1, 1, 999]), id: pick(rows).id };
      }
      const q: ThreadListQuery = {
        sortKey, sortDirection, limit: pick([1, 2, 5, 25, 100]), anchor, archived: r() < 0.3,
        modelProviders: r() < 0.5 ? null : pick([['openai'], ['other'], ['openai', 'other'], [], ['nobody']]),
        defaultProvider: pick(['openai', 'other']),
        sourceKinds: pick(kindSets),
        cwds: r() < 0.5 ? null : pick([[CWDS[0]], [CWDS[1], CWDS[2]], [], [CWDS[2]]]),
        searchTerm: r() < 0.6 ? null : pick(['100%', '_', 'a_b', "'", '"', 'lain', 'P', '']),
        excludedThreadIds: r() < 0.8 ? [] : [pick(rows).id, pick(rows).id],
      };
      const got = store.listThreads(q).map((t) => t.metadata.id);
      const want = expected(rows, q);
      if (want.length > 0) nonEmpty++;
      assert.deepEqual(got, want, `query ${i}: ${JSON.stringify(q)}\n${buildListQuery(q).sql}`);
    }
    assert.ok(nonEmpty > 200, `enough queries return rows (${nonEmpty})`);
  });

  it('pages through every listable row with keyset anchors in both directions without gaps or repeats', () => {
    for (const sortKey of ['created_at', 'updated_at'] as const) {
      for (const sortDirection of ['asc', 'desc'] as const) {
        const q: ThreadListQuery = {
          sortKey, sortDirection, limit: 7, anchor: null, archived: false, modelProviders: null, defaultProvider: 'openai',
          sourceKinds: ['cli', 'vscode', 'exec', 'appServer', 'subAgent', 'unknown'], cwds: null, searchTerm: null, excludedThreadIds: [],
        };
        const seen: string[] = [];
        for (let page = 0; page < 100; page++) {
          const got = store.listThreads(q);
          const kept = got.slice(0, q.limit);
          seen.push(...kept.map((t) => t.metadata.id));
          if (got.length <= q.limit) break;
          const last = kept[kept.length - 1].metadata;
          q.anchor = { tsMs: sortKeyMs(last, sortKey), id: last.id };
        }
        const all = expected(rows, { ...q, anchor: null, limit: 10_000 });
        assert.deepEqual(seen, all, `${sortKey} ${sortDirection}`);
      }
    }
  });

  it('treats %, _ and quotes in the search term literally and case-sensitively', () => {
    const base: ThreadListQuery = {
      sortKey: 'created_at', sortDirection: 'desc', limit: 100, anchor: null, archived: false, modelProviders: null,
      defaultProvider: 'openai', sourceKinds: ['cli', 'vscode', 'exec', 'appServer', 'subAgent', 'unknown'], cwds: null,
      searchTerm: '%', excludedThreadIds: [],
    };
    for (const t of store.listThreads(base)) assert.ok(t.metadata.title.includes('%') || t.metadata.preview.includes('%'));
    for (const t of store.listThreads({ ...base, searchTerm: 'P' })) assert.ok(t.metadata.title.includes('P') || t.metadata.preview.includes('P'));
    assert.equal(store.listThreads({ ...base, searchTerm: "'; DROP TABLE threads; --" }).length, 0);
    assert.ok(store.db.get("SELECT 1 AS x FROM sqlite_master WHERE name = 'threads'"));
  });
});
