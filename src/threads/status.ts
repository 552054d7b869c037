import type { ThreadStatus } from '../protocol/thread.ts';
import type { ThreadContext } from './context.ts';

/** A thread held by this server is idle (no turns run here); any other stored thread is notLoaded. */
export function threadStatusOf(ctx: ThreadContext, threadId: string): ThreadStatus {
  return ctx.loaded.get(threadId) ? { type: 'idle' } : { type: 'notLoaded' };
}
