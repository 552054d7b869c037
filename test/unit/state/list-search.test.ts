import assert from 'node:assert/strict';
import type { ThreadListQuery } from '../../../src/model/list-query.ts';
import type { ThreadMetadata } from '../../../src/model/thread-metadata.ts';
import { openStateStore } from '../../../src/store/open.ts';
import type { StateStore } from '../../../src/store/store.ts';
import { TRIGRAM_CANDIDATES, trigramExpression } from '../../../src/state/thread-list.ts';
import { metadataOf, tempHome, writeRollout } from './helpers.ts';

const QUERY: ThreadListQuery = {
  sortKey: 'created_at', sortDirection: 'desc', limit: 100, anchor: null, archived: false, modelProviders: null,
  defaultProvider: 'openai', sourceKinds: ['cli', 'vscode', 'exec', 'appServer', 'subAgent', 'unknown'], cwds: null,
  searchTerm: null, excludedThreadIds: [],
};

describe('state: thread/list searchTerm through the trigram index', function () {
  this.timeout(30000);
  let store: StateStore;
  let base: ThreadMetadata;
  let home: string;

  const idOf = (i: number) => `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`;
  function put(i: number, title: string, preview = title): void {
    store.upsertThread({ ...base, id: idOf(i), rolloutPath: `${home}/sessions/${i}.jsonl`, createdAt: 1_770_000_000 + i, title, preview, firstUserMessage: preview });
  }
  const ids = (searchTerm: string, extra: Partial<ThreadListQuery> = {}) => store.listThreads({ ...QUERY, searchTerm, ...extra }).map((t) => t.metadata.id);
  /** What a plain scan with instr() gives: the reference. */
  const scanned = (term: string) => store.db.all<{ id: string }>(
    'SELECT id FROM threads WHERE listable = 1 AND archived = 0 AND (instr(title, ?) > 0 OR instr(preview, ?) > 0) ORDER BY created_at DESC, id DESC LIMIT 101', term, term,
  ).map((r) => r.id);

  beforeEach(async () => {
    home = tempHome();
    const { path } = writeRollout(home);
    base = await metadataOf(home, path);
    store = openStateStore(home);
  });
  afterEach(() => store.close());

  it('finds case-sensitive substrings of the title or the preview, with %, _ and quotes literal', () => {
    store.db.transaction(() => {
      put(1, 'Fix the 50%_off "parser"');
      put(2, 'deploy bug', 'deploy bug');
      put(3, 'Deploy 🙂 émoji');
      put(4, 'title only', 'a different preview mentions gearbox');
      put(5, '50%Xoff lookalike');
    });
    assert.deepEqual(ids('50%_off'), [idOf(1)]);
    assert.deepEqual(ids('"parser"'), [idOf(1)]);
    assert.deepEqual(ids('deploy'), [idOf(2)]);
    assert.deepEqual(ids('Deploy'), [idOf(3)]);
    assert.deepEqual(ids('🙂 é'), [idOf(3)]);
    assert.deepEqual(ids('gearbox'), [idOf(4)]);
    assert.deepEqual(ids('off'), [idOf(5), idOf(1)]);
    assert.deepEqual(ids('nowhere at all'), []);
    assert.deepEqual(ids('de'), [idOf(2)], 'under 3 characters: the scan');
    for (const term of ['50%_off', 'Deploy', 'off', 'de', 'o', 'e 5']) assert.deepEqual(ids(term), scanned(term), term);
  });

  it('follows title changes, deletes and archiving', () => {
    put(1, 'original wording');
    assert.deepEqual(ids('original'), [idOf(1)]);
    put(1, 'renamed wording');
    assert.deepEqual(ids('original'), []);
    assert.deepEqual(ids('renamed'), [idOf(1)]);
    store.setArchived(idOf(1), { archived: true, archivedAt: 1, rolloutPath: `${home}/archived_sessions/1.jsonl` });
    assert.deepEqual(ids('renamed'), []);
    assert.deepEqual(ids('renamed', { archived: true }), [idOf(1)]);
    store.deleteThread(idOf(1));
    assert.deepEqual(ids('renamed', { archived: true }), []);
    assert.equal(store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM thread_title_keys')?.n, 0);
  });

  it('pages the same way whether the term is rare (candidates) or common (index walk)', () => {
    const n = TRIGRAM_CANDIDATES + 200;
    store.db.transaction(() => {
      for (let i = 0; i < n; i++) put(i, i % 500 === 0 ? `rare common ${i}` : `common ${i}`);
    });
    for (const term of ['rare', 'common', 'mmon 1']) {
      const seen: string[] = [];
      let anchor: ThreadListQuery['anchor'] = null;
      for (let page = 0; page < 100; page++) {
        const rows = store.listThreads({ ...QUERY, searchTerm: term, limit: 50, anchor }, 51);
        seen.push(...rows.slice(0, 50).map((t) => t.metadata.id));
        if (rows.length <= 50) break;
        const last = rows[49].metadata;
        anchor = { tsMs: last.createdAt * 1000, id: last.id };
      }
      const all = store.db.all<{ id: string }>(
        'SELECT id FROM threads WHERE listable = 1 AND archived = 0 AND instr(title, ?) > 0 ORDER BY created_at DESC, id DESC', term,
      ).map((r) => r.id);
      assert.deepEqual(seen, all, term);
    }
    assert.equal(trigramExpression('ab'), null);
    assert.equal(trigramExpression('a"bc'), '"a""b" """bc"');
  });

  it('answers a searchTerm holding NUL characters (found by the protocol fuzzer) like the scan', () => {
    store.db.transaction(() => {
      put(1, 'plain title here');
      put(2, 'nul\u0000inside title');
    });
    assert.equal(trigramExpression('a\u0000b'), null);
    assert.equal(trigramExpression('abc\u0000'), '"abc"');
    for (const term of ['_sA]Qo\u0000../..', 'nul\u0000inside', '\u0000\u0000\u0000', 'title\u0000', 'plain title']) {
      assert.deepEqual(ids(term), scanned(term), JSON.stringify(term));
    }
  });
});
