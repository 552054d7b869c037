// Writes the upstream Codex made (archive, rename, a finished turn, …) reach the index without
// waiting for a file watch: the front re-reads the thread's rollout once the upstream reports the
// change. Requests for one thread within a short window are folded into one re-read.

import { errorMessage } from '../errors.ts';
import { logger } from '../logs/logger.ts';
import type { ThreadContext } from '../threads/context.ts';
import { findRolloutFile, indexRollout } from '../threads/locate.ts';

const log = logger('front.index-refresh');

const SETTLE_MS = 100;

/** Upstream answers after which the thread's rollout (or its place) has changed. */
export const WRITE_METHODS = new Set(['thread/archive', 'thread/unarchive', 'thread/name/set', 'thread/metadata/update', 'thread/rollback', 'thread/compact/start']);

/** Upstream notifications that follow a change of the thread's rollout. */
export const WRITE_NOTIFICATIONS = new Set(['turn/completed', 'thread/archived', 'thread/unarchived', 'thread/name/updated']);

export class IndexRefresher {
  private readonly ctx: ThreadContext;
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(ctx: ThreadContext) {
    this.ctx = ctx;
  }

  /** Re-reads the thread's rollout into the index shortly. */
  touch(threadId: unknown): void {
    if (typeof threadId !== 'string' || !this.ctx.store) return;
    if (this.timers.has(threadId)) return;
    const timer = setTimeout(() => {
      this.timers.delete(threadId);
      void this.refresh(threadId);
    }, SETTLE_MS);
    timer.unref();
    this.timers.set(threadId, timer);
  }

  private async refresh(threadId: string): Promise<void> {
    try {
      const path = await findRolloutFile(this.ctx.codexHome, threadId);
      if (path) await indexRollout(this.ctx, path);
    } catch (err) {
      log.warn('could not re-read a thread the upstream changed', { threadId, error: errorMessage(err) });
    }
  }
}
