// Writes the upstream Codex made (archive, rename, a finished turn, …) reach the index through the
// live index, the one path from file changes to index rows: once the upstream reports a change,
// the front names the thread's files (its rollout where the index had it and where it is now, and
// session_index.jsonl for names) to `threads.refresh`, which applies them as a file watch would.
// History reads the front answers from the index wait for those, so a client (or the next
// connection, as the TUI's picker and session are) reads its own writes even before a watch or a
// periodic check has noticed them.

import { errorMessage } from '../errors.ts';
import { logger } from '../logs/logger.ts';
import { findRolloutFile } from '../rollout/paths.ts';
import { sessionIndexPath } from '../rollout/session-index.ts';
import type { ThreadContext } from '../threads/context.ts';

const log = logger('front.upstream-writes');

/** Upstream answers after which the thread's rollout (or its place, or its name) has changed. */
export const WRITE_METHODS = new Set(['thread/archive', 'thread/unarchive', 'thread/name/set', 'thread/metadata/update', 'thread/rollback', 'thread/compact/start']);

/** Upstream notifications that follow a change of the thread's rollout or name. */
export const WRITE_NOTIFICATIONS = new Set(['turn/completed', 'thread/archived', 'thread/unarchived', 'thread/name/updated']);

export class UpstreamWrites {
  private readonly ctx: ThreadContext;
  private readonly applying = new Set<Promise<void>>();

  constructor(ctx: ThreadContext) {
    this.ctx = ctx;
  }

  /** The upstream changed this thread's files: has the live index apply them. */
  threadChanged(threadId: unknown): void {
    if (typeof threadId !== 'string' || !this.ctx.refresh) return;
    const work = this.apply(threadId).catch((err: unknown) => {
      log.warn('could not bring a thread the upstream changed into the index', { threadId, error: errorMessage(err) });
    });
    this.applying.add(work);
    void work.finally(() => this.applying.delete(work));
  }

  private async apply(threadId: string): Promise<void> {
    const paths = new Set<string>([sessionIndexPath(this.ctx.codexHome)]);
    const stored = this.ctx.store?.getThread(threadId);
    if (stored) paths.add(stored.metadata.rolloutPath);
    const now = await findRolloutFile(this.ctx.codexHome, threadId);
    if (now) paths.add(now);
    await this.ctx.refresh?.([...paths]);
  }

  /** Resolves once every change reported so far is in the index. */
  async caughtUp(): Promise<void> {
    while (this.applying.size > 0) await Promise.allSettled([...this.applying]);
  }
}
