// `thread/list` params → the normalised ThreadListQuery, with Codex's defaults and errors.

import { resolve } from 'node:path';
import { invalidFilter, invalidInput } from '../errors.ts';
import type { ThreadListParams } from '../protocol/thread-list.ts';
import { decodeListCursor } from './list-cursor.ts';
import type { SortKey, ThreadListQuery } from './list-query.ts';
import { DEFAULT_SOURCE_KINDS } from './session-source.ts';

export const DEFAULT_LIST_LIMIT = 25;
export const MAX_LIST_LIMIT = 100;
const MAX_EXCLUDED_IDS = 100;

export function clampLimit(limit: number | null | undefined, fallback = DEFAULT_LIST_LIMIT, max = MAX_LIST_LIMIT): number {
  if (limit === null || limit === undefined) return fallback;
  return Math.min(max, Math.max(1, Math.trunc(limit)));
}

/** A cwd filter entry as the index stores cwds: absolute, `.`/`..` resolved, no trailing slash. */
export function normalizeCwd(cwd: string): string {
  return resolve(cwd);
}

export function toListQuery(params: ThreadListParams, defaultProvider: string): ThreadListQuery {
  if (params.originators && params.originators.length > 0) {
    throw invalidFilter('originator filtering is not supported by the local app-server');
  }
  const requested = params.sortKey ?? 'created_at';
  if (requested === 'section_position' && (params.sectionId === undefined || params.sectionId === null)) {
    throw invalidInput('section-position sorting requires a section filter');
  }
  // recency_at follows the latest activity, which the index keeps as updated_at.
  const sortKey: SortKey = requested === 'updated_at' || requested === 'recency_at' ? 'updated_at' : 'created_at';
  let anchor = null;
  if (params.cursor !== undefined && params.cursor !== null) {
    anchor = decodeListCursor(params.cursor);
    if (anchor === null) throw invalidInput(`invalid cursor: ${params.cursor}`);
  }
  let cwds: string[] | null = null;
  if (params.cwd !== undefined && params.cwd !== null) {
    cwds = (Array.isArray(params.cwd) ? params.cwd : [params.cwd]).map(normalizeCwd);
  }
  const excluded = params.excludedThreadIds ?? [];
  if (excluded.length > MAX_EXCLUDED_IDS) {
    throw invalidFilter(`excludedThreadIds accepts at most ${MAX_EXCLUDED_IDS} ids, got ${excluded.length}`);
  }
  return {
    sortKey,
    sortDirection: params.sortDirection ?? (requested === 'section_position' ? 'asc' : 'desc'),
    limit: clampLimit(params.limit),
    anchor,
    archived: params.archived === true,
    modelProviders: params.modelProviders === undefined || params.modelProviders === null
      ? [defaultProvider]
      : params.modelProviders.length === 0 ? null : params.modelProviders,
    defaultProvider,
    sourceKinds: params.sourceKinds && params.sourceKinds.length > 0 ? params.sourceKinds : DEFAULT_SOURCE_KINDS,
    cwds,
    searchTerm: params.searchTerm ?? null,
    excludedThreadIds: excluded.map((id) => id.toLowerCase()),
  };
}
