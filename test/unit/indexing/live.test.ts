// The live index's parts in process, on real files and a real index: a resumed read equals a full
// read and costs the appended bytes; session_index.jsonl is followed from its last complete line;
// path changes are applied and named from this process's point of view; a list served with moves
// nobody has applied yet re-checks repaired rows against its filters.

import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyRolloutPaths, ReportedThreads, type LiveTarget } from '../../../src/indexing/live-apply.ts';
import { NamesFollower } from '../../../src/indexing/names-follower.ts';
import { TailCache } from '../../../src/indexing/tail-cache.ts';
import { probeLiveMode } from '../../../src/indexing/watch-probe.ts';
import { ResumableExtract, extractThreadMetadata } from '../../../src/rollout/extract.ts';
import { realHomeSync } from '../../../src/rollout/paths.ts';
import { appendThreadName, sessionIndexPath } from '../../../src/rollout/session-index.ts';
import { openStateStore } from '../../../src/store/open.ts';
import { listThreads } from '../../../src/threads/list-threads.ts';
import { LoadedThreads } from '../../../src/threads/loaded.ts';
import { useStoreHome } from '../../helpers/store-home.ts';
import { febAgent, febPrompt, writeThread, type Line } from '../search/rollouts.ts';

const text = (body: Line[]): string => body.map((l) => JSON.stringify(l)).join('\n') + '\n';

