// `thread/search`: full-text search over thread content (threadstate's own method).

import Type from 'typebox';
import { Nullable, OptionalNullable } from './common.ts';
import { Thread, ThreadSourceKind } from './thread.ts';

export const ThreadSearchParams = Type.Object({
  query: Type.String(),
  limit: OptionalNullable(Type.Integer()),
  cursor: OptionalNullable(Type.String()),
  cwd: OptionalNullable(Type.String()),
  archived: OptionalNullable(Type.Boolean()),
  sourceKinds: OptionalNullable(Type.Array(ThreadSourceKind)),
}, { description: 'Params of `thread/search`.' });
export type ThreadSearchParams = Type.Static<typeof ThreadSearchParams>;

export const ThreadSearchHit = Type.Object({
  thread: Thread,
  score: Type.Number({ description: 'Relevance; higher is better.' }),
  itemId: Nullable(Type.String({ description: 'The best matching item, when the match is inside one.' })),
  snippet: Type.String(),
}, { description: 'One search hit.' });
export type ThreadSearchHit = Type.Static<typeof ThreadSearchHit>;

export const ThreadSearchResponse = Type.Object({
  data: Type.Array(ThreadSearchHit),
  nextCursor: Nullable(Type.String()),
}, { description: 'Result of `thread/search`, best hits first.' });
export type ThreadSearchResponse = Type.Static<typeof ThreadSearchResponse>;
