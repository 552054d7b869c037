// The `thread/list` cursor codec: `<RFC3339>|<uuid>` next-page cursors (seconds for created_at,
// ms for updated_at, as Codex) and bare-time backwards cursors, plus the legacy file-name form.

import { sortKeyMs, type ListAnchor, type SortDirection, type SortKey } from './list-query.ts';
import type { ThreadMetadata } from './thread-metadata.ts';

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
