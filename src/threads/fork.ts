// `thread/fork`: a new thread that continues a stored thread's history (docs/wire-protocol.md §2.17;
// docs/rollout-format.md §7.4). The parent need not be loaded; the fork is loaded here, like a resume.

import type { ThreadForkParams, ThreadForkResponse } from '../protocol/thread-lifecycle.ts';
import { newThreadId } from '../rollout/writer.ts';
import type { SpillScope } from '../rollout/spilled-text.ts';
import { recordForkInCodexDb } from './codex-db-fork.ts';
import type { ThreadContext } from './context.ts';
import { loadSettings, sessionConfiguration } from './lifecycle.ts';
import { locateThread } from './locate.ts';
import { unknownThread } from './require-thread.ts';
import { archivedSessionError, writeFork } from './mutations.ts';
import { turnsOf, wireThreadFor } from './read-thread.ts';
import { parseThreadId } from './thread-id.ts';

export interface ForkOutcome {
  response: ThreadForkResponse;
  threadId: string;
  /** Full turns of a paginated thread were returned: Codex announces that this is deprecated. */
  deprecated: boolean;
}

export async function forkThread(ctx: ThreadContext, params: ThreadForkParams, spill?: SpillScope): Promise<ForkOutcome> {
  const parentId = parseThreadId(params.threadId, 'session');
  const parent = await locateThread(ctx, parentId);
  if (!parent || !parent.metadata.hasSessionMeta) throw unknownThread(parentId, 'rollout');
  if (parent.metadata.archived) throw archivedSessionError(parentId);
  const meta = parent.metadata;
  const settings = loadSettings(ctx, meta, params);
  const id = newThreadId();
  // The parent's file is read whole to be continued: no write to it may interleave (thread/fork is
  // ordered with the parent's mutations by the dispatcher: `serialize: 'thread'` on its threadId).
  const forkMeta = await writeFork(ctx, { parent, id, createdAt: new Date(), settings });
  await recordForkInCodexDb(ctx, forkMeta, parentId, parent.name);
  ctx.loaded.set({ id, metadata: forkMeta, name: parent.name, materialized: true, ephemeral: false, init: null });
  const turns = params.excludeTurns === true ? [] : await turnsOf(ctx, forkMeta, spill);
  const thread = wireThreadFor(ctx, { metadata: forkMeta, name: parent.name }, turns);
  return { threadId: id, response: sessionConfiguration(thread, settings), deprecated: turns.length > 0 && forkMeta.historyMode === 'paginated' };
}
