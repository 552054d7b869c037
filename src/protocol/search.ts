// `thread/search`: full-text search over thread content (threadstate's own method).
//
// Query language: words (all must match), `foo*` (prefix), `"a b"` (phrase; `"a b"*` makes the last
// word a prefix). Matching is case- and diacritic-insensitive on whole words. A query without any
// letter or digit, longer than 1000 characters or with more than 32 terms is a -32600 error.
// While indexing has not read every thread yet, the answer carries `indexing` (what is still
// missing); it is absent once every thread is searchable.
// Ranking is bm25 over the 1,000 most recently written matching threads (all of them when fewer
// match): past that, ranking every match costs more than a search may take.

import Type from 'typebox';
import { Nullable, OptionalNullable } from './common.ts';
import { Thread, ThreadSourceKind } from './thread.ts';

export const ThreadSearchParams = Type.Object({
  query: Type.String(),
  limit: OptionalNullable(Type.Integer({ description: 'Page size, 1..100 (default 25).' })),
  cursor: OptionalNullable(Type.String({ description: 'The `nextCursor` of the previous page (opaque).' })),
  cwd: OptionalNullable(Type.String({ description: 'Only threads with exactly this working directory.' })),
  archived: OptionalNullable(Type.Boolean({ description: 'Search archived threads instead of active ones (default false).' })),
  sourceKinds: OptionalNullable(Type.Array(ThreadSourceKind, { description: 'As in `thread/list`: empty or absent means cli and vscode.' })),
}, { description: 'Params of `thread/search`.' });
export type ThreadSearchParams = Type.Static<typeof ThreadSearchParams>;

export const ThreadSearchHighlight = Type.Object({
  start: Type.Integer(),
  end: Type.Integer(),
}, { description: 'A matched range of `snippet`, in UTF-16 code units, end exclusive.' });
export type ThreadSearchHighlight = Type.Static<typeof ThreadSearchHighlight>;

export const ThreadSearchHit = Type.Object({
  thread: Thread,
  score: Type.Number({ description: 'Relevance (negated bm25 of the thread text); higher is better.' }),
  itemId: Nullable(Type.String({ description: 'The best matching item (the id `thread/read` and `thread/items/list` give it), when one item matches on its own.' })),
  itemType: Nullable(Type.String({ description: 'Kind of the matched text: user, agent, reasoning, command, fileChange, tool, webSearch or plan.' })),
  snippet: Type.String({ description: 'Plain text around the match, cut with `…`; the thread preview when no single item matches.' }),
  highlights: Type.Array(ThreadSearchHighlight, { description: 'The matched words inside `snippet`.' }),
}, { description: 'One search hit: a thread and where it matched.' });
export type ThreadSearchHit = Type.Static<typeof ThreadSearchHit>;

export const ThreadSearchIndexing = Type.Object({
  listing: Type.Boolean({ description: 'True while the threads themselves are still being listed (phase 1): threads not listed yet are not counted below.' }),
  threadsToRead: Type.Integer({ description: 'Listed threads whose text is not searchable yet (phase 2 has still to read them).' }),
}, { description: 'Indexing still under way: hits in the threads it has not read yet are missing from this answer.' });
export type ThreadSearchIndexing = Type.Static<typeof ThreadSearchIndexing>;

export const ThreadSearchResponse = Type.Object({
  data: Type.Array(ThreadSearchHit),
  nextCursor: Nullable(Type.String()),
  indexing: Type.Optional(ThreadSearchIndexing),
}, { description: 'Result of `thread/search`, best hits first; one hit per thread. A query matching more than 1,000 threads (after the filters) ranks the 1,000 most recently written of them.' });
export type ThreadSearchResponse = Type.Static<typeof ThreadSearchResponse>;
