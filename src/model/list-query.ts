// The normalised `thread/list` query and the rules both list paths (SQLite index and file
// traversal) must apply identically: visibility, filters, sort keys and keyset anchors. The cursor
// codec is list-cursor.ts; source kinds are session-source.ts.

import type { SortDirection } from '../protocol/common.ts';
import { expandSourceKinds, primarySourceKind, type SourceKind } from './session-source.ts';
import type { ThreadMetadata } from './thread-metadata.ts';

export type { SortDirection };
export type SortKey = 'created_at' | 'updated_at';

/** A keyset position: rows strictly after (tsMs, id) in sort order; a bare-time anchor has id null. */
export interface ListAnchor {
  tsMs: number;
  id: string | null;
}

export interface ThreadListQuery {
  sortKey: SortKey;
  sortDirection: SortDirection;
  /** Already clamped to 1..100. */
  limit: number;
  anchor: ListAnchor | null;
  archived: boolean;
  /** null: every provider. Otherwise exact match; a thread without a provider counts as `defaultProvider`. */
  modelProviders: string[] | null;
  defaultProvider: string;
  sourceKinds: readonly SourceKind[];
  /** null: any cwd. Otherwise exact match against one of them. */
  cwds: string[] | null;
  /** Case-sensitive substring of the title or the preview; `%`, `_` and quotes are literal. */
  searchTerm: string | null;
  excludedThreadIds: string[];
}

/** A thread is listable only with a session_meta and a user message. */
export function isListable(meta: Pick<ThreadMetadata, 'hasSessionMeta' | 'preview'>): boolean {
  return meta.hasSessionMeta && meta.preview !== '';
}

export function sortKeyMs(meta: Pick<ThreadMetadata, 'createdAt' | 'updatedAtMs'>, key: SortKey): number {
  return key === 'created_at' ? meta.createdAt * 1000 : meta.updatedAtMs;
}

/** Every filter of the query except the keyset anchor and the limit. */
export function matchesFilters(meta: ThreadMetadata, query: ThreadListQuery): boolean {
  if (!isListable(meta)) return false;
  if (meta.archived !== query.archived) return false;
  if (query.modelProviders !== null) {
    const provider = meta.modelProvider ?? query.defaultProvider;
    if (!query.modelProviders.includes(provider)) return false;
  }
  const allowed = expandSourceKinds(query.sourceKinds);
  if (!allowed.includes(primarySourceKind(meta.source))) return false;
  if (query.cwds !== null && !query.cwds.includes(meta.cwd)) return false;
  if (query.searchTerm !== null && query.searchTerm !== '') {
    if (!meta.title.includes(query.searchTerm) && !meta.preview.includes(query.searchTerm)) return false;
  }
  if (query.excludedThreadIds.includes(meta.id)) return false;
  return true;
}

/** Sort comparator: negative when `a` comes first in the query's order. */
export function compareForList(a: ThreadMetadata, b: ThreadMetadata, key: SortKey, direction: SortDirection): number {
  const ka = sortKeyMs(a, key);
  const kb = sortKeyMs(b, key);
  const byKey = ka !== kb ? ka - kb : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  return direction === 'asc' ? byKey : -byKey;
}

/** True when the row lies strictly after the anchor in the query's order. */
export function isAfterAnchor(meta: ThreadMetadata, query: ThreadListQuery): boolean {
  const anchor = query.anchor;
  if (anchor === null) return true;
  const key = sortKeyMs(meta, query.sortKey);
  const asc = query.sortDirection === 'asc';
  if (key !== anchor.tsMs || anchor.id === null) return asc ? key > anchor.tsMs : key < anchor.tsMs;
  return asc ? meta.id > anchor.id : meta.id < anchor.id;
}

/** Filters, sorts and cuts already-derived metadata to one page (`query.limit` rows) with the rules above. */
export function pageThreads(all: readonly ThreadMetadata[], query: ThreadListQuery): ThreadMetadata[] {
  return all
    .filter((m) => matchesFilters(m, query) && isAfterAnchor(m, query))
    .sort((a, b) => compareForList(a, b, query.sortKey, query.sortDirection))
    .slice(0, query.limit);
}
