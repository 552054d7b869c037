// `thread/search`: full-text search over every indexed thread (src/state/search-index.ts), one hit
// per thread, best first. Filters follow thread/list: cwd normalised the same way, archived
// (default false), sourceKinds (empty or absent: cli and vscode); only listable threads appear.
// Without an index (it could not be opened) there is nothing to search: an error says so.
//
// Cursor: base64url of JSON `[rank, key]`, the keyset position (bm25, document key) of the page's
// last hit.

import { invalidInput, unavailable } from '../errors.ts';
import type { ThreadSearchHit, ThreadSearchParams, ThreadSearchResponse } from '../protocol/search.ts';
import { DEFAULT_SOURCE_KINDS } from '../model/session-source.ts';
import { parseSearchTerms, prefersSeeks, toFtsExpression, type SearchAnchor } from '../model/search-query.ts';
import type { ThreadContext } from './context.ts';
import { clampLimit, normalizeCwd } from '../model/list-params.ts';
import { threadStatusOf } from './status.ts';
import { toWireThread } from './thread-view.ts';

export function encodeSearchCursor(anchor: SearchAnchor): string {
  return Buffer.from(JSON.stringify([anchor.rank, anchor.key])).toString('base64url');
}

export function decodeSearchCursor(cursor: string): SearchAnchor | null {
  if (cursor.length > 512 || !/^[A-Za-z0-9_-]*$/.test(cursor)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [rank, key] = value;
    if (typeof rank !== 'number' || !Number.isFinite(rank) || !Number.isSafeInteger(key)) return null;
    return { rank, key };
  } catch {
    return null;
  }
}

export function searchThreads(ctx: ThreadContext, params: ThreadSearchParams): ThreadSearchResponse {
  const terms = parseSearchTerms(params.query);
  const match = toFtsExpression(terms);
  let anchor: SearchAnchor | null = null;
  if (params.cursor !== undefined && params.cursor !== null) {
    anchor = decodeSearchCursor(params.cursor);
    if (anchor === null) throw invalidInput(`invalid cursor: ${params.cursor.slice(0, 100)}`);
  }
  const store = ctx.store;
  if (!store) throw unavailable('thread search is unavailable: the state database could not be opened');
  const limit = clampLimit(params.limit);
  const rows = store.search({
    match,
    limit: limit + 1,
    anchor,
    archived: params.archived === true,
    cwds: params.cwd === undefined || params.cwd === null ? null : [normalizeCwd(params.cwd)],
    sourceKinds: params.sourceKinds && params.sourceKinds.length > 0 ? params.sourceKinds : DEFAULT_SOURCE_KINDS,
  });
  const page = rows.slice(0, limit);
  const items = store.searchItems(match, page.map((hit) => hit.key), prefersSeeks(terms));
  const data: ThreadSearchHit[] = page.map((hit) => {
    const item = items.get(hit.key) ?? null;
    const { snippet, highlights } = item ?? { snippet: hit.metadata.preview, highlights: [] };
    return {
      thread: toWireThread(hit.metadata, {
        defaultModelProvider: ctx.defaultModelProvider, name: hit.name, status: threadStatusOf(ctx, hit.metadata.id), forList: true,
      }),
      score: -hit.rank,
      itemId: item?.itemId ?? null,
      itemType: item?.kind ?? null,
      snippet,
      highlights,
    };
  });
  const last = page[page.length - 1];
  const response: ThreadSearchResponse = { data, nextCursor: rows.length > limit && last ? encodeSearchCursor({ rank: last.rank, key: last.key }) : null };
  // Partial while phase 1 or 2 of indexing is unfinished: the answer says so rather than look complete.
  const listing = !store.isComplete();
  const threadsToRead = store.detailsPending().threads;
  if (listing || threadsToRead > 0) response.indexing = { listing, threadsToRead };
  return response;
}
