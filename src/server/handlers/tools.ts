// `thread/dynamicTools/list`: the tools a thread declared at start, in canonical tagged form.

import { listDynamicTools } from '../../threads/thread-tools.ts';
import type { Handlers } from './types.ts';

export const toolHandlers: Pick<Handlers, 'thread/dynamicTools/list'> = {
  'thread/dynamicTools/list': async (params, ctx) => ({ data: await listDynamicTools(ctx.services.threads, params.threadId) }),
};
