// The full-text index (migrations 0009, 0010): writing a thread's document and the ranked, filtered
// search behind `thread/search`.
//
// One FTS5 document per thread (thread_search_text, its items' texts joined) keyed by
// thread_search_items, which also holds the item map. A search ranks threads by the bm25 of their
// document (ties by document key); a query matching more than RANK_WINDOW threads ranks the
// RANK_WINDOW most recently written of them (the highest keys: a thread's document gets a new key
// each time it is rewritten), since bm25 costs ~1 µs per matching document and word. Then, for each hit of the page only, snippet() cuts the best
// passage and the item map names the item the passage's first match lies in. Paging is keyset on
// (rank, thread id): a page never repeats or skips a thread while the index is unchanged; bm25
// depends on corpus statistics, so writes between pages can move threads across the boundary.

import type { SQLInputValue } from 'node:sqlite';
import { isListable } from '../model/list-query.ts';
import { expandSourceKinds, primarySourceKind, type SourceKind } from '../model/session-source.ts';
import type { ThreadMetadata } from '../model/thread-metadata.ts';
import type { SearchItemKind, SearchItemSpan, ThreadSearchText } from '../rollout/search-text.ts';
import type { Database } from '../sqlite/db.ts';
import type { ThreadRow } from './threads.ts';
import type { SearchAnchor } from '../model/search-query.ts';
import type { ThreadSearchHighlight } from '../protocol/search.ts';

/**
 * Replaces a thread's document (null: removes it). Must run inside the caller's transaction, after
 * the thread's row is written; the filter columns are the row's (kept in step by a trigger after
 * that). Rowids are bound through CAST: node:sqlite binds JS numbers as REAL, which FTS5 does not
 * take as a rowid.
 */
export function replaceSearchText(db: Database, meta: ThreadMetadata, doc: ThreadSearchText | null): void {
  // Checked first: a DELETE that fires a trigger costs a two-pass setup even when nothing matches.
  if (db.get('SELECT 1 AS one FROM thread_search_items WHERE thread_id = ?', meta.id)) db.run('DELETE FROM thread_search_items WHERE thread_id = ?', meta.id);
  if (doc === null || doc.items.length === 0) return;
  const map = JSON.stringify(doc.items.map((i) => [i.start, i.kind, i.itemId]));
  // Plain VALUES: an INSERT … SELECT … RETURNING costs ~6x more per row.
  const key = db.run(
    'INSERT INTO thread_search_items (thread_id, listable, archived, source_kind, cwd, items) VALUES (?, ?, ?, ?, ?, ?)',
    meta.id, isListable(meta) ? 1 : 0, meta.archived ? 1 : 0, primarySourceKind(meta.source), meta.cwd, map,
  ).lastInsertRowid;
  db.run('INSERT INTO thread_search_text (rowid, text) VALUES (CAST(? AS INTEGER), ?)', key, doc.text);
}

/** Threads with a search document (or whether this one has). */
/**
 * Merges the full-text index into one segment (FTS5 'optimize'). A bulk load leaves it in many
 * segments (one per transaction, partly merged), which every query walks: on the real-sized 10k
 * home the merge takes ~0.2 s and halves the p50 of thread/search.
 */
export function optimizeSearchIndex(db: Database): void {
  db.run("INSERT INTO thread_search_text (thread_search_text) VALUES ('optimize')");
}

export function countSearchDocs(db: Database, threadId?: string): number {
  const row = threadId === undefined
    ? db.get<{ n: number }>('SELECT COUNT(*) AS n FROM thread_search_items')
    : db.get<{ n: number }>('SELECT COUNT(*) AS n FROM thread_search_items WHERE thread_id = ?', threadId);
  return row?.n ?? 0;
}

export interface SearchIndexQuery {
  /** An FTS5 expression from model/search-query.ts (never raw user input). */
  match: string;
  limit: number;
  anchor: SearchAnchor | null;
  archived: boolean;
  /** null: any cwd; else exact match against one of them (already normalised). */
  cwds: string[] | null;
  sourceKinds: readonly SourceKind[];
  /** How many of the most recently written matches are ranked (default RANK_WINDOW). */
  rankWindow?: number;
}

/**
 * Matches ranked per query, newest documents first. On the 10k bench home a three-word query
 * matching every thread took 14 ms to rank in full, 7.5 ms with a window of 2,000 and 3.7 ms with
 * 1,000; a query matching fewer threads than this is ranked in full.
 */
export const RANK_WINDOW = 1000;

export interface SearchIndexHit {
  row: ThreadRow;
  /** bm25 of the thread's text: lower is better. */
  rank: number;
  /** The document's key (thread_search_items.key): the tie-break, and the item lookup's handle. */
  key: number;
}

function placeholders(n: number): string {
  return new Array(n).fill('?').join(', ');
}

/**
 * One page of threads, best first; `limit` rows (ask for page size + 1 to learn whether more
 * exist). The matches that pass the filters are walked newest first (the filters are tested on the
 * narrow map rows, migration 0010), the first `rankWindow` of them ranked by bm25, and the page
 * cut from that ranking; the wide threads rows are read for the page's hits only.
 */
