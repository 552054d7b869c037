// `thread/search`: full-text search over thread content (src/threads/search.ts).

import { searchThreads } from '../../threads/search.ts';
import type { Handlers } from './types.ts';

export const searchHandlers: Pick<Handlers, 'thread/search'> = {
  'thread/search': (params, ctx) => searchThreads(ctx.services.threads, params),
};
