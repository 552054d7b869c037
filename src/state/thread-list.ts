// `thread/list` against the index: the exact semantics of src/model/list-query.ts in SQL, with
// keyset paging in both directions. Every query names the index it walks (INDEXED BY), so the plan
// never degrades to a table scan or a temporary sort; test/unit/state/query-plan.test.ts checks it.
//
// A searchTerm of 3+ characters first asks the trigram index of titles and previews (migration
// 0009) for candidates. None: the page is empty without touching threads. Up to
// TRIGRAM_CANDIDATES: the page is picked from those rows alone (looked up by id, sorted in a small
// temporary b-tree). More: the term is common, so walking the list index with the exact instr()
// test finds a page quickly. The instr() test always stays: trigrams only narrow.

import type { SQLInputValue } from 'node:sqlite';
import { withBusyRetry, type Database } from '../sqlite/db.ts';
import type { ThreadListQuery } from '../model/list-query.ts';
import { expandSourceKinds } from '../model/session-source.ts';
import type { ThreadRow } from './threads.ts';

/** Above this many trigram candidates, walking the list index is cheaper than sorting them. */
export const TRIGRAM_CANDIDATES = 1000;

export interface BuiltQuery {
  sql: string;
  params: SQLInputValue[];
  index: string;
  /** An empty IN list (cwds, providers, source kinds) matches nothing: no query is needed. */
  matchesNothing: boolean;
}

function placeholders(n: number): string {
  return new Array(n).fill('?').join(', ');
}

/**
 * Keyset condition for the anchor. The created_at sort key is `created_at * 1000` (seconds), so a
 * ms anchor is turned into whole seconds here to keep the comparison on the indexed column.
 */
function anchorClause(query: ThreadListQuery, column: string): { sql: string; params: SQLInputValue[] } | null {
  const anchor = query.anchor;
  if (anchor === null) return null;
  const asc = query.sortDirection === 'asc';
  let equal: number | null;
  let bound: number;
  if (query.sortKey === 'created_at') {
    const exact = anchor.tsMs % 1000 === 0;
    equal = exact ? anchor.tsMs / 1000 : null;
    // key < T  <=>  created_at < ceil(T/1000);  key > T  <=>  created_at > floor(T/1000)
    bound = exact ? anchor.tsMs / 1000 : asc ? Math.floor(anchor.tsMs / 1000) : Math.ceil(anchor.tsMs / 1000);
  } else {
    equal = anchor.tsMs;
    bound = anchor.tsMs;
  }
  const op = asc ? '>' : '<';
  if (equal === null || anchor.id === null) return { sql: `${column} ${op} ?`, params: [bound] };
  // Written as a range plus a tie-break so SQLite can seek the index to the anchor.
  return {
    sql: `${column} ${op}= ? AND (${column} ${op} ? OR id ${op} ?)`,
    params: [equal, equal, anchor.id],
  };
}

/**
 * The FTS5 expression of a searchTerm for the trigram index: every distinct trigram of the term,
 * ANDed (detail=none has no phrases; the instr() test restores exactness). null under 3 characters.
 * Trigrams holding a NUL are left out: FTS5's query parser ends a string there ("unterminated
 * string"); the instr() test still requires them.
 */
export function trigramExpression(term: string): string | null {
  const chars = Array.from(term);
  const grams = new Set<string>();
  for (let i = 0; i + 3 <= chars.length; i++) {
    const gram = chars.slice(i, i + 3).join('');
    if (!gram.includes('\u0000')) grams.add(gram);
  }
  if (grams.size === 0) return null;
  return [...grams].map((g) => `"${g.replace(/"/g, '""')}"`).join(' ');
}

/**
 * The SQL for one page: `limit` rows (callers ask for page size + 1 to learn whether more exist).
 * `viaTrigram`: the candidate shape (see the header); its first parameter is the trigram expression.
 */
