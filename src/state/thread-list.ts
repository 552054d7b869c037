// `thread/list` against the index: the exact semantics of src/rollout/list-query.ts in SQL, with
// keyset paging in both directions. Every query names the index it walks (INDEXED BY), so the plan
// never degrades to a table scan or a temporary sort; test/unit/state/query-plan.test.ts checks it.

import type { SQLInputValue } from 'node:sqlite';
import { withBusyRetry, type Database } from './db.ts';
import { expandSourceKinds, type ThreadListQuery } from '../rollout/list-query.ts';
import type { ThreadRow } from './threads.ts';

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

/** The SQL for one page: `limit` rows (callers ask for page size + 1 to learn whether more exist). */
export function buildListQuery(query: ThreadListQuery, limit: number = query.limit + 1): BuiltQuery {
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
  const sql =
    `SELECT * FROM threads INDEXED BY ${index} WHERE ${where.join(' AND ')} ` +
    `ORDER BY ${column} ${dir}, id ${dir} LIMIT ?`;
  return { sql, params, index, matchesNothing };
}

/** One page of rows in the query's order (`limit` defaults to the page size + 1). */
export function listThreads(db: Database, query: ThreadListQuery, limit: number = query.limit + 1): ThreadRow[] {
  const built = buildListQuery(query, limit);
  if (built.matchesNothing) return [];
  // Long IN lists make one-off SQL texts; keep them out of the connection's statement cache.
  if (built.params.length > 24) return withBusyRetry(() => db.raw.prepare(built.sql).all(...built.params)) as unknown as ThreadRow[];
  return db.all<ThreadRow>(built.sql, ...built.params);
}
