// `thread/memory/read`, `thread/memory/write`, `thread/memory/listRecent`.

import { listRecentMemory, readMemory, writeMemory } from '../../threads/memory.ts';
import type { Handlers } from './types.ts';

export const memoryHandlers: Pick<Handlers, 'thread/memory/read' | 'thread/memory/write' | 'thread/memory/listRecent'> = {
  'thread/memory/read': async (params, ctx) => ({ memory: await readMemory(ctx.services.threads, params.threadId) }),

  'thread/memory/write': async (params, ctx) => ({ memory: await writeMemory(ctx.services.threads, params) }),

  'thread/memory/listRecent': (params, ctx) => ({ data: listRecentMemory(ctx.services.threads, params.cwd, params.limit) }),
};
