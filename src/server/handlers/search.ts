// `thread/search`: full-text search over thread content (src/threads/search.ts).

import { searchThreadsChecked } from '../../threads/search.ts';
import type { Handlers } from './types.ts';

export const searchHandlers: Pick<Handlers, 'thread/search'> = {
  'thread/search': (params, ctx) => searchThreadsChecked(ctx.services.threads, params),
};
