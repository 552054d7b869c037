// The normalised `thread/list` query and the rules both list paths (SQLite index and file
// traversal) must apply identically: visibility, filters, sort keys, keyset anchors and cursors.

import type { StoredSessionSource, ThreadMetadata } from './thread-metadata.ts';

export type SortKey = 'created_at' | 'updated_at';
export type SortDirection = 'asc' | 'desc';

export const SOURCE_KINDS = [
  'cli', 'vscode', 'exec', 'appServer', 'subAgent', 'subAgentReview', 'subAgentCompact',
  'subAgentThreadSpawn', 'subAgentOther', 'unknown',
] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];
/** What an omitted, null or empty `sourceKinds` means: interactive sources only. */
export const DEFAULT_SOURCE_KINDS: readonly SourceKind[] = ['cli', 'vscode'];

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

/** The source kinds a stored `session_meta.source` answers to (rollout-format.md, wire-protocol.md §2.5.2). */
export function sourceKindsOf(source: StoredSessionSource): SourceKind[] {
  if (typeof source === 'string') {
    switch (source) {
      case 'cli': return ['cli'];
      case 'vscode': return ['vscode'];
      case 'exec': return ['exec'];
      case 'mcp': return ['appServer'];
      default: return ['unknown'];
    }
  }
  const sub = (source as Record<string, unknown>).subagent ?? (source as Record<string, unknown>).subAgent;
  if (sub === undefined) return ['unknown'];
  if (sub === 'review') return ['subAgent', 'subAgentReview'];
  if (sub === 'compact') return ['subAgent', 'subAgentCompact'];
  if (sub !== null && typeof sub === 'object' && 'thread_spawn' in sub) return ['subAgent', 'subAgentThreadSpawn'];
  return ['subAgent', 'subAgentOther'];
}

/** The single source kind stored in the index's `source_kind` column (the most specific one). */
export function primarySourceKind(source: StoredSessionSource): SourceKind {
  const kinds = sourceKindsOf(source);
  return kinds[kinds.length - 1];
}

/** The stored source kinds that a requested kind list matches, for SQL `source_kind IN (…)`. */
export function expandSourceKinds(requested: readonly SourceKind[]): SourceKind[] {
  const out = new Set<SourceKind>();
  for (const kind of requested) {
    out.add(kind);
    if (kind === 'subAgent') {
      for (const k of ['subAgentReview', 'subAgentCompact', 'subAgentThreadSpawn', 'subAgentOther'] as const) out.add(k);
    }
  }
  return [...out];
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

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const FILE_NAME_TIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})-(\d{2})$/;

function parseCursorTime(text: string): number | null {
  const legacy = FILE_NAME_TIME_RE.exec(text);
  if (legacy) {
    const [, y, mo, d, h, mi, s] = legacy.map(Number);
    return Date.UTC(y, mo - 1, d, h, mi, s);
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * Parses a list cursor: `<RFC3339>|<uuid>`, the legacy `YYYY-MM-DDThh-mm-ss|<uuid>`, or a bare
 * RFC3339 time (a backwards cursor). Returns null for anything else.
 */
export function decodeListCursor(cursor: string): ListAnchor | null {
  const bar = cursor.indexOf('|');
  if (bar < 0) {
    const tsMs = parseCursorTime(cursor);
    return tsMs === null ? null : { tsMs, id: null };
  }
  const tsMs = parseCursorTime(cursor.slice(0, bar));
  const id = cursor.slice(bar + 1);
  if (tsMs === null || !UUID_RE.test(id)) return null;
  return { tsMs, id: id.toLowerCase() };
}

function rfc3339(ms: number, withMillis: boolean): string {
  const iso = new Date(ms).toISOString();
  return withMillis ? iso : `${iso.slice(0, 19)}Z`;
}

/** The next-page cursor for the last returned row: seconds for created_at, ms for updated_at (as Codex). */
export function encodeNextCursor(last: ThreadMetadata, key: SortKey): string {
  return `${rfc3339(sortKeyMs(last, key), key === 'updated_at')}|${last.id}`;
}

/** The backwards cursor: the first row's precise time moved 1 ms toward the page; use it with the opposite direction. */
export function encodeBackwardsCursor(first: ThreadMetadata, key: SortKey, direction: SortDirection): string {
  const precise = key === 'created_at' ? first.createdAtMs : first.updatedAtMs;
  return rfc3339(direction === 'desc' ? precise - 1 : precise + 1, true);
}
