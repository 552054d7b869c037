import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import {
  isLeaseStale, makeLeaseOwner, parseLeaseOwner, readBackfillState, releaseLease, tryClaimLease,
} from '../../../src/state/backfill-state.ts';
import { runBackfill, type IndexProgress } from '../../../src/indexing/backfill.ts';
import { openStateStore } from '../../../src/store/open.ts';
import { countingSource, rolloutLines, tempHome, writeRollout } from '../state/helpers.ts';

function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  return child.pid as number;
}

describe('state: backfill', () => {
  it('imports every rollout in watermark order and marks complete', async () => {
    const home = tempHome();
    const files = [
      writeRollout(home, { time: '2026-02-11T10-00-00' }),
      writeRollout(home, { time: '2026-02-10T10-00-00' }),
      writeRollout(home, { time: '2026-02-12T10-00-00', archived: true }),
    ];
    const store = openStateStore(home);
    try {
      const progress: IndexProgress[] = [];
      const source = countingSource();
      const result = await runBackfill(store.db, home, { source, onProgress: (p) => progress.push(p) });
      assert.equal(result.outcome, 'complete');
      assert.deepEqual([result.scanned, result.upserted, result.failed], [3, 3, 0]);
      const state = readBackfillState(store.db);
      assert.equal(state.status, 'complete');
      assert.ok(state.lastSuccessAt && state.lastSuccessAt > 0);
      assert.equal(state.leaseOwner, null);
      assert.equal(state.lastWatermark, files[0].watermark, 'the last watermark in bytewise order');
      assert.deepEqual(source.extracted, [files[2].path, files[1].path, files[0].path], 'archived_sessions/ sorts before sessions/');
      const last = progress[progress.length - 1];
      assert.equal(last.filesDone, 3);
      assert.equal(last.filesTotal, 3);
      assert.equal(last.bytesDone, last.bytesTotal);
      assert.ok(last.bytesTotal > 0);
      assert.equal((await runBackfill(store.db, home)).outcome, 'already-complete');
    } finally {
      store.close();
    }
  });

  it('resumes strictly after the checkpoint when stopped between batches', async () => {
    const home = tempHome();
    const written = Array.from({ length: 7 }, (_, i) => writeRollout(home, { time: `2026-02-1${i}T10-00-00` }));
    const store = openStateStore(home);
    try {
      const first = countingSource();
      const stopped = await runBackfill(store.db, home, { source: first, batchSize: 3, maxBatches: 1 });
      assert.equal(stopped.outcome, 'stopped');
      let state = readBackfillState(store.db);
      assert.equal(state.status, 'running');
      assert.equal(state.leaseOwner, null, 'the lease is released on a clean stop');
      assert.equal(state.lastWatermark, written[2].watermark);
      assert.equal(store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM threads')?.n, 3);

      const controller = new AbortController();
      const second = countingSource();
      const aborted = await runBackfill(store.db, home, {
        source: second, batchSize: 3, signal: controller.signal, onProgress: (p) => { if (p.filesDone >= 3) controller.abort(); },
      });
      assert.equal(aborted.outcome, 'stopped');
      assert.deepEqual(second.extracted, written.slice(3, 6).map((w) => w.path));
      state = readBackfillState(store.db);
      assert.equal(state.lastWatermark, written[5].watermark);

      const third = countingSource();
      const done = await runBackfill(store.db, home, { source: third, batchSize: 3 });
      assert.equal(done.outcome, 'complete');
      assert.deepEqual(third.extracted, [written[6].path]);
      assert.equal(store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM threads')?.n, 7);
    } finally {
      store.close();
    }
  });

  it('a live lease blocks a second worker; an expired one or a dead owner on this host is taken over', async () => {
    const home = tempHome();
    writeRollout(home);
    const store = openStateStore(home);
    try {
      const live = makeLeaseOwner();
      assert.ok(tryClaimLease(store.db, live, { leaseMs: 60_000 }));
      assert.equal((await runBackfill(store.db, home)).outcome, 'lease-held');
      assert.equal(tryClaimLease(store.db, makeLeaseOwner(), { leaseMs: 60_000 }), false, 'same host, live pid, not expired');
      const otherHost = makeLeaseOwner(deadPid(), `${hostname()}-elsewhere`);
      releaseLease(store.db, live);
      assert.ok(tryClaimLease(store.db, otherHost, { leaseMs: 60_000 }));
      assert.equal(tryClaimLease(store.db, makeLeaseOwner()), false, 'another host is trusted until its lease expires');
      assert.ok(tryClaimLease(store.db, makeLeaseOwner(), { nowMs: Date.now() + 61_000 }), 'expired lease is taken over');

      const dead = makeLeaseOwner(deadPid());
      store.db.run('UPDATE backfill_state SET lease_owner = ?, lease_expires_at = ? WHERE id = 1', dead, Date.now() + 3_600_000);
      assert.ok(isLeaseStale(readBackfillState(store.db)));
      const result = await runBackfill(store.db, home);
      assert.equal(result.outcome, 'complete', 'a dead owner is replaced at once, not after the expiry');
      assert.equal(tryClaimLease(store.db, makeLeaseOwner()), false, 'nothing to claim once complete');
    } finally {
      store.close();
    }
  });

  it('renews its lease while a slow batch runs, so nobody takes it over meanwhile', async () => {
    const home = tempHome();
    writeRollout(home);
    const store = openStateStore(home);
    try {
      const slow = countingSource();
      const inner = slow.extract;
      slow.extract = async (path, h, archived) => {
        await new Promise((resolve) => setTimeout(resolve, 400));
        return inner(path, h, archived);
      };
      const running = runBackfill(store.db, home, { source: slow, leaseMs: 150 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(tryClaimLease(store.db, makeLeaseOwner(), { leaseMs: 150 }), false, 'the lease was renewed past its first expiry');
      assert.equal((await running).outcome, 'complete');
    } finally {
      store.close();
    }
  });

  it('stores dynamic tools from the rollout during backfill', async () => {
    const home = tempHome();
    const tools = [{ name: 'lookup', description: 'Look it up', inputSchema: { type: 'object' } }];
    const { id } = writeRollout(home, { tools });
    const store = openStateStore(home);
    try {
      await store.startBackgroundIndexing();
      assert.deepEqual(store.readDynamicTools(id), [{ type: 'function', name: 'lookup', description: 'Look it up', inputSchema: { type: 'object' } }]);
    } finally {
      store.close();
    }
  });

  it('a store waiting on a live lease finishes the job once the holder stops renewing it', async () => {
    const home = tempHome();
    const { id } = writeRollout(home);
    const store = openStateStore(home);
    try {
      const holder = makeLeaseOwner(process.pid, `${hostname()}-elsewhere`);
      assert.ok(tryClaimLease(store.db, holder, { leaseMs: 300 }));
      const started = Date.now();
      const result = await store.startBackgroundIndexing({ leaseRetryMs: 50 });
      assert.equal(result.backfill.outcome, 'complete');
      assert.ok(Date.now() - started >= 250, 'waited for the expiry');
      assert.ok(result.reconcile);
      assert.ok(store.getThread(id));

      const aborted = new AbortController();
      store.db.run("UPDATE backfill_state SET status = 'running', lease_owner = ?, lease_expires_at = ? WHERE id = 1", holder, Date.now() + 60_000);
      const waiting = store.startBackgroundIndexing({ leaseRetryMs: 50, signal: aborted.signal });
      setTimeout(() => aborted.abort(), 100);
      assert.equal((await waiting).backfill.outcome, 'lease-held', 'an abort ends the wait');
    } finally {
      store.close();
    }
  });

  it('parses lease owners and judges staleness', () => {
    const owner = makeLeaseOwner(1234, 'box');
    assert.match(owner, /^pid:1234:[0-9a-f-]{36}@box$/);
    assert.deepEqual(parseLeaseOwner(owner), { pid: 1234, host: 'box' });
    assert.equal(parseLeaseOwner('garbage'), null);
    const base = { status: 'running' as const, lastWatermark: null, lastSuccessAt: null, updatedAt: 0 };
    assert.equal(isLeaseStale({ ...base, leaseOwner: null, leaseExpiresAt: null }), true);
    assert.equal(isLeaseStale({ ...base, leaseOwner: owner, leaseExpiresAt: 100 }, { nowMs: 100 }), true);
    assert.equal(isLeaseStale({ ...base, leaseOwner: owner, leaseExpiresAt: 200 }, { nowMs: 100, host: 'box', isAlive: () => true }), false);
    assert.equal(isLeaseStale({ ...base, leaseOwner: owner, leaseExpiresAt: 200 }, { nowMs: 100, host: 'box', isAlive: () => false }), true);
    assert.equal(isLeaseStale({ ...base, leaseOwner: owner, leaseExpiresAt: 200 }, { nowMs: 100, host: 'other', isAlive: () => false }), false);
  });

  it('records a failed file, retries it at the next start, and indexes it once fixed', async () => {
    const home = tempHome();
    const good = writeRollout(home, { time: '2026-02-10T10-00-00' });
    const bad = writeRollout(home, { time: '2026-02-11T10-00-00' });
    writeFileSync(bad.path, '');
    const store = openStateStore(home);
    try {
      let result = await store.startBackgroundIndexing();
      assert.equal(result.backfill.outcome, 'complete');
      assert.equal(result.backfill.failed, 1);
      let failure = store.db.get<{ path: string; error: string; attempts: number }>('SELECT * FROM index_failures');
      assert.equal(failure?.path, bad.watermark);
      assert.match(failure!.error, /empty session file/);
      assert.equal(failure?.attempts, 1, 'the reconcile right after the backfill does not re-read it');
      assert.ok(store.getThread(good.id));

      result = await store.startBackgroundIndexing();
      assert.equal(result.reconcile?.failed, 1);
      failure = store.db.get('SELECT * FROM index_failures');
      assert.equal(failure?.attempts, 2, 'retried at every start, not skipped forever');

      writeFileSync(bad.path, rolloutLines({ id: bad.id, time: '2026-02-11T10-00-00', message: 'fixed now' }));
      result = await store.startBackgroundIndexing();
      assert.equal(result.reconcile?.indexed, 1);
      assert.equal(store.getThread(bad.id)?.metadata.preview, 'fixed now');
      assert.equal(store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM index_failures')?.n, 0);
    } finally {
      store.close();
    }
  });

  it('keeps answering while it runs (yields between batches)', async () => {
    const home = tempHome();
    for (let i = 0; i < 30; i++) writeRollout(home, { time: `2026-02-10T10-00-${String(i).padStart(2, '0')}` });
    const store = openStateStore(home);
    try {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 0);
      let batchesSeen = 0;
      await runBackfill(store.db, home, { batchSize: 2, onProgress: () => batchesSeen++ });
      clearInterval(timer);
      assert.equal(batchesSeen, 16);
      assert.ok(ticks > 0, 'timers ran while backfilling');
    } finally {
      store.close();
    }
  });
});

describe('state: watermark order', () => {
  it('sorts bytewise, not by UTF-16 code units', async () => {
    const { sortByWatermark, compareWatermarks } = await import('../../../src/indexing/rollout-source.ts');
    const mk = (watermark: string) => ({ path: `/h/${watermark}`, watermark, id: '', archived: false, size: 0, mtimeMs: 0 });
    // U+FF5E is EF BD 9E in UTF-8 and U+1F600 is F0 9F 98 80: bytewise U+FF5E first, in UTF-16 the emoji first.
    const names = ['sessions/\u{1F600}', 'sessions/\uFF5E', 'archived_sessions/z', 'sessions/a'];
    assert.deepEqual(sortByWatermark(names.map(mk)).map((f) => f.watermark), ['archived_sessions/z', 'sessions/a', 'sessions/\uFF5E', 'sessions/\u{1F600}']);
    assert.ok('sessions/\u{1F600}' < 'sessions/\uFF5E', 'UTF-16 order differs');
    assert.ok(compareWatermarks('sessions/\uFF5E', 'sessions/\u{1F600}') < 0);
  });
});

describe('state: backfill batches', () => {
  it('end at 200 files or at the byte budget, a single huge file alone', async () => {
    const { batchesOf } = await import('../../../src/indexing/backfill.ts');
    const sizes = (batches: Array<Array<{ size: number }>>) => batches.map((b) => b.map((f) => f.size));
    assert.deepEqual(sizes(batchesOf([1, 2, 3, 4, 5].map((size) => ({ size })), 2, 100)), [[1, 2], [3, 4], [5]]);
    assert.deepEqual(sizes(batchesOf([10, 60, 50, 200, 1].map((size) => ({ size })), 200, 100)), [[10, 60], [50], [200], [1]]);
    assert.deepEqual(batchesOf([], 200, 100), []);
  });
});
