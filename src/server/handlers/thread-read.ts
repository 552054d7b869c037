// Read-only thread methods: list, read, pages of turns and items, loaded list, legacy summary.

import { listThreads } from '../../threads/list-threads.ts';
import { listItems, listTurns } from '../../threads/history-pages.ts';
import { listLoaded } from '../../threads/lifecycle.ts';
import { DEPRECATION_SUMMARY, conversationSummary, readThread } from '../../threads/read-thread.ts';
import { historyAnswer } from '../answer.ts';
import type { Handlers } from './types.ts';

export const threadReadHandlers: Pick<Handlers, 'thread/list' | 'thread/read' | 'thread/turns/list' | 'thread/items/list' | 'thread/loaded/list' | 'getConversationSummary'> = {
  'thread/list': (params, ctx) => listThreads(ctx.services.threads, params),

  'thread/read': (params, ctx) => historyAnswer(async (spill) => {
    const result = await readThread(ctx.services.threads, params.threadId, params.includeTurns === true, spill);
    // Codex sends the deprecation notice before the answer.
    if (result.deprecated) ctx.notifier.toSession(ctx.session, 'deprecationNotice', { summary: DEPRECATION_SUMMARY, details: null });
    return { thread: result.thread, readState: result.readState };
  }),

  'thread/turns/list': (params, ctx) => historyAnswer((spill) => listTurns(ctx.services.threads, params, spill)),

  'thread/items/list': (params, ctx) => historyAnswer((spill) => listItems(ctx.services.threads, params, spill)),

  'thread/loaded/list': (params, ctx) => listLoaded(ctx.services.threads, params.cursor, params.limit),

  getConversationSummary: async (params, ctx) => ({ summary: await conversationSummary(ctx.services.threads, params) }),
};
