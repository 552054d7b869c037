// The full-text index (migration 0009): writing a thread's document and the ranked, filtered
// search behind `thread/search`.
//
// One FTS5 document per thread (thread_search_text, its items' texts joined) keyed by
// thread_search_items, which also holds the item map. A search ranks threads by the bm25 of their
// document (ties by thread id); then, for each hit of the page only, snippet() cuts the best
// passage and the item map names the item the passage's first match lies in. Paging is keyset on
// (rank, thread id): a page never repeats or skips a thread while the index is unchanged; bm25
// depends on corpus statistics, so writes between pages can move threads across the boundary.

import type { SQLInputValue } from 'node:sqlite';
import { expandSourceKinds, type SourceKind } from '../rollout/list-query.ts';
import type { SearchItemKind, SearchItemSpan, ThreadSearchText } from '../rollout/search-text.ts';
import type { Database } from './db.ts';
import type { ThreadRow } from './threads.ts';

/**
 * Replaces a thread's document (null: removes it). Must run inside the caller's transaction.
 * Rowids are bound through CAST: node:sqlite binds JS numbers as REAL, which FTS5 does not take
 * as a rowid.
 */
export function replaceSearchText(db: Database, threadId: string, doc: ThreadSearchText | null): void {
  db.run('DELETE FROM thread_search_items WHERE thread_id = ?', threadId);
  if (doc === null || doc.items.length === 0) return;
  const map = JSON.stringify(doc.items.map((i) => [i.start, i.kind, i.itemId]));
  const key = db.run('INSERT INTO thread_search_items (thread_id, items) VALUES (?, ?)', threadId, map).lastInsertRowid;
  db.run('INSERT INTO thread_search_text (rowid, text) VALUES (CAST(? AS INTEGER), ?)', key, doc.text);
}

/** Threads with a search document (or whether this one has). */
export function countSearchDocs(db: Database, threadId?: string): number {
  const row = threadId === undefined
    ? db.get<{ n: number }>('SELECT COUNT(*) AS n FROM thread_search_items')
    : db.get<{ n: number }>('SELECT COUNT(*) AS n FROM thread_search_items WHERE thread_id = ?', threadId);
  return row?.n ?? 0;
}

/** Where a page starts: strictly after this (rank, thread id). */
export interface SearchAnchor {
  rank: number;
  threadId: string;
}

export interface SearchIndexQuery {
  /** An FTS5 expression from search-query.ts (never raw user input). */
  match: string;
  limit: number;
  anchor: SearchAnchor | null;
  archived: boolean;
  /** null: any cwd; else exact match against one of them (already normalised). */
  cwds: string[] | null;
  sourceKinds: readonly SourceKind[];
}

export interface SearchIndexHit {
  row: ThreadRow;
  /** bm25 of the thread's text: lower is better. */
  rank: number;
  /** The document's key (thread_search_items.key), for the item lookup. */
  key: number;
}

function placeholders(n: number): string {
  return new Array(n).fill('?').join(', ');
}

/** One page of threads, best first; `limit` rows (ask for page size + 1 to learn whether more exist). */
export function searchIndex(db: Database, query: SearchIndexQuery): SearchIndexHit[] {
  const where = ['thread_search_text MATCH ?', 't.listable = 1', 't.archived = ?'];
  const params: SQLInputValue[] = [query.match, query.archived ? 1 : 0];
  if (query.cwds !== null) {
    if (query.cwds.length === 0) return [];
    where.push(`t.cwd IN (${placeholders(query.cwds.length)})`);
    params.push(...query.cwds);
  }
  const kinds = expandSourceKinds(query.sourceKinds);
  if (kinds.length === 0) return [];
  where.push(`t.source_kind IN (${placeholders(kinds.length)})`);
  params.push(...kinds);
  if (query.anchor) {
    where.push('(f.rank > ? OR (f.rank = ? AND t.id > ?))');
    params.push(query.anchor.rank, query.anchor.rank, query.anchor.threadId);
  }
  params.push(query.limit);
  const rows = db.all<ThreadRow & { search_rank: number; search_key: number }>(
    `SELECT t.*, f.rank AS search_rank, k.key AS search_key
     FROM thread_search_text f
     JOIN thread_search_items k ON k.key = f.rowid
     JOIN threads t ON t.id = k.thread_id
     WHERE ${where.join(' AND ')}
     ORDER BY f.rank, t.id LIMIT ?`,
    ...params,
  );
  return rows.map(({ search_rank: rank, search_key: key, ...row }) => ({ row, rank, key }));
}

