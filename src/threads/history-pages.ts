// `thread/turns/list` and `thread/items/list`: pages over the turns rebuilt from the rollout.
// Cursors are JSON text, opaque to clients: `{"turnId", "includeAnchor"}` for turns (the form
// Codex uses for legacy threads) and `{"itemId", "includeAnchor"}` for items.

import { invalidRequest } from '../errors.ts';
import type { ThreadItem } from '../protocol/item.ts';
import type { Turn } from '../protocol/turn.ts';
import { withItemsView, type ItemsView } from '../rollout/history.ts';
import type { SpillScope } from '../rollout/spilled-text.ts';
import type { ThreadContext } from './context.ts';
import { clampLimit } from '../model/list-params.ts';
import { requireStoredThread, turnsOf } from './read-thread.ts';
import { parseThreadId } from './thread-id.ts';

interface Anchor {
  key: string;
  includeAnchor: boolean;
}

function decodeAnchor(cursor: string | null | undefined, field: 'turnId' | 'itemId'): Anchor | null {
  if (cursor === undefined || cursor === null) return null;
  try {
    const value = JSON.parse(cursor) as Record<string, unknown>;
    if (value && typeof value[field] === 'string') return { key: value[field] as string, includeAnchor: value.includeAnchor === true };
  } catch {
    // fall through
  }
  throw invalidRequest(`invalid cursor: ${cursor}`);
}

function encodeAnchor(field: 'turnId' | 'itemId', key: string, includeAnchor: boolean): string {
  return JSON.stringify({ [field]: key, includeAnchor });
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
  backwardsCursor: string | null;
}

/** Pages `all` (in forward order) by a keyed anchor in either direction. */
function pageBy<T>(all: T[], keyOf: (t: T) => string, field: 'turnId' | 'itemId', cursor: string | null | undefined, limit: number, direction: 'asc' | 'desc'): Page<T> {
  const ordered = direction === 'asc' ? all : [...all].reverse();
  const anchor = decodeAnchor(cursor, field);
  let start = 0;
  if (anchor) {
    const at = ordered.findIndex((t) => keyOf(t) === anchor.key);
    if (at < 0) throw invalidRequest(`invalid cursor: ${cursor}`);
    start = anchor.includeAnchor ? at : at + 1;
  }
  const data = ordered.slice(start, start + limit);
  const more = start + limit < ordered.length;
  return {
    data,
    nextCursor: more && data.length > 0 ? encodeAnchor(field, keyOf(data[data.length - 1]), false) : null,
    backwardsCursor: data.length > 0 ? encodeAnchor(field, keyOf(data[0]), true) : null,
  };
}

async function storedTurns(ctx: ThreadContext, threadIdText: string, spill?: SpillScope): Promise<Turn[]> {
  const id = parseThreadId(threadIdText);
  const loaded = ctx.loaded.get(id);
  if (loaded && !loaded.materialized) return [];
  const located = await requireStoredThread(ctx, id);
  return turnsOf(ctx, located.metadata, spill);
}

export async function listTurns(ctx: ThreadContext, params: { threadId: string; cursor?: string | null; limit?: number | null; sortDirection?: 'asc' | 'desc' | null; itemsView?: ItemsView | null }, spill?: SpillScope): Promise<Page<Turn>> {
  const turns = await storedTurns(ctx, params.threadId, spill);
  const page = pageBy(turns, (t) => t.id, 'turnId', params.cursor, clampLimit(params.limit), params.sortDirection ?? 'desc');
  const view = params.itemsView ?? 'summary';
  return { ...page, data: page.data.map((t) => withItemsView(t, view)) };
}

export async function listItems(ctx: ThreadContext, params: { threadId: string; turnId?: string | null; cursor?: string | null; limit?: number | null; sortDirection?: 'asc' | 'desc' | null }, spill?: SpillScope): Promise<Page<ThreadItem>> {
  const turns = await storedTurns(ctx, params.threadId, spill);
  let scope = turns;
  if (params.turnId !== undefined && params.turnId !== null) {
    scope = turns.filter((t) => t.id === params.turnId);
    if (scope.length === 0) throw invalidRequest(`turn not found: ${params.turnId}`);
  }
  const items = scope.flatMap((t) => t.items as ThreadItem[]);
  return pageBy(items, (i) => i.id, 'itemId', params.cursor, clampLimit(params.limit), params.sortDirection ?? 'asc');
}
