// A read racing a move or a delete of the same thread. Reads do not queue behind mutations (only
// mutations of one thread are ordered), so a thread located a moment ago may be archived,
// unarchived or deleted before its rollout is opened. These tests make that interleaving
// deterministic: locate, then run the real mutation, then read with what was located. The read
// must answer from the file's new place, or Codex's not-found answer once it is deleted; never
// an internal error.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DomainError } from '../../../src/errors.ts';
import { openStateStore } from '../../../src/store/open.ts';
import type { ThreadContext } from '../../../src/threads/context.ts';
import { LoadedThreads } from '../../../src/threads/loaded.ts';
import { locateThread } from '../../../src/threads/locate.ts';
import { archiveThread, deleteThread, unarchiveThread } from '../../../src/threads/mutations.ts';
import { readTurns } from '../../../src/threads/read-thread.ts';
import { copyFixtureHome, removeDir } from '../../helpers/home.ts';

const DAY = join('sessions', '2026', '11', '25');

for (const index of [true, false]) {
  describe(`a read racing a move or delete of its thread (${index ? 'with' : 'without'} an index)`, () => {
    let home: string;
    let ctx: ThreadContext;

    beforeEach(() => {
      home = copyFixtureHome('codex-0.169.0');
      ctx = { codexHome: home, defaultModelProvider: 'openai', defaultModel: 'm', store: index ? openStateStore(home) : null, loaded: new LoadedThreads() };
    });
    afterEach(() => {
      ctx.store?.close();
      removeDir(join(home, '..'));
    });

    /** An active thread with turns, and its turns read undisturbed. */
    async function threadWithTurns(): Promise<{ id: string; turns: unknown }> {
      for (const file of readdirSync(join(home, DAY)).sort()) {
        const id = file.slice(-'.jsonl'.length - 36, -'.jsonl'.length);
        const located = await locateThread(ctx, id);
        if (!located?.metadata.hasSessionMeta) continue;
        const { turns } = await readTurns(ctx, located.metadata);
        if (turns.length > 0) return { id, turns };
      }
      throw new Error('the fixture has no active thread with turns');
    }

    it('reads an archived thread from archived_sessions when it moved after being located', async () => {
      const { id, turns } = await threadWithTurns();
      const located = (await locateThread(ctx, id))!;
      await archiveThread(ctx, id);
      const read = await readTurns(ctx, located.metadata);
      assert.deepEqual(read.turns, turns);
      assert.match(read.metadata.rolloutPath, /\/archived_sessions\/rollout-/);
      assert.notEqual(read.metadata.rolloutPath, located.metadata.rolloutPath);
    });

    it('reads an unarchived thread from sessions when it moved after being located', async () => {
      const { id, turns } = await threadWithTurns();
      await archiveThread(ctx, id);
      const located = (await locateThread(ctx, id))!;
      assert.match(located.metadata.rolloutPath, /\/archived_sessions\//);
      await unarchiveThread(ctx, id);
      const read = await readTurns(ctx, located.metadata);
      assert.deepEqual(read.turns, turns);
      assert.match(read.metadata.rolloutPath, /\/sessions\/\d{4}\/\d{2}\/\d{2}\/rollout-/);
    });

    it('follows a thread archived and unarchived again between locating and reading', async () => {
      const { id, turns } = await threadWithTurns();
      const located = (await locateThread(ctx, id))!;
      await archiveThread(ctx, id);
      await unarchiveThread(ctx, id);
      assert.deepEqual((await readTurns(ctx, located.metadata)).turns, turns);
    });

    it("answers Codex's not-found error when the thread was deleted after being located", async () => {
      const { id } = await threadWithTurns();
      const located = (await locateThread(ctx, id))!;
      await deleteThread(ctx, id);
      await assert.rejects(readTurns(ctx, located.metadata), (err: unknown) => {
        assert.ok(err instanceof DomainError, String(err));
        assert.equal(err.kind, 'notFound');
        assert.equal(err.message, `thread not loaded: ${id}`);
        return true;
      });
    });

    it("answers the caller's own not-found error when one is given", async () => {
      const { id } = await threadWithTurns();
      const located = (await locateThread(ctx, id))!;
      await deleteThread(ctx, id);
      const mine = new DomainError('unsupported', 'thread/items/list is not supported yet');
      await assert.rejects(readTurns(ctx, located.metadata, undefined, () => mine), (err) => err === mine);
    });
  });
}
