// Mutations of stored threads and the notifications that follow them.

import { archiveThread, deleteThread, setThreadName, unarchiveThread, updateThreadMetadata } from '../../threads/mutations.ts';
import type { Notifier } from '../notifier.ts';
import type { Handlers } from './types.ts';

/** An archived or deleted thread is no longer loaded anywhere in this server. */
function dropSubscriptions(notifier: Notifier, threadId: string): void {
  for (const session of notifier.subscribers(threadId)) session.subscriptions.delete(threadId);
}

export const threadWriteHandlers: Pick<Handlers, 'thread/archive' | 'thread/unarchive' | 'thread/delete' | 'thread/name/set' | 'thread/metadata/update'> = {
  'thread/archive': async (params, ctx) => {
    const threadId = await archiveThread(ctx.services.threads, params.threadId);
    dropSubscriptions(ctx.notifier, threadId);
    ctx.afterResponse(() => ctx.notifier.broadcast('thread/archived', { threadId }));
    return {};
  },

  'thread/unarchive': async (params, ctx) => {
    const thread = await unarchiveThread(ctx.services.threads, params.threadId);
    ctx.afterResponse(() => ctx.notifier.broadcast('thread/unarchived', { threadId: thread.id }));
    return { thread };
  },

  'thread/delete': async (params, ctx) => {
    const threadId = await deleteThread(ctx.services.threads, params.threadId);
    dropSubscriptions(ctx.notifier, threadId);
    ctx.afterResponse(() => ctx.notifier.broadcast('thread/deleted', { threadId }));
    return {};
  },

  'thread/name/set': async (params, ctx) => {
    const { threadId, name } = await setThreadName(ctx.services.threads, params.threadId, params.name);
    ctx.afterResponse(() => ctx.notifier.broadcast('thread/name/updated', { threadId, threadName: name }));
    return {};
  },

  'thread/metadata/update': async (params, ctx) => ({
    thread: await updateThreadMetadata(ctx.services.threads, params.threadId, params.gitInfo),
  }),
};
