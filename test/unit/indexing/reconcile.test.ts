import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdirSync, renameSync, rmSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { DiscrepancyCounter, repairThreadFromRollout } from '../../../src/indexing/discrepancies.ts';
import { openStateStore } from '../../../src/store/open.ts';
import { planReconcile } from '../../../src/indexing/reconcile.ts';
import { appendSessionName, countingSource, tempHome, writeRollout } from '../state/helpers.ts';
import { copyFixtureHome } from '../../helpers/home.ts';

async function indexed(home: string, source = countingSource(), counter = new DiscrepancyCounter()) {
  const store = openStateStore(home, { source, discrepancies: counter });
  const result = await store.startBackgroundIndexing();
  return { store, result, source, counter };
}

describe('state: reconcile after the backfill is complete', () => {
  it('reads nothing when nothing changed', async () => {
    const home = copyFixtureHome('codex-0.169.0');
    (await indexed(home)).store.close();
    const { store, result, source, counter } = await indexed(home);
    try {
      assert.equal(result.backfill.outcome, 'already-complete');
      assert.equal(result.reconcile?.unchanged, 14);
      assert.deepEqual(source.extracted, []);
      assert.equal(counter.total(), 0);
      assert.equal(store.getThread('01a2121e-f8c5-73b1-8d51-5bb39afff9d5')?.name, 'Release notes v1.2');
    } finally {
      store.close();
    }
  });

  it('reflects added, modified, archived-by-hand, unarchived, deleted and restored files at the next start', async () => {
    const home = tempHome();
    const keep = writeRollout(home, { time: '2026-02-10T10-00-00', message: 'keep me' });
    const modify = writeRollout(home, { time: '2026-02-11T10-00-00', message: 'before edit' });
    const toArchive = writeRollout(home, { time: '2026-02-12T10-00-00' });
    const toUnarchive = writeRollout(home, { time: '2026-02-13T10-00-00', archived: true });
    const toDelete = writeRollout(home, { time: '2026-02-14T10-00-00' });
    const first = await indexed(home);
    assert.equal(first.result.backfill.upserted, 5);
    first.store.close();

    const backup = join(home, '..', 'backup.jsonl');
    cpSync(toDelete.path, backup, { preserveTimestamps: true });
    const added = writeRollout(home, { time: '2026-02-15T10-00-00', message: 'brand new' });
    // A file restored from elsewhere whose watermark sorts before the backfill's last watermark.
    const restoredEarly = writeRollout(home, { time: '2026-01-01T10-00-00', message: 'restored old' });
    appendFileSync(modify.path, JSON.stringify({ timestamp: '2026-02-11T10:05:00.000Z', type: 'event_msg', payload: { type: 'token_count', info: { total_token_usage: { total_tokens: 777 } } } }) + '\n');
    const archivedPath = join(home, 'archived_sessions', toArchive.path.split('/').pop()!);
    mkdirSync(join(home, 'archived_sessions'), { recursive: true });
    renameSync(toArchive.path, archivedPath);
    const unarchivedPath = join(home, 'sessions/2026/02/13', toUnarchive.path.split('/').pop()!);
    mkdirSync(join(unarchivedPath, '..'), { recursive: true });
    renameSync(toUnarchive.path, unarchivedPath);
    rmSync(toDelete.path);

    const second = await indexed(home);
    try {
      const { store, result, source, counter } = second;
      assert.deepEqual(
        { indexed: result.reconcile?.indexed, dropped: result.reconcile?.dropped, unchanged: result.reconcile?.unchanged },
        { indexed: 5, dropped: 1, unchanged: 1 },
      );
      assert.ok(!source.extracted.includes(keep.path), 'the unchanged file is not read');
      assert.equal(store.getThread(added.id)?.metadata.preview, 'brand new');
      assert.equal(store.getThread(restoredEarly.id)?.metadata.preview, 'restored old');
      assert.equal(store.getThread(modify.id)?.metadata.tokensUsed, 777);
      const arch = store.getThread(toArchive.id)!.metadata;
      assert.equal(arch.archived, true);
      assert.equal(arch.rolloutPath, archivedPath);
      const unarch = store.getThread(toUnarchive.id)!.metadata;
      assert.equal(unarch.archived, false);
      assert.equal(unarch.archivedAt, null);
      assert.equal(unarch.rolloutPath, unarchivedPath);
      assert.equal(store.getThread(toDelete.id), null);
      const counts = Object.fromEntries(counter.snapshot().map((c) => [c.reason, c.count]));
      assert.deepEqual(counts, { fingerprint_changed: 1, missing_row: 2, stale_path: 2, stale_row_dropped: 1 });
      store.close();

      // Restored from backup after it was dropped: back at the next start.
      cpSync(backup, toDelete.path, { preserveTimestamps: true });
      const third = await indexed(home);
      assert.equal(third.store.getThread(toDelete.id)?.metadata.rolloutPath, toDelete.path);
      assert.equal(third.result.reconcile?.indexed, 1);
      third.store.close();
    } finally {
      second.store.close();
    }
  });

  it('picks up renames from session_index.jsonl and copes with a moved home without re-reading', async () => {
    const home = tempHome();
    const a = writeRollout(home);
    (await indexed(home)).store.close();
    appendSessionName(home, a.id, 'Renamed by Codex');
    const moved = join(home, '..', 'moved-home');
    renameSync(home, moved);
    const { store, result, source } = await indexed(moved);
    try {
      assert.equal(result.reconcile?.namesUpdated, 1);
      assert.equal(result.reconcile?.relocated, 1);
      assert.deepEqual(source.extracted, []);
      const t = store.getThread(a.id)!;
      assert.equal(t.name, 'Renamed by Codex');
      assert.ok(t.metadata.rolloutPath.startsWith(moved));
    } finally {
      store.close();
    }
  });

  it('leaves a second copy of an id alone while the indexed file still exists', async () => {
    const home = tempHome();
    const a = writeRollout(home, { time: '2026-02-10T10-00-00' });
    (await indexed(home)).store.close();
    const copy = join(home, 'archived_sessions', a.path.split('/').pop()!);
    mkdirSync(join(copy, '..'), { recursive: true });
    cpSync(a.path, copy);
    const { store, result, counter } = await indexed(home);
    try {
      assert.equal(result.reconcile?.duplicates, 1);
      assert.equal(store.getThread(a.id)?.metadata.rolloutPath, a.path);
      assert.deepEqual(counter.snapshot().map((c) => c.reason), ['duplicate_id']);
    } finally {
      store.close();
    }
  });

  it('plans without writing (what doctor reports)', async () => {
    const home = tempHome();
    const a = writeRollout(home);
    const { store } = await indexed(home);
    try {
      utimesSync(a.path, 1_800_000_000, 1_800_000_000);
      const b = writeRollout(home, { time: '2026-03-01T00-00-00' });
      const plan = planReconcile(store.db, await store.source.listRollouts(home), home);
      assert.deepEqual(plan.toIndex.map((w) => [w.reason, w.file.id]).sort(), [['changed', a.id], ['new', b.id]].sort());
      assert.equal(store.getThread(b.id), null);
    } finally {
      store.close();
    }
  });

  it('read-repair fixes a missing row and a stale path, counting each', async () => {
    const home = tempHome();
    const a = writeRollout(home, { message: 'repair me' });
    const counter = new DiscrepancyCounter();
    const { store } = await indexed(home);
    try {
      const target = { db: store.db, codexHome: home, discrepancies: counter };
      store.deleteThread(a.id);
      assert.equal((await repairThreadFromRollout(target, a.path))?.id, a.id);
      assert.equal(store.getThread(a.id)?.metadata.preview, 'repair me');
      assert.equal((await repairThreadFromRollout(target, a.path))?.id, a.id, 'an agreeing row is left alone');
      store.db.run("UPDATE threads SET rollout_path = '/nowhere.jsonl' WHERE id = ?", a.id);
      await repairThreadFromRollout(target, a.path, 'thread_read');
      assert.equal(store.getThread(a.id)?.metadata.rolloutPath, a.path);
      assert.deepEqual(counter.snapshot(), [
        { stage: 'read_repair', reason: 'missing_row', count: 1 },
        { stage: 'thread_read', reason: 'stale_path', count: 1 },
      ]);
      assert.equal(await repairThreadFromRollout(target, join(home, 'sessions/nope.jsonl')), null);
    } finally {
      store.close();
    }
  });
});