export function searchIndex(db: Database, query: SearchIndexQuery): SearchIndexHit[] {
  const filter = ['k.listable = 1', 'k.archived = ?'];
  const filterParams: SQLInputValue[] = [query.archived ? 1 : 0];
  if (query.cwds !== null) {
    if (query.cwds.length === 0) return [];
    filter.push(`k.cwd IN (${placeholders(query.cwds.length)})`);
    filterParams.push(...query.cwds);
  }
  const kinds = expandSourceKinds(query.sourceKinds);
  if (kinds.length === 0) return [];
  filter.push(`k.source_kind IN (${placeholders(kinds.length)})`);
  filterParams.push(...kinds);
  const anchor = query.anchor ? '(r > ? OR (r = ? AND key > ?))' : '1';
  const anchorParams: SQLInputValue[] = query.anchor ? [query.anchor.rank, query.anchor.rank, query.anchor.key] : [];
  const window = Math.max(1, query.rankWindow ?? RANK_WINDOW);
  // CROSS JOIN fixes the order: every match, newest first, then its map row by key.
  const ranked = db.all<{ key: number; r: number }>(
    `SELECT key, r FROM (SELECT f.rowid AS key, bm25(thread_search_text) AS r FROM thread_search_text f CROSS JOIN thread_search_items k
       WHERE thread_search_text MATCH ? AND k.key = f.rowid AND ${filter.join(' AND ')} ORDER BY f.rowid DESC LIMIT ?)
     WHERE ${anchor} ORDER BY r, key LIMIT ?`,
    query.match, ...filterParams, window, ...anchorParams, query.limit,
  );
  if (ranked.length === 0) return [];
  // CROSS JOIN fixes the order: from the few keys to their rows, never from a threads index.
  const rows = db.all<ThreadRow & { search_key: number }>(
    `SELECT t.*, k.key AS search_key FROM json_each(?) j CROSS JOIN thread_search_items k CROSS JOIN threads t
     WHERE k.key = j.value AND t.id = k.thread_id`,
    JSON.stringify(ranked.map((c) => c.key)),
  );
  const byKey = new Map(rows.map(({ search_key: key, ...row }) => [key, row as ThreadRow]));
  const hits: SearchIndexHit[] = [];
  for (const c of ranked) {
    const row = byKey.get(c.key);
    if (row) hits.push({ row, rank: c.r, key: c.key });
  }
  return hits;
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

export interface HighlightedMatch {
  itemId: string;
  kind: SearchItemKind;
  /** The passage as plain text. */
  snippet: string;
  /** Each match in `snippet`, as [start, end) in UTF-16 units. */
  highlights: ThreadSearchHighlight[];
}

/** A snippet with MARK_OPEN/MARK_CLOSE turned into plain text and highlight ranges. */
export function splitHighlights(marked: string): { snippet: string; highlights: ThreadSearchHighlight[] } {
  let snippet = '';
  const highlights: ThreadSearchHighlight[] = [];
  let open = -1;
  for (const ch of marked) {
    if (ch === MARK_OPEN) open = snippet.length;
    else if (ch === MARK_CLOSE) {
      if (open >= 0 && snippet.length > open) highlights.push({ start: open, end: snippet.length });
      open = -1;
    } else snippet += ch;
  }
  return { snippet, highlights };
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
 * The matched item and snippet of each of a page's documents, in one pass over the query's
 * matches (the `+` keeps the key list out of FTS5's plan, so a prefix term is expanded once, not
 * once per hit). snippet() picks the passage with the most matches; the passage is found in the
 * document text (snippet() copies the text verbatim around its marks) and the item map names the
 * item holding its first match; the passage is cut at that item's bounds.
 */
export function itemMatches(db: Database, match: string, keys: readonly number[], seek = false): Map<number, HighlightedMatch> {
  const out = new Map<number, HighlightedMatch>();
  if (keys.length === 0) return out;
  // Without the `+`, FTS5 seeks each key instead (see prefersSeeks in model/search-query.ts).
  const keyColumn = seek ? 'f.rowid' : '+f.rowid';
  const rows = db.all<{ key: number; snippet: string; text: string; items: string }>(
    `SELECT f.rowid AS key, snippet(thread_search_text, 0, '${MARK_OPEN}', '${MARK_CLOSE}', '${ELLIPSIS}', ${SNIPPET_TOKENS}) AS snippet,
       f.text AS text, k.items AS items
     FROM thread_search_text f JOIN thread_search_items k ON k.key = f.rowid
     WHERE thread_search_text MATCH ? AND ${keyColumn} IN (SELECT value FROM json_each(?))`,
    match, JSON.stringify(keys),
  );
  for (const row of rows) {
    const found = matchedItem(row);
    if (found) out.set(row.key, { itemId: found.itemId, kind: found.kind, ...splitHighlights(found.snippet) });
  }
  return out;
}

function matchedItem(row: { snippet: string; text: string; items: string }): ItemMatch | null {
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