export const SNIPPET_TOKENS = 24;
/** Private-use characters around each match inside snippet(); search-text.ts strips them from documents. */
export const MARK_OPEN = '\uE000';
export const MARK_CLOSE = '\uE001';
const ELLIPSIS = '…';

export interface ItemMatch {
  itemId: string;
  kind: SearchItemKind;
  /** The passage, cut to the item, with MARK_OPEN/MARK_CLOSE around each match. */
  snippet: string;
}

function parseItemMap(json: string): SearchItemSpan[] {
  try {
    const raw: unknown = JSON.parse(json);
    if (!Array.isArray(raw)) return [];
    return raw.filter((e): e is [number, SearchItemKind, string] => Array.isArray(e) && e.length === 3)
      .map(([start, kind, itemId]) => ({ start, kind, itemId }));
  } catch {
    return [];
  }
}

/** Index of the item whose span holds `offset` (items are sorted by start). */
function itemAt(items: SearchItemSpan[], offset: number): number {
  let lo = 0;
  let hi = items.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (items[mid].start <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The hit's matched item and its snippet, from the thread's document: snippet() picks the passage
 * with the most matches, the passage is found in the document text (snippet() copies the text
 * verbatim between its marks), and the item map names the item holding its first match. The
 * passage is cut at that item's bounds. null when the document is gone.
 */
export function bestItemMatch(db: Database, match: string, key: number): ItemMatch | null {
  const row = db.get<{ snippet: string; text: string; items: string }>(
    `SELECT snippet(thread_search_text, 0, '${MARK_OPEN}', '${MARK_CLOSE}', '${ELLIPSIS}', ${SNIPPET_TOKENS}) AS snippet, f.text AS text, k.items AS items
     FROM thread_search_text f JOIN thread_search_items k ON k.key = f.rowid
     WHERE thread_search_text MATCH ? AND f.rowid = CAST(? AS INTEGER)`,
    match, key,
  );
  if (!row) return null;
  const items = parseItemMap(row.items);
  if (items.length === 0) return null;
  // snippet() adds an ellipsis where the passage does not reach the document's ends.
  let marked = row.snippet;
  if (marked.startsWith(ELLIPSIS)) marked = marked.slice(ELLIPSIS.length);
  if (marked.endsWith(ELLIPSIS)) marked = marked.slice(0, -ELLIPSIS.length);
  const at = row.text.indexOf(marked.replace(/[\uE000\uE001]/g, ''));
  if (at < 0) return { ...items[0], snippet: row.snippet };
  const index = itemAt(items, at + Math.max(0, marked.indexOf(MARK_OPEN)));
  const item = items[index];
  const itemEnd = index + 1 < items.length ? items[index + 1].start - 1 : row.text.length;
  // The passage cut to [item.start, itemEnd) of the document; a mark left unpaired by the cut
  // (a phrase spanning two items) is ignored by the highlight splitter.
  let out = '';
  let pos = at;
  for (const ch of marked) {
    if (ch === MARK_OPEN || ch === MARK_CLOSE) {
      if (pos >= item.start && pos <= itemEnd) out += ch;
      continue;
    }
    if (pos >= item.start && pos < itemEnd) out += ch;
    pos += ch.length;
  }
  return { itemId: item.itemId, kind: item.kind, snippet: `${at > item.start ? ELLIPSIS : ''}${out}${pos < itemEnd ? ELLIPSIS : ''}` };
}
