import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { stateDbPath } from '../../../src/sqlite/files.ts';
import {
  LIST_RECENT_SQL, getMemory, listRecentMemories, nextMemoryTime, upsertMemory,
} from '../../../src/state/memory.ts';
import { memoryJournalPath, parseJournalLine, readMemoryJournal } from '../../../src/store/memory-journal.ts';
import { openStateStore } from '../../../src/store/open.ts';
import type { StateStore } from '../../../src/store/store.ts';
import { metadataOf, tempHome, writeRollout } from './helpers.ts';

const UNKNOWN = '11111111-1111-4111-8111-111111111111';

async function storeWithThreads(home: string, specs: Array<{ id: string; cwd: string }>): Promise<StateStore> {
  const store = openStateStore(home);
  for (const spec of specs) {
    const { path } = writeRollout(home, spec);
    store.upsertThread(await metadataOf(home, path));
  }
  return store;
}

function id(n: number): string {
  return `0000000${n}-0000-4000-8000-000000000000`;
}

function journalLines(home: string): Array<Record<string, unknown>> {
  return readFileSync(memoryJournalPath(home), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
}

describe('state: thread memory', () => {
  let home: string;
  let store: StateStore;

  beforeEach(async () => {
    home = tempHome();
    store = await storeWithThreads(home, [
      { id: id(1), cwd: '/proj/a' }, { id: id(2), cwd: '/proj/a' }, { id: id(3), cwd: '/proj/a' },
      { id: id(4), cwd: '/proj/b' }, { id: id(5), cwd: '/proj/a/sub' },
    ]);
  });

  afterEach(() => {
    store.close();
    rmSync(join(home, '..'), { recursive: true, force: true });
  });

  it('gets nothing before a write, then what was written; a thread without a row is refused', () => {
    assert.equal(getMemory(store.db, id(1)), null);
    assert.equal(upsertMemory(store.db, { threadId: UNKNOWN, traceSummary: 't', memorySummary: 'm' }), null);
    assert.equal(store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM thread_memory')?.n, 0);
    const written = upsertMemory(store.db, { threadId: id(1), traceSummary: 'trace 1', memorySummary: 'memory 1', updatedAt: 5_000 });
    assert.deepEqual(written, { threadId: id(1), traceSummary: 'trace 1', memorySummary: 'memory 1', updatedAt: 5_000 });
    assert.deepEqual(getMemory(store.db, id(1)), written);
    const replaced = upsertMemory(store.db, { threadId: id(1), traceSummary: 'trace 2', memorySummary: 'memory 2', updatedAt: 9_000 });
    assert.deepEqual(replaced, { threadId: id(1), traceSummary: 'trace 2', memorySummary: 'memory 2', updatedAt: 9_000 });
    assert.equal(store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM thread_memory')?.n, 1);
  });

  it('always advances updated_at: two writes in the same millisecond, and a clock that went back', () => {
    const first = upsertMemory(store.db, { threadId: id(1), traceSummary: 'a', memorySummary: 'a', updatedAt: 1_000 })!;
    const second = upsertMemory(store.db, { threadId: id(1), traceSummary: 'b', memorySummary: 'b', updatedAt: 1_000 })!;
    const third = upsertMemory(store.db, { threadId: id(1), traceSummary: 'c', memorySummary: 'c', updatedAt: 400 })!;
    assert.deepEqual([first.updatedAt, second.updatedAt, third.updatedAt], [1_000, 1_001, 1_002]);
    assert.equal(nextMemoryTime(store.db, id(1), 1_002), 1_003, 'same millisecond as the last write');
    assert.equal(nextMemoryTime(store.db, id(1), 50_000), 50_000, 'a later clock wins');
    assert.equal(nextMemoryTime(store.db, id(2), 7), 7, 'a first write takes the clock');
    // Real clock, back to back: each write is strictly newer than the one before.
    let last = 0;
    for (let i = 0; i < 20; i++) {
      const m = upsertMemory(store.db, { threadId: id(2), traceSummary: `t${i}`, memorySummary: `m${i}` })!;
      assert.ok(m.updatedAt > last, `write ${i} advanced`);
      last = m.updatedAt;
    }
  });

  it('lists the newest memories of one exact cwd, ties broken by thread id, limited', () => {
    upsertMemory(store.db, { threadId: id(1), traceSummary: 't1', memorySummary: 'm1', updatedAt: 2_000 });
    upsertMemory(store.db, { threadId: id(2), traceSummary: 't2', memorySummary: 'm2', updatedAt: 3_000 });
    upsertMemory(store.db, { threadId: id(3), traceSummary: 't3', memorySummary: 'm3', updatedAt: 2_000 });
    upsertMemory(store.db, { threadId: id(4), traceSummary: 't4', memorySummary: 'm4', updatedAt: 9_000 });
    upsertMemory(store.db, { threadId: id(5), traceSummary: 't5', memorySummary: 'm5', updatedAt: 9_000 });
    assert.deepEqual(listRecentMemories(store.db, '/proj/a', 10).map((m) => [m.threadId, m.updatedAt]), [
      [id(2), 3_000], [id(3), 2_000], [id(1), 2_000],
    ]);
    assert.deepEqual(listRecentMemories(store.db, '/proj/a', 2).map((m) => m.threadId), [id(2), id(3)]);
    assert.deepEqual(listRecentMemories(store.db, '/proj/b', 10).map((m) => m.memorySummary), ['m4']);
    assert.deepEqual(listRecentMemories(store.db, '/proj', 10), [], 'no prefix matching');
    assert.deepEqual(listRecentMemories(store.db, '/proj/a/', 10), [], 'exact text match');
    // A rewrite moves a thread to the front.
    upsertMemory(store.db, { threadId: id(1), traceSummary: 't1b', memorySummary: 'm1b', updatedAt: 2_000 });
    assert.deepEqual(listRecentMemories(store.db, '/proj/a', 10).map((m) => [m.threadId, m.updatedAt]), [
      [id(2), 3_000], [id(1), 2_001], [id(3), 2_000],
    ]);
  });

  it('walks the recency index for listRecent: no temporary sort', () => {
    store.db.exec('ANALYZE');
    const plan = store.db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${LIST_RECENT_SQL}`, '/proj/a', 10).map((r) => r.detail).join('\n');
    assert.match(plan, /thread_memory_recent/);
    assert.doesNotMatch(plan, /TEMP B-TREE/);
    assert.match(plan, /threads.*PRIMARY KEY|sqlite_autoindex_threads/);
  });

  it('writes nothing to SQLite when the journal cannot be written', async () => {
    mkdirSync(memoryJournalPath(home));
    await assert.rejects(store.writeMemory({ threadId: id(1), traceSummary: 't', memorySummary: 'm' }), /EISDIR/);
    assert.equal(store.getMemory(id(1)), null);
  });

  it('deleting a thread deletes its memory (cascade)', () => {
    upsertMemory(store.db, { threadId: id(1), traceSummary: 't', memorySummary: 'm' });
    assert.ok(store.deleteThread(id(1)));
    assert.equal(getMemory(store.db, id(1)), null);
  });

  it('writes through the store journal first (one line, mode 0600), then the row with the same time', async () => {
    assert.equal(await store.writeMemory({ threadId: UNKNOWN, traceSummary: 't', memorySummary: 'm' }), null);
    assert.equal(existsSync(memoryJournalPath(home)), false, 'nothing journaled for an unknown thread');
    const a = (await store.writeMemory({ threadId: id(1), traceSummary: 'line\nbreak', memorySummary: 'é ✓' }))!;
    const b = (await store.writeMemory({ threadId: id(1), traceSummary: 'second', memorySummary: 'second' }))!;
    assert.ok(b.updatedAt > a.updatedAt);
    assert.equal(statSync(memoryJournalPath(home)).mode & 0o777, 0o600);
    assert.deepEqual(journalLines(home), [
      { op: 'write', threadId: id(1), traceSummary: 'line\nbreak', memorySummary: 'é ✓', updatedAt: a.updatedAt },
      { op: 'write', threadId: id(1), traceSummary: 'second', memorySummary: 'second', updatedAt: b.updatedAt },
    ]);
    assert.deepEqual(store.getMemory(id(1)), b);
    assert.equal(await store.forgetMemory(id(2)), false, 'no memory, no tombstone');
    assert.equal(await store.forgetMemory(id(1)), true);
    const lines = journalLines(home);
    assert.equal(lines.length, 3);
    assert.deepEqual({ ...lines[2], at: 0 }, { op: 'delete', threadId: id(1), at: 0 });
    assert.equal(store.getMemory(id(1)), null);
  });
});

describe('state: memories survive a rebuilt index', () => {
  let home: string;

  beforeEach(() => {
    home = tempHome();
  });

  afterEach(() => {
    rmSync(join(home, '..'), { recursive: true, force: true });
  });

  function deleteDatabase(): void {
    for (const suffix of ['', '-wal', '-shm']) rmSync(stateDbPath(home) + suffix, { force: true });
  }

  it('replays the journal into a new database: last entry wins, tombstones stay deleted, missing threads are skipped', async () => {
    let store = await storeWithThreads(home, [1, 2, 3, 4].map((n) => ({ id: id(n), cwd: '/p' })));
    let kept1;
    let kept2;
    try {
      await store.writeMemory({ threadId: id(1), traceSummary: 'old', memorySummary: 'old' });
      kept1 = await store.writeMemory({ threadId: id(1), traceSummary: 'new', memorySummary: 'new' });
      kept2 = await store.writeMemory({ threadId: id(2), traceSummary: 't2', memorySummary: 'm2' });
      await store.writeMemory({ threadId: id(3), traceSummary: 'gone', memorySummary: 'gone' });
      await store.forgetMemory(id(3));
      await store.writeMemory({ threadId: id(4), traceSummary: 't4', memorySummary: 'm4' });
    } finally {
      store.close();
    }
    // Thread 4's rollout disappears, then the database file is deleted.
    rmSync(join(home, 'sessions'), { recursive: true, force: true });
    for (const n of [1, 2, 3]) writeRollout(home, { id: id(n), cwd: '/p' });
    deleteDatabase();

    store = openStateStore(home);
    try {
      assert.equal(store.info.created, true);
      const result = await store.startBackgroundIndexing();
      assert.equal(result.backfill.outcome, 'complete');
      assert.deepEqual(result.memories, { lines: 6, skipped: 0, restored: 2, deleted: 0, missingThreads: 1 });
      assert.deepEqual(store.getMemory(id(1)), kept1, 'same summaries and the same time');
      assert.deepEqual(store.getMemory(id(2)), kept2);
      assert.equal(store.getMemory(id(3)), null, 'the tombstone keeps it deleted');
      assert.equal(store.getMemory(id(4)), null);
      assert.deepEqual(store.listRecentMemories('/p', 10).map((m) => m.threadId), [id(2), id(1)]);
      // An up-to-date index with memories does not replay at the next start.
      const again = await store.startBackgroundIndexing();
      assert.equal(again.backfill.outcome, 'already-complete');
      assert.equal(again.memories, null);
    } finally {
      store.close();
    }
  });

  it('skips and counts garbage and a torn last line; the next append starts on a fresh line', async () => {
    let store = await storeWithThreads(home, [{ id: id(1), cwd: '/p' }, { id: id(2), cwd: '/p' }]);
    try {
      await store.writeMemory({ threadId: id(1), traceSummary: 't1', memorySummary: 'm1' });
      appendFileSync(memoryJournalPath(home), 'not json\n{"op":"write","threadId":"x"}\n[]\n{"op":"write","threadId":"' + id(2) + '","traceSummary":"torn');
      await store.writeMemory({ threadId: id(2), traceSummary: 't2', memorySummary: 'm2' });
    } finally {
      store.close();
    }
    const text = readFileSync(memoryJournalPath(home), 'utf8');
    assert.match(text, /"traceSummary":"torn\n\{"op":"write"/, 'the torn fragment is left on its own line');
    const contents = await readMemoryJournal(home);
    assert.equal(contents.lines, 6);
    assert.equal(contents.skipped, 4);
    assert.deepEqual([...contents.latest.keys()], [id(1), id(2)]);
    assert.equal(parseJournalLine('{"op":"delete","threadId":"a","at":1.5}'), null);
    assert.deepEqual(parseJournalLine('{"op":"delete","threadId":"a","at":2}'), { op: 'delete', threadId: 'a', at: 2 });

    deleteDatabase();
    store = openStateStore(home);
    try {
      const result = await store.startBackgroundIndexing();
      assert.deepEqual(result.memories, { lines: 6, skipped: 4, restored: 2, deleted: 0, missingThreads: 0 });
      assert.equal(store.getMemory(id(2))?.traceSummary, 't2');
    } finally {
      store.close();
    }
  });

  it('refills an emptied memory table at start (a crash between backfill and replay); no journal, nothing to do', async () => {
    const store = await storeWithThreads(home, [{ id: id(1), cwd: '/p' }]);
    try {
      assert.equal((await store.startBackgroundIndexing()).memories?.lines, 0, 'first backfill: an empty journal');
      await store.writeMemory({ threadId: id(1), traceSummary: 't', memorySummary: 'm' });
      store.db.exec('DELETE FROM thread_memory');
      const result = await store.startBackgroundIndexing();
      assert.equal(result.backfill.outcome, 'already-complete');
      assert.equal(result.memories?.restored, 1);
      assert.equal(store.getMemory(id(1))?.memorySummary, 'm');
    } finally {
      store.close();
    }
  });
});
