// The server starts following the home after its first answers, from a baseline taken at start:
// what changed between the two (a new thread, an archive move, a rename, an append) is announced
// once following begins, and what was there before the baseline is not.

import assert from 'node:assert/strict';
import { appendFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { ThreadChange } from '../../../src/indexing/live-apply.ts';
import { openStateStore } from '../../../src/store/open.ts';
import type { StateStore } from '../../../src/store/store.ts';
import { useStoreHome } from '../../helpers/store-home.ts';
import { febAgent, febPrompt, writeThread } from '../search/rollouts.ts';

// Periodic checks only, far apart: the first look at the home is the only source of hints here.
const QUIET = { watch: false, pollMs: 600_000, reconcilePollMs: 600_000, reconcileWatchMs: 600_000 };

async function settledChanges(store: StateStore, startFollowing: (live: ReturnType<StateStore['followHome']>) => void, before: (live: ReturnType<StateStore['followHome']>) => void): Promise<ThreadChange[]> {
  const live = store.followHome(QUIET);
  const changes: ThreadChange[] = [];
  live.onChanges((c) => changes.push(...c));
  try {
    before(live);
    startFollowing(live);
    await live.settle();
    return changes;
  } finally {
    await live.close();
  }
}

describe('indexing: live index baseline', () => {
  const sh = useStoreHome('threadstate-live-baseline-', ['archived_sessions'], 'WARN');

  it('announces what changed between the baseline and the start of following, and nothing older', async () => {
    const old = writeThread(sh.home, febPrompt('old thread'), { time: '2026-03-01T10-00-00' });
    const toArchive = writeThread(sh.home, febPrompt('to archive'), { time: '2026-03-01T11-00-00' });
    const toGrow = writeThread(sh.home, febPrompt('to grow'), { time: '2026-03-01T12-00-00' });
    sh.store = openStateStore(sh.home);
    await sh.store.startBackgroundIndexing();
    // The file times must be clearly older than the baseline (the first look allows for a lag).
    await new Promise((r) => setTimeout(r, 2100));

    let fresh = { id: '', path: '' };
    const changes = await settledChanges(sh.store, (live) => live.start(Promise.resolve()), (live) => {
      live.baseline();
      fresh = writeThread(sh.home, febPrompt('created before following began'), { time: '2026-03-02T09-00-00' });
      renameSync(toArchive.path, join(sh.home, 'archived_sessions', toArchive.path.split('/').pop()!));
      appendFileSync(toGrow.path, `${JSON.stringify(febAgent('grown before following began'))}\n`);
    });
    const byId = new Map(changes.map((c) => [c.threadId, c]));
    assert.deepEqual(byId.get(fresh.id), { threadId: fresh.id, kind: 'appeared', archived: false });
    assert.deepEqual(byId.get(toArchive.id), { threadId: toArchive.id, kind: 'moved', archived: true });
    assert.deepEqual(byId.get(toGrow.id), { threadId: toGrow.id, kind: 'changed', archived: false });
    assert.equal(byId.has(old.id), false, 'an untouched thread is not announced');
    assert.equal(sh.store.getThread(fresh.id)?.metadata.preview, 'created before following began');
    assert.match(sh.store.getThread(toArchive.id)?.metadata.rolloutPath ?? '', /archived_sessions/);
  });
});
