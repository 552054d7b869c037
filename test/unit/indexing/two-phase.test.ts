import assert from 'node:assert/strict';
import { utimesSync, writeFileSync } from 'node:fs';
import { runBackfill } from '../../../src/indexing/backfill.ts';
import type { Database } from '../../../src/sqlite/db.ts';
import { countDetailsPending, runDetailsPass, writeDetails } from '../../../src/indexing/details.ts';
import { buildDoctorReport } from '../../../src/store/doctor.ts';
import { extractFiles } from '../../../src/indexing/indexer.ts';
import { openStateStore } from '../../../src/store/open.ts';
import { defaultRolloutSource, type RolloutSource } from '../../../src/indexing/rollout-source.ts';
import type { StateStore } from '../../../src/store/store.ts';
import { LoadedThreads } from '../../../src/threads/loaded.ts';
import { searchThreads } from '../../../src/threads/search.ts';
import { FIXTURE_ERAS, copyFixtureHome } from '../../helpers/home.ts';
import { tempHome, writeRollout } from '../state/helpers.ts';

/** The real source without its head reads: backfills in one full pass, as before two phases. */
const onePassSource: RolloutSource = { listRollouts: defaultRolloutSource.listRollouts, readNames: defaultRolloutSource.readNames, extract: defaultRolloutSource.extract };

type Row = Record<string, unknown>;

function rows(db: Database): Row[] {
  return db.all<Row>('SELECT * FROM threads ORDER BY id').map((r) => {
    const { indexed_at_ms: _t, ...rest } = r;
    return rest;
  });
}

function searchDocs(db: Database): Row[] {
  return db.all<Row>(
    `SELECT i.thread_id, i.listable, i.archived, i.source_kind, i.cwd, i.items, t.text
     FROM thread_search_items i JOIN thread_search_text t ON t.rowid = i.key ORDER BY i.thread_id`,
  );
}

/** The list fields thread/list reads and filters on. */
const LIST_FIELDS = ['id', 'rollout_path', 'watermark', 'created_at', 'created_at_ms', 'updated_at', 'updated_at_ms', 'source', 'source_kind',
  'model_provider', 'cwd', 'cli_version', 'originator', 'preview', 'first_user_message', 'title', 'name', 'git_sha', 'git_branch',
  'git_origin_url', 'archived', 'archived_at', 'agent_nickname', 'agent_role', 'history_mode', 'has_session_meta', 'listable', 'file_size', 'file_mtime_ms'];

function pick(r: Row, keys: string[]): Row {
  return Object.fromEntries(keys.map((k) => [k, r[k]]));
}

/** Threads in search-document key order: thread/search's rank window takes the highest keys as the newest. */
function keyOrder(db: Database): string[] {
  return db.all<{ thread_id: string }>('SELECT thread_id FROM thread_search_items ORDER BY key').map((r) => r.thread_id);
}

/** A search's hits, best first (ids and rounded scores). */
function hits(store: StateStore): string[] {
  return store.search({ match: '"the"', limit: 50, anchor: null, archived: false, cwds: null, sourceKinds: ['cli', 'vscode', 'exec', 'appServer', 'subAgent', 'unknown'] })
    .map((h) => `${h.metadata.id} ${h.rank.toFixed(6)}`);
}

async function onePass(home: string): Promise<{ rows: Row[]; docs: Row[]; keys: string[]; hits: string[] }> {
  const store = openStateStore(home, { path: `${home}/one-pass.sqlite` });
  try {
    await runBackfill(store.db, home, { source: onePassSource });
    assert.equal(countDetailsPending(store.db).threads, 0, 'a one-pass backfill leaves nothing for phase 2');
    return { rows: rows(store.db), docs: searchDocs(store.db), keys: keyOrder(store.db), hits: hits(store) };
  } finally {
    store.close();
  }
}