export function buildListQuery(query: ThreadListQuery, limit: number = query.limit + 1, viaTrigram = false): BuiltQuery {
  const column = query.sortKey === 'created_at' ? 'created_at' : 'updated_at_ms';
  const singleCwd = query.cwds !== null && query.cwds.length === 1;
  const index = `threads_list_${singleCwd ? 'cwd_' : ''}${query.sortKey === 'created_at' ? 'created' : 'updated'}`;
  const where: string[] = ['listable = 1', 'archived = ?'];
  const params: SQLInputValue[] = [query.archived ? 1 : 0];
  let matchesNothing = false;

  if (query.cwds !== null) {
    if (query.cwds.length === 0) matchesNothing = true;
    else if (singleCwd) {
      where.push('cwd = ?');
      params.push(query.cwds[0]);
    } else {
      where.push(`cwd IN (${placeholders(query.cwds.length)})`);
      params.push(...query.cwds);
    }
  }
  if (query.modelProviders !== null) {
    const providers = query.modelProviders;
    if (providers.length === 0) matchesNothing = true;
    else {
      const named = `model_provider IN (${placeholders(providers.length)})`;
      // A thread without a provider counts as the configured default.
      where.push(providers.includes(query.defaultProvider) ? `(${named} OR model_provider IS NULL)` : named);
      params.push(...providers);
    }
  }
  const kinds = expandSourceKinds(query.sourceKinds);
  if (kinds.length === 0) matchesNothing = true;
  where.push(`source_kind IN (${placeholders(kinds.length)})`);
  params.push(...kinds);
  if (query.searchTerm !== null && query.searchTerm !== '') {
    // instr() compares literally: %, _ and quotes in the term carry no meaning.
    where.push('(instr(title, ?) > 0 OR instr(preview, ?) > 0)');
    params.push(query.searchTerm, query.searchTerm);
  }
  if (query.excludedThreadIds.length > 0) {
    where.push(`id NOT IN (${placeholders(query.excludedThreadIds.length)})`);
    params.push(...query.excludedThreadIds);
  }
  const anchor = anchorClause(query, column);
  if (anchor) {
    where.push(anchor.sql);
    params.push(...anchor.params);
  }
  const dir = query.sortDirection === 'asc' ? 'ASC' : 'DESC';
  params.push(Math.max(0, Math.floor(limit)));
  const expression = viaTrigram && query.searchTerm !== null ? trigramExpression(query.searchTerm) : null;
  if (expression !== null) {
    // CROSS JOIN fixes the order: the candidates, their keys, then each thread row by id.
    const sql =
      'SELECT threads.* FROM thread_title_trigram CROSS JOIN thread_title_keys CROSS JOIN threads ' +
      'WHERE thread_title_trigram MATCH ? AND thread_title_keys.key = thread_title_trigram.rowid AND threads.id = thread_title_keys.thread_id ' +
      `AND ${where.join(' AND ')} ORDER BY ${column} ${dir}, threads.id ${dir} LIMIT ?`;
    return { sql, params: [expression, ...params], index: 'thread_title_trigram', matchesNothing };
  }
  const sql =
    `SELECT * FROM threads INDEXED BY ${index} WHERE ${where.join(' AND ')} ` +
    `ORDER BY ${column} ${dir}, id ${dir} LIMIT ?`;
  return { sql, params, index, matchesNothing };
}

/** How the page of a query with a searchTerm is best found (see the header). */
function searchPlan(db: Database, query: ThreadListQuery): 'none' | 'candidates' | 'scan' {
  const expression = query.searchTerm ? trigramExpression(query.searchTerm) : null;
  if (expression === null) return 'scan';
  const n = db.get<{ n: number }>(
    'SELECT COUNT(*) AS n FROM (SELECT 1 FROM thread_title_trigram WHERE thread_title_trigram MATCH ? LIMIT ?)',
    expression, TRIGRAM_CANDIDATES + 1,
  )?.n ?? 0;
  return n === 0 ? 'none' : n <= TRIGRAM_CANDIDATES ? 'candidates' : 'scan';
}

/** One page of rows in the query's order (`limit` defaults to the page size + 1). */
export function listThreads(db: Database, query: ThreadListQuery, limit: number = query.limit + 1): ThreadRow[] {
  const plan = searchPlan(db, query);
  if (plan === 'none') return [];
  const built = buildListQuery(query, limit, plan === 'candidates');
  if (built.matchesNothing) return [];
  // Long IN lists make one-off SQL texts; keep them out of the connection's statement cache.
  if (built.params.length > 24) return withBusyRetry(() => db.raw.prepare(built.sql).all(...built.params)) as unknown as ThreadRow[];
  return db.all<ThreadRow>(built.sql, ...built.params);
}
