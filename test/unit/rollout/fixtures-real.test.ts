// Metadata and turns rebuilt from the real Codex fixtures must equal the real app-server answers.

import assert from 'node:assert/strict';
import { extractHeadMetadata, extractThreadMetadata } from '../../../src/rollout/extract.ts';
import { buildHistory, withItemsView } from '../../../src/rollout/history.ts';
import { findRolloutById } from '../../../src/rollout/paths.ts';
import type { ThreadMetadata } from '../../../src/model/thread-metadata.ts';
import { FIXTURES, localPath, makeFixtureHome, type FixtureHome } from './fixture-home.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// Without its databases, 0.169 answered the first plain thread/read of a 0.98 thread with
// updatedAt = createdAt; the includeTurns reads and thread/list report the file mtime, as we do.
function checkThreadFields(meta: ThreadMetadata, thread: Obj, fixture: FixtureHome, checkUpdatedAt: boolean): void {
  const isFork = thread.forkedFromId !== null;
  const expected: Obj = {
    id: thread.id,
    createdAt: thread.createdAt,
    updatedAt: checkUpdatedAt ? thread.updatedAt : meta.updatedAt,
    cwd: thread.cwd,
    cliVersion: thread.cliVersion,
    originator: thread.originator,
    modelProvider: thread.modelProvider,
    model: thread.model,
    reasoningEffort: thread.reasoningEffort,
    gitInfo: thread.gitInfo,
    forkedFromId: thread.forkedFromId,
    historyMode: thread.historyMode,
    threadSource: thread.threadSource,
    agentNickname: thread.agentNickname,
    agentRole: thread.agentRole,
    sessionId: thread.sessionId,
    path: localPath(fixture, thread.path),
  };
  const actual: Obj = {
    id: meta.id,
    createdAt: meta.createdAt,
    updatedAt: meta.updatedAt,
    cwd: meta.cwd,
    cliVersion: meta.cliVersion,
    originator: meta.originator,
    modelProvider: meta.modelProvider ?? 'realcodex_mock',
    model: meta.model,
    reasoningEffort: meta.reasoningEffort,
    gitInfo: meta.git,
    forkedFromId: meta.forkedFromId,
    historyMode: meta.historyMode,
    threadSource: meta.threadSource,
    agentNickname: meta.agentNickname,
    agentRole: meta.agentRole,
    sessionId: meta.sessionId ?? meta.id,
    path: meta.rolloutPath,
  };
  assert.deepEqual(actual, expected, `thread ${thread.id}`);
  // Source: the wire form of the stored value (only plain strings occur in the fixtures).
  const wireSource = meta.source === 'mcp' ? 'appServer' : meta.source;
  assert.deepEqual(wireSource, thread.source);
  // A fork's preview is its lineage root's first prompt (resolved through the other files of the home).
  assert.equal(meta.preview, thread.preview, `preview of ${thread.id}${isFork ? ' (fork)' : ''}`);
}

for (const name of FIXTURES) {
  describe(`rollout against real answers: ${name}`, () => {
    let fixture: FixtureHome;
    before(() => { fixture = makeFixtureHome(name); });
    after(() => fixture.cleanup());

    const resolveThreadPath = async (id: string) => (await findRolloutById(fixture.home, id))?.path ?? null;

    it('derives Thread fields that equal every thread/read answer (full and head reads)', async () => {
      const reads = fixture.exchanges.filter((e) => e.method === 'thread/read' && e.result);
      assert.ok(reads.length >= 10);
      for (const ex of reads) {
        const thread = ex.result!.thread as Obj;
        const path = localPath(fixture, thread.path);
        const full = await extractThreadMetadata(path, { codexHome: fixture.home });
        assert.equal(full.error, undefined, `${thread.id}: ${full.error}`);
        checkThreadFields(full.metadata!, thread, fixture, ex.params.includeTurns === true || name === 'codex-0.169.0');
        const head = await extractHeadMetadata(path, { codexHome: fixture.home });
        assert.equal(head.metadata!.id, thread.id);
        assert.equal(head.metadata!.preview, full.metadata!.preview);
        assert.equal(head.metadata!.createdAt, thread.createdAt);
        assert.equal(head.metadata!.updatedAtMs, full.metadata!.updatedAtMs);
      }
    });

    it('reports updatedAt (mtime) and preview as every thread/list answer does', async () => {
      const lists = fixture.exchanges.filter((e) => e.method === 'thread/list' && e.result);
      let checked = 0;
      for (const ex of lists) {
        for (const thread of ex.result!.data as Obj[]) {
          const { metadata } = await extractHeadMetadata(localPath(fixture, thread.path), { codexHome: fixture.home });
          assert.equal(metadata!.updatedAt, thread.updatedAt, `updatedAt of ${thread.id}`);
          if (metadata!.forkedFromId === null) assert.equal(metadata!.preview, thread.preview);
          checked += 1;
        }
      }
      assert.ok(checked > 20);
    });

    it('rebuilds turns deep-equal to thread/read includeTurns', async () => {
      const reads = fixture.exchanges.filter((e) => e.method === 'thread/read' && e.params.includeTurns === true && e.result);
      assert.ok(reads.length >= 10);
      for (const ex of reads) {
        const thread = ex.result!.thread as Obj;
        const { turns } = await buildHistory(localPath(fixture, thread.path), { resolveThreadPath });
        assert.deepEqual(turns, thread.turns, `turns of ${thread.id}`);
      }
    });

    it('matches thread/turns/list (summary view, newest first)', async () => {
      // Whole lists only: paged ones (limit, cursor, direction, view) are the e2e fixture test's.
      const lists = fixture.exchanges.filter((e) => e.method === 'thread/turns/list' && e.result
        && ['limit', 'cursor', 'sortDirection', 'itemsView'].every((k) => e.params[k] == null));
      assert.ok(lists.length >= 10);
      for (const ex of lists) {
        const id = String(ex.params.threadId);
        const entry = await findRolloutById(fixture.home, id);
        assert.ok(entry, `rollout of ${id}`);
        const { turns } = await buildHistory(entry.path, { resolveThreadPath });
        const summary = turns.map((t) => withItemsView(t, 'summary')).reverse();
        assert.deepEqual(summary, ex.result!.data, `turns/list of ${id}`);
      }
    });

    it('reports tokens from the last token_count with info', async () => {
      const entry = await findRolloutById(fixture.home, name === 'codex-0.169.0' ? '01a2121e-e83b-7081-b133-76ea94c04633' : '01a2122f-a6ba-7593-83bc-e1ae4c9532ce');
      const { metadata } = await extractThreadMetadata(entry!.path, { codexHome: fixture.home });
      assert.ok(metadata!.tokensUsed > 0);
      if (name === 'codex-0.169.0') assert.equal(metadata!.tokensUsed, 31887);
      assert.equal(metadata!.hasUserMessage, true);
      assert.equal(metadata!.title, metadata!.preview);
    });
  });
}