function context(store: StateStore, home: string) {
  return { codexHome: home, defaultModelProvider: 'openai', defaultModel: 'gpt-5', store, loaded: new LoadedThreads() };
}

describe('indexing: two phases', () => {
  for (const era of FIXTURE_ERAS) {
    it(`${era}: phase 1 lists every thread as a full read would, phase 2 makes the index equal to a one-pass import`, async () => {
      const home = copyFixtureHome(era);
      const expected = await onePass(home);
      const store = openStateStore(home);
      try {
        const b = await runBackfill(store.db, home);
        assert.equal(b.outcome, 'complete');
        assert.ok(store.isComplete(), 'thread/list answers from the index after phase 1');
        const pending = countDetailsPending(store.db);
        assert.equal(pending.threads, expected.rows.length, 'every row waits for phase 2');
        assert.ok(pending.bytes > 0);
        assert.deepEqual(rows(store.db).map((r) => pick(r, LIST_FIELDS)), expected.rows.map((r) => pick(r, LIST_FIELDS)));
        assert.deepEqual(searchDocs(store.db), [], 'no search text before phase 2');

        const progress: number[] = [];
        // Merging the full-text index at the end (as a large pass does) changes no answer.
        const d = await runDetailsPass(store.db, home, { batchSize: 4, optimizeAfter: 1, onProgress: (p) => progress.push(p.filesDone) });
        assert.deepEqual([d.outcome, d.indexed, d.failed, d.skipped], ['complete', expected.rows.length, 0, 0]);
        assert.equal(progress[progress.length - 1], expected.rows.length);
        assert.deepEqual(rows(store.db), expected.rows);
        assert.deepEqual(searchDocs(store.db), expected.docs);
        assert.deepEqual(keyOrder(store.db), expected.keys, 'documents are keyed in the same order as a one-pass import');
        assert.ok(expected.hits.length > 3);
        assert.deepEqual(hits(store), expected.hits, 'the merged index answers as the one-pass import does');
      } finally {
        store.close();
      }
    });
  }

  it('phase 2 reads each file once, a fork too (its lineage\'s heads aside)', async () => {
    const home = copyFixtureHome(FIXTURE_ERAS[FIXTURE_ERAS.length - 1]);
    const expected = await onePass(home);
    assert.ok(expected.rows.some((r) => r.forked_from_id !== null), 'the fixture home has a fork');
    const reads = new Map<string, number>();
    const count = (path: string): void => void reads.set(path, (reads.get(path) ?? 0) + 1);
    const counting: RolloutSource = {
      ...defaultRolloutSource,
      extract: (path, codexHome, archived, options) => (count(path), defaultRolloutSource.extract(path, codexHome, archived, options)),
      extractSync: (path, codexHome, archived) => (count(path), defaultRolloutSource.extractSync!(path, codexHome, archived)),
    };
    const store = openStateStore(home);
    try {
      await runBackfill(store.db, home);
      const d = await runDetailsPass(store.db, home, { source: counting });
      assert.deepEqual([d.outcome, d.indexed], ['complete', expected.rows.length]);
      assert.deepEqual(rows(store.db), expected.rows, 'forks keep their lineage preview');
      assert.deepEqual([...reads.values()].filter((n) => n !== 1), [], 'no file is read in full twice');
      assert.equal(reads.size, expected.rows.length);
    } finally {
      store.close();
    }
  });

  it('phase 2 stops when aborted and resumes from the rows still pending', async () => {
    const home = copyFixtureHome('codex-0.98.0');
    const store = openStateStore(home);
    try {
      await runBackfill(store.db, home);
      const total = countDetailsPending(store.db).threads;
      const abort = new AbortController();
      const first = await runDetailsPass(store.db, home, { batchSize: 3, signal: abort.signal, onProgress: (p) => { if (p.filesDone > 0) abort.abort(); } });
      assert.equal(first.outcome, 'stopped');
      assert.equal(first.indexed, 3);
      assert.equal(countDetailsPending(store.db).threads, total - 3);
      const rest = await runDetailsPass(store.db, home);
      assert.deepEqual([rest.outcome, rest.indexed], ['complete', total - 3]);
      assert.equal(countDetailsPending(store.db).threads, 0);
    } finally {
      store.close();
    }
  });

  it('phase 2 never brings back a row deleted meanwhile, and keeps the list fields of a file that went bad', async () => {
    const home = tempHome();
    const kept = writeRollout(home, { time: '2026-02-10T10-00-00', message: 'keep me' });
    const deleted = writeRollout(home, { time: '2026-02-11T10-00-00' });
    const broken = writeRollout(home, { time: '2026-02-12T10-00-00', message: 'soon garbage' });
    const store = openStateStore(home);
    try {
      await runBackfill(store.db, home);
      assert.equal(countDetailsPending(store.db).threads, 3);
      // Read before the delete, written after it: the write must be skipped.
      const file = { path: deleted.path, watermark: deleted.watermark, id: deleted.id, archived: false, size: 0, mtimeMs: 0 };
      const [item] = await extractFiles(defaultRolloutSource, home, [file]);
      store.deleteThread(deleted.id);
      assert.equal(store.db.transaction(() => writeDetails(store.db, item)), 'skipped');
      assert.equal(store.getThread(deleted.id), null);

      writeFileSync(broken.path, 'not json at all\n');
      utimesSync(broken.path, 1_800_000_000, 1_800_000_000);
      const d = await runDetailsPass(store.db, home);
      assert.deepEqual([d.indexed, d.failed], [1, 1]);
      assert.equal(countDetailsPending(store.db).threads, 0, 'a failed row leaves the queue (no endless retry)');
      assert.equal(store.getThread(broken.id)?.metadata.preview, 'soon garbage', 'its list fields stay until the file is re-indexed');
      const failure = store.db.get<{ path: string }>('SELECT path FROM index_failures');
      assert.equal(failure?.path, broken.watermark);
      assert.equal(store.getThread(kept.id)?.metadata.preview, 'keep me');
    } finally {
      store.close();
    }
  });

  it('thread/search says what is missing while phase 1 or 2 is unfinished, and nothing once complete', async () => {
    const home = tempHome();
    for (let i = 0; i < 3; i++) writeRollout(home, { time: `2026-02-1${i}T10-00-00`, message: `refactor the parser ${i}` });
    const store = openStateStore(home);
    try {
      const ctx = context(store, home);
      assert.deepEqual(searchThreads(ctx, { query: 'parser' }).indexing, { listing: true, threadsToRead: 0 });
      await runBackfill(store.db, home);
      const during = searchThreads(ctx, { query: 'parser' });
      assert.deepEqual(during.indexing, { listing: false, threadsToRead: 3 });
      assert.equal(during.data.length, 0, 'no text is searchable before phase 2');
      await runDetailsPass(store.db, home);
      const after = searchThreads(ctx, { query: 'parser' });
      assert.equal(after.indexing, undefined);
      assert.equal(after.data.length, 3);
    } finally {
      store.close();
    }
  });

  it('doctor shows phase 2 while rows wait for it, and calls the index healthy only when none do', async () => {
    const home = tempHome();
    writeRollout(home, { time: '2026-02-10T10-00-00' });
    const store = openStateStore(home);
    await runBackfill(store.db, home);
    store.close();
    const during = await buildDoctorReport(home);
    assert.equal(during.details?.pendingThreads, 1);
    assert.ok((during.details?.pendingBytes ?? 0) > 0);
    assert.equal(during.healthy, false);
    const again = openStateStore(home);
    await again.startBackgroundIndexing();
    again.close();
    const after = await buildDoctorReport(home);
    assert.deepEqual(after.details, { pendingThreads: 0, pendingBytes: 0 });
    assert.equal(after.healthy, true);
  });
});
