// Methods that load threads into this connection: start, resume, fork, inject, unsubscribe.

import { forkThread } from '../../threads/fork.ts';
import { injectItems, resumeThread, startThread } from '../../threads/lifecycle.ts';
import { DEPRECATION_SUMMARY } from '../../threads/read-thread.ts';
import { parseThreadId } from '../../threads/thread-id.ts';
import { historyAnswer } from '../answer.ts';
import type { Handlers } from './types.ts';

export const threadLifecycleHandlers: Pick<Handlers, 'thread/start' | 'thread/resume' | 'thread/fork' | 'thread/inject_items' | 'thread/unsubscribe'> = {
  'thread/start': (params, ctx) => {
    const { response, threadId } = startThread(ctx.services.threads, params, ctx.session.clientInfo?.name ?? null);
    ctx.session.subscriptions.add(threadId);
    ctx.afterResponse(() => ctx.notifier.broadcast('thread/started', { thread: response.thread }));
    return response;
  },

  'thread/resume': (params, ctx) => historyAnswer(async (spill) => {
    const { response, threadId, deprecated } = await resumeThread(ctx.services.threads, params, spill);
    ctx.session.subscriptions.add(threadId);
    if (deprecated) ctx.notifier.toSession(ctx.session, 'deprecationNotice', { summary: DEPRECATION_SUMMARY, details: null });
    ctx.afterResponse(() => ctx.notifier.toThread(threadId, 'thread/status/changed', { threadId, status: { type: 'idle' } }));
    return response;
  }),

  'thread/fork': (params, ctx) => historyAnswer(async (spill) => {
    const { response, threadId, deprecated } = await forkThread(ctx.services.threads, params, spill);
    ctx.session.subscriptions.add(threadId);
    if (deprecated) ctx.notifier.toSession(ctx.session, 'deprecationNotice', { summary: DEPRECATION_SUMMARY, details: null });
    // Like a new thread, the fork is announced to every connection, without its turns.
    ctx.afterResponse(() => ctx.notifier.broadcast('thread/started', { thread: { ...response.thread, turns: [] } }));
    return response;
  }),

  'thread/inject_items': async (params, ctx) => {
    await injectItems(ctx.services.threads, params.threadId, params.items);
    return {};
  },

  'thread/unsubscribe': (params, ctx) => {
    const id = parseThreadId(params.threadId);
    if (!ctx.services.threads.loaded.get(id)) return { status: 'notLoaded' };
    return { status: ctx.session.subscriptions.delete(id) ? 'unsubscribed' : 'notSubscribed' };
  },
};
