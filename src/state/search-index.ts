// The full-text index (migration 0007): writing a thread's documents and the ranked, filtered,
// one-hit-per-thread search behind `thread/search`.
//
// Ranking: FTS5 bm25 of each matching document; a thread ranks by its best document, ties broken by
// thread id. Paging is keyset on (rank, thread id), so a page never repeats or skips a thread while
// the index is unchanged; bm25 depends on corpus statistics, so writes between pages can move
// threads across the boundary.

import type { SQLInputValue } from 'node:sqlite';
import { expandSourceKinds, type SourceKind } from '../rollout/list-query.ts';
import type { SearchDoc } from '../rollout/search-text.ts';
import type { Database } from './db.ts';
import type { ThreadRow } from './threads.ts';

/** Replaces a thread's documents. Must run inside the caller's transaction. */
export function replaceSearchDocs(db: Database, threadId: string, docs: readonly SearchDoc[]): void {
  db.run('DELETE FROM thread_search_docs WHERE thread_id = ?', threadId);
  for (const doc of docs) {
    db.run('INSERT INTO thread_search_docs (thread_id, item_id, kind, text) VALUES (?, ?, ?, ?)', threadId, doc.itemId, doc.kind, doc.text);
  }
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
  /** bm25 of the best document: lower is better. */
  rank: number;
  itemId: string;
  kind: string;
  docId: number;
}

function placeholders(n: number): string {
  return new Array(n).fill('?').join(', ');
}

/** One page of threads, best first; `limit` rows (ask for page size + 1 to learn whether more exist). */
export function searchIndex(db: Database, query: SearchIndexQuery): SearchIndexHit[] {
  const where = ['t.listable = 1', 't.archived = ?'];
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
  let after = '';
  if (query.anchor) {
    after = 'WHERE rank > ? OR (rank = ? AND thread_id > ?)';
    params.push(query.anchor.rank, query.anchor.rank, query.anchor.threadId);
  }
  params.push(query.limit);
  // The bare doc_id next to MIN(rank) comes from the row holding the minimum (SQLite guarantees it).
  const sql = `
    WITH hits AS MATERIALIZED (
      SELECT rowid AS doc_id, bm25(thread_search) AS rank FROM thread_search WHERE thread_search MATCH ?
    ), best AS (
      SELECT d.thread_id AS thread_id, MIN(h.rank) AS rank, h.doc_id AS doc_id, d.item_id AS item_id, d.kind AS kind
      FROM hits h
      JOIN thread_search_docs d ON d.id = h.doc_id
      JOIN threads t ON t.id = d.thread_id
      WHERE ${where.join(' AND ')}
      GROUP BY d.thread_id
    )
    SELECT thread_id, rank, doc_id, item_id, kind FROM best ${after}
    ORDER BY rank, thread_id LIMIT ?`;
  const hits = db.all<{ thread_id: string; rank: number; doc_id: number; item_id: string; kind: string }>(sql, ...params);
  const out: SearchIndexHit[] = [];
  for (const h of hits) {
    const row = db.get<ThreadRow>('SELECT * FROM threads WHERE id = ?', h.thread_id);
    if (row) out.push({ row, rank: h.rank, itemId: h.item_id, kind: h.kind, docId: h.doc_id });
  }
  return out;
}

export const SNIPPET_TOKENS = 24;
/** Private-use characters around each match inside snippet(); search-text.ts strips them from documents. */
export const MARK_OPEN = '\uE000';
export const MARK_CLOSE = '\uE001';

/**
 * The FTS5 snippet of one document. node:sqlite binds JS numbers as REAL, and FTS5 ignores a REAL
 * rowid constraint (it would return every match): hence the CAST. MARK_OPEN/MARK_CLOSE surround the matches.
 */
export function searchSnippet(db: Database, match: string, docId: number): string {
  const row = db.get<{ s: string }>(
    `SELECT snippet(thread_search, 0, '${MARK_OPEN}', '${MARK_CLOSE}', '…', ${SNIPPET_TOKENS}) AS s
     FROM thread_search WHERE thread_search MATCH ? AND rowid = CAST(? AS INTEGER)`,
    match, docId,
  );
  return row?.s ?? '';
}