describe('indexing: live index parts', () => {
  // The garbage file and the stale rows below are logged as warnings on purpose: kept off the report.
  const sh = useStoreHome('threadstate-live-', ['sessions', 'archived_sessions'], 'ERROR');

  it('a resumed read equals a full read and reads only the appended bytes, a cut line included', async () => {
    const t = writeThread(sh.home, [...febPrompt('first prompt'), febAgent('first answer')]);
    const resumable = new ResumableExtract();
    const first = (await resumable.read(t.path, { codexHome: sh.home }))!;
    assert.equal(first.error, undefined);
    const appended = text([...febPrompt('second prompt'), febAgent('second answer'), { timestamp: 'x', type: 'event_msg', payload: { type: 'token_count', info: { total_token_usage: { total_tokens: 4242 } } } }]);
    // Half a line first: not consumed until its end arrives.
    const cut = Math.floor(appended.length * 0.6);
    appendFileSync(t.path, appended.slice(0, cut));
    const partial = (await resumable.read(t.path, { codexHome: sh.home }))!;
    assert.ok(partial.stats.bytesRead <= Buffer.byteLength(appended.slice(0, cut)));
    appendFileSync(t.path, appended.slice(cut));
    const resumed = (await resumable.read(t.path, { codexHome: sh.home }))!;
    assert.ok(resumed.stats.bytesRead < Buffer.byteLength(appended), `read ${resumed.stats.bytesRead} bytes for an append of ${Buffer.byteLength(appended)}`);
    const full = await extractThreadMetadata(t.path, { codexHome: sh.home, search: true });
    assert.deepEqual(resumed.metadata, full.metadata);
    assert.deepEqual(resumed.searchText, full.searchText);
    assert.equal(resumed.metadata?.tokensUsed, 4242);
    // Once stored, a document the appended lines do not change is not written again.
    resumable.markWritten(resumed);
    appendFileSync(t.path, text([{ timestamp: 'x', type: 'event_msg', payload: { type: 'token_count', info: { total_token_usage: { total_tokens: 5000 } } } }]));
    const quiet = (await resumable.read(t.path, { codexHome: sh.home }))!;
    assert.equal(quiet.searchText, undefined);
    assert.equal(quiet.metadata?.tokensUsed, 5000);
    appendFileSync(t.path, text([febAgent('a new answer')]));
    assert.match((await resumable.read(t.path, { codexHome: sh.home }))!.searchText?.text ?? '', /a new answer/);

    // Another file at the same path: the resumed read refuses it.
    writeFileSync(t.path + '.new', text([...febPrompt('replacement')]));
    renameSync(t.path + '.new', t.path);
    assert.equal(resumable.canContinue(1, 1), false);
    assert.equal(await resumable.read(t.path, { codexHome: sh.home }), null);
  });

  it('follows session_index.jsonl from its last complete line, and from the start when it is replaced', () => {
    const index = join(sh.home, 'session_index.jsonl');
    const entry = (id: string, name: string) => `${JSON.stringify({ id, thread_name: name, updated_at: '2026-01-01T00:00:00Z' })}\n`;
    writeFileSync(index, entry('a', 'old'));
    const follower = new NamesFollower(sh.home);
    follower.skipToEnd();
    assert.deepEqual(follower.readNew(), new Map());
    const line = entry('b', 'Bé name');
    appendFileSync(index, entry('a', 'new a') + entry('a', 'newer a') + line.slice(0, 10));
    assert.deepEqual(follower.readNew(), new Map([['a', 'newer a']]));
    appendFileSync(index, line.slice(10) + 'not json\n');
    assert.deepEqual(follower.readNew(), new Map([['b', 'Bé name']]));
    writeFileSync(index + '.tmp', entry('c', 'rewritten'));
    renameSync(index + '.tmp', index);
    assert.deepEqual(follower.readNew(), new Map([['c', 'rewritten']]));
  });

  it('applies created, grown, moved, deleted and restored files and names each change', async () => {
    sh.store = openStateStore(sh.home);
    await sh.store.startBackgroundIndexing();
    const target: LiveTarget = { db: sh.store.db, source: sh.store.source, discrepancies: sh.store.discrepancies, codexHome: sh.home, realHome: realHomeSync(sh.home), tails: new TailCache(), reported: new ReportedThreads() };
    const t = writeThread(sh.home, febPrompt('hello live'), { time: '2026-03-01T10-00-00' });
    assert.deepEqual(await applyRolloutPaths(target, [t.path]), [{ threadId: t.id, kind: 'appeared', archived: false }]);
    assert.equal(sh.store.getThread(t.id)?.metadata.preview, 'hello live');

    appendFileSync(t.path, text([...febPrompt('second'), febAgent('grown answer')]));
    assert.deepEqual(await applyRolloutPaths(target, [t.path, t.path]), [{ threadId: t.id, kind: 'changed', archived: false }]);
    const grown = sh.store.getThread(t.id)!;
    assert.equal(grown.metadata.fingerprint.size, (await extractThreadMetadata(t.path, { codexHome: sh.home })).metadata?.fingerprint.size);

    const archived = join(sh.home, 'archived_sessions', t.path.split('/').pop()!);
    renameSync(t.path, archived);
    // Both hints of the move, in either order, make one move.
    assert.deepEqual(await applyRolloutPaths(target, [t.path, archived]), [{ threadId: t.id, kind: 'moved', archived: true }]);
    assert.equal(sh.store.getThread(t.id)?.metadata.rolloutPath, archived);

    rmSync(archived);
    assert.deepEqual(await applyRolloutPaths(target, [archived]), [{ threadId: t.id, kind: 'disappeared', archived: null }]);
    assert.equal(sh.store.getThread(t.id), null);
    writeFileSync(t.path, text([...febPrompt('hello again')]).replace(/^/, `${JSON.stringify({ timestamp: '2026-03-01T10:00:00.000Z', type: 'session_meta', payload: { id: t.id, timestamp: '2026-03-01T10:00:00.000Z', cwd: '/w', originator: 'x', cli_version: '0.98.0', source: 'cli', model_provider: 'openai' } })}\n`));
    assert.deepEqual(await applyRolloutPaths(target, [t.path]), [{ threadId: t.id, kind: 'appeared', archived: false }]);

    // Paths outside the followed folders, non-rollouts and garbage are ignored or recorded, never thrown.
    writeFileSync(join(sh.home, 'sessions', 'notes.txt'), 'x');
    const garbage = join(sh.home, 'sessions', 'rollout-2026-03-01T10-00-00-00000000-0000-4000-8000-000000000000.jsonl');
    writeFileSync(garbage, '\u0000\u0001 not json\n');
    assert.deepEqual(await applyRolloutPaths(target, [join(sh.home, 'sessions', 'notes.txt'), join(sh.root, 'elsewhere.jsonl'), garbage]), []);
    assert.equal(sh.store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM index_failures')?.n, 1);
  });

  it('a list with moves nobody has applied yet re-checks repaired rows against its filters', async () => {
    const threads = Array.from({ length: 4 }, (_, i) => writeThread(sh.home, febPrompt(`thread ${i}`), { time: `2026-03-0${i + 1}T10-00-00` }));
    sh.store = openStateStore(sh.home);
    await sh.store.startBackgroundIndexing();
    // No live index here: only the per-row check of the list stands between the moves and the answer.
    const ctx = { codexHome: sh.home, defaultModelProvider: 'openai', defaultModel: 'm', store: sh.store, loaded: new LoadedThreads() };
    for (const t of threads.slice(0, 2)) renameSync(t.path, join(sh.home, 'archived_sessions', t.path.split('/').pop()!));
    const active = await listThreads(ctx, { sourceKinds: [] });
    const archivedList = await listThreads(ctx, { sourceKinds: [], archived: true });
    assert.deepEqual(active.data.map((t) => t.id).sort(), threads.slice(2).map((t) => t.id).sort());
    assert.deepEqual(archivedList.data.map((t) => t.id).sort(), threads.slice(0, 2).map((t) => t.id).sort());
    for (const t of archivedList.data) assert.ok(t.path?.includes('/archived_sessions/'));
  });

  it('refresh applies the rollouts and session_index.jsonl it is told of at once, and keeps what it is told during start-up for after', async () => {
    sh.store = openStateStore(sh.home);
    await sh.store.startBackgroundIndexing();
    // Periodic checks far apart: only refresh brings these changes in.
    const live = sh.store.followHome({ watch: false, pollMs: 600_000, reconcilePollMs: 600_000 });
    let startupDone = (): void => {};
    live.start(new Promise<void>((resolve) => { startupDone = resolve; }));
    try {
      const early = writeThread(sh.home, febPrompt('told during start-up'), { time: '2026-03-01T10-00-00' });
      await live.refresh([early.path]);
      assert.equal(sh.store.getThread(early.id), null, 'nothing is applied before the start-up indexing has settled');
      startupDone();
      await new Promise((resolve) => setImmediate(resolve)); // the live index learns of it
      await live.settle();
      assert.equal(sh.store.getThread(early.id)?.metadata.preview, 'told during start-up');

      await appendThreadName(sh.home, early.id, 'Named by another process');
      await live.refresh([sessionIndexPath(sh.home)]);
      assert.equal(sh.store.getThread(early.id)?.name, 'Named by another process');
    } finally {
      await live.close();
    }
  });

  it('says which way a server would follow the home', () => {
    mkdirSync(join(sh.home, 'sessions', '2026', '03', '01'), { recursive: true });
    const off = probeLiveMode(sh.home, false);
    assert.equal(off.mode, 'poll');
    assert.match(off.reason ?? '', /disabled/);
    const on = probeLiveMode(sh.home, true);
    assert.equal(on.mode, 'watch');
    assert.equal(on.folders, 6); // the home, archived_sessions/, sessions/ and its three levels
    assert.equal(probeLiveMode(join(sh.root, 'no-such-home'), true).mode, 'poll');
  });
});
