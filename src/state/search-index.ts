// The full-text index (migrations 0007, 0008): writing a thread's documents and the ranked,
// filtered, one-hit-per-thread search behind `thread/search`.
//
// Two FTS5 tables: `thread_search` over the item documents (thread_search_docs) and
// `thread_search_rank`, one contentless document per thread (its item texts joined). A search ranks
// threads by the bm25 of their whole text (ties by thread id), then, for each hit of the page only,
// the item index names the thread's best-matching item and cuts the snippet. A thread's item
// documents are inserted together, so their ids form one contiguous range: the item lookup seeks
// that rowid range instead of filtering every match. Paging is keyset on (rank, thread id): a page
// never repeats or skips a thread while the index is unchanged; bm25 depends on corpus statistics,
// so writes between pages can move threads across the boundary.

import type { SQLInputValue } from 'node:sqlite';
import { expandSourceKinds, type SourceKind } from '../rollout/list-query.ts';
import type { SearchDoc } from '../rollout/search-text.ts';
import type { Database } from './db.ts';
import type { ThreadRow } from './threads.ts';

/**
 * Replaces a thread's documents (item documents and its ranking row). Must run inside the caller's
 * transaction. Rowids are bound through CAST: node:sqlite binds JS numbers as REAL, which FTS5
 * does not take as a rowid.
 */
export function replaceSearchDocs(db: Database, threadId: string, docs: readonly SearchDoc[]): void {
  db.run('DELETE FROM thread_search_docs WHERE thread_id = ?', threadId);
  db.run('DELETE FROM thread_search_threads WHERE thread_id = ?', threadId);
  if (docs.length === 0) return;
  for (const doc of docs) {
    db.run('INSERT INTO thread_search_docs (thread_id, item_id, kind, text) VALUES (?, ?, ?, ?)', threadId, doc.itemId, doc.kind, doc.text);
  }
  const key = db.run('INSERT INTO thread_search_threads (thread_id) VALUES (?)', threadId).lastInsertRowid;
  db.run('INSERT INTO thread_search_rank (rowid, text) VALUES (CAST(? AS INTEGER), ?)', key, docs.map((d) => d.text).join('\n'));
}

export function countSearchDocs(db: Database, threadId?: string): number {
  const row = threadId === undefined
    ? db.get<{ n: number }>('SELECT COUNT(*) AS n FROM thread_search_docs')
    : db.get<{ n: number }>('SELECT COUNT(*) AS n FROM thread_search_docs WHERE thread_id = ?', threadId);
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
}

function placeholders(n: number): string {
  return new Array(n).fill('?').join(', ');
}

/** One page of threads, best first; `limit` rows (ask for page size + 1 to learn whether more exist). */
export function searchIndex(db: Database, query: SearchIndexQuery): SearchIndexHit[] {
  const where = ['thread_search_rank MATCH ?', 't.listable = 1', 't.archived = ?'];
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
  const rows = db.all<ThreadRow & { search_rank: number }>(
    `SELECT t.*, f.rank AS search_rank
     FROM thread_search_rank f
     JOIN thread_search_threads k ON k.key = f.rowid
     JOIN threads t ON t.id = k.thread_id
     WHERE ${where.join(' AND ')}
     ORDER BY f.rank, t.id LIMIT ?`,
    ...params,
  );
  return rows.map(({ search_rank: rank, ...row }) => ({ row, rank }));
}

export const SNIPPET_TOKENS = 24;
/** Private-use characters around each match inside snippet(); search-text.ts strips them from documents. */
export const MARK_OPEN = '\uE000';
export const MARK_CLOSE = '\uE001';

export interface ItemMatch {
  itemId: string;
  kind: string;
  /** The document's snippet with MARK_OPEN/MARK_CLOSE around each match. */
  snippet: string;
}

/** Matching item documents of one thread looked at to pick the hit's item. */
export const ITEM_CANDIDATES = 16;

/**
 * The thread's best-matching item document and its snippet; null when no single item matches
 * (a phrase that only spans two items of the thread's joined text). "Best" is the candidate whose
 * snippet holds the most matches, then the earliest. bm25 is not used here: each call would
 * recount the phrase frequencies over the whole index (one full doclist scan per hit).
 */
export function bestItemMatch(db: Database, match: string, threadId: string): ItemMatch | null {
  const range = db.get<{ lo: number | null; hi: number | null }>('SELECT MIN(id) AS lo, MAX(id) AS hi FROM thread_search_docs WHERE thread_id = ?', threadId);
  if (!range || range.lo === null || range.hi === null) return null;
  const candidates = db.all<{ id: number; snippet: string }>(
    `SELECT rowid AS id, snippet(thread_search, 0, '${MARK_OPEN}', '${MARK_CLOSE}', '…', ${SNIPPET_TOKENS}) AS snippet
     FROM thread_search WHERE thread_search MATCH ? AND rowid >= CAST(? AS INTEGER) AND rowid <= CAST(? AS INTEGER)
     LIMIT ${ITEM_CANDIDATES}`,
    match, range.lo, range.hi,
  );
  let best: { id: number; snippet: string; marks: number } | null = null;
  for (const c of candidates) {
    const marks = c.snippet.split(MARK_OPEN).length - 1;
    if (!best || marks > best.marks || (marks === best.marks && c.id < best.id)) best = { ...c, marks };
  }
  if (!best) return null;
  const doc = db.get<{ thread_id: string; item_id: string; kind: string }>('SELECT thread_id, item_id, kind FROM thread_search_docs WHERE id = ?', best.id);
  if (!doc || doc.thread_id !== threadId) return null;
  return { itemId: doc.item_id, kind: doc.kind, snippet: best.snippet };
}
