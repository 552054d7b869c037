// `thread/turns/list` and `thread/items/list`: pages over the turns rebuilt from the rollout.
//
// Cursors are JSON text, opaque to clients, in the forms Codex 0.169 mints, so a cursor from
// either server works on the other and stays valid across restarts (it names a place in the file,
// not a server session):
// - a 0.169 (paginated) thread, whose lines carry ordinals:
//   `{"requestedThreadId", "rolloutOrdinal", "includeAnchor", "scope": {"kind": "turns" | "itemsByCreatedAtOrdinal"}}`,
//   the ordinal of the line that opened the turn or created the item;
// - an older-format thread: `{"turnId", "includeAnchor"}` for turns (Codex's legacy form) and
//   `{"itemId", "includeAnchor"}` for items.
// Codex answers `thread/items/list` on an older-format thread with -32601; threadstate answers it
// (a deliberate superset, see README), in the same entry shape.

import { invalidInput, unsupported } from '../errors.ts';
import type { ThreadItem } from '../protocol/item.ts';
import type { ParamsOf } from '../protocol/methods.ts';
import type { ThreadItemEntry, Turn } from '../protocol/turn.ts';
import { rolloutOrdinalOf, withItemsView } from '../rollout/history.ts';
import type { SpillScope } from '../rollout/spilled-text.ts';
import type { ThreadContext } from './context.ts';
import { clampLimit } from '../model/list-params.ts';
import { turnsOf } from './read-thread.ts';
import { requireThread } from './require-thread.ts';
import { locateThread } from './locate.ts';
import { parseThreadId } from './thread-id.ts';

type Scope = 'turns' | 'itemsByCreatedAtOrdinal';

/** A place in a thread's history: a line ordinal (0.169 threads) or a turn/item id (older formats). */
type Anchor = { ordinal: number; includeAnchor: boolean } | { key: string; includeAnchor: boolean };

/** How one kind of list names its places. */
interface Keys<T> {
  threadId: string;
  scope: Scope;
  idField: 'turnId' | 'itemId';
  /** Ordinals when every element has one (a 0.169 thread), else null. */
  ordinals: number[] | null;
  idOf: (t: T) => string;
}

export function ordinalCursor(threadId: string, ordinal: number, includeAnchor: boolean, scope: Scope): string {
  return JSON.stringify({ requestedThreadId: threadId, rolloutOrdinal: ordinal, includeAnchor, scope: { kind: scope } });
}

function decodeCursor<T>(cursor: string, keys: Keys<T>): Anchor {
  let value: unknown;
  try {
    value = JSON.parse(cursor);
  } catch {
    value = null;
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    const includeAnchor = v.includeAnchor === true;
    const scope = v.scope as { kind?: unknown } | undefined;
    if (keys.ordinals && Number.isInteger(v.rolloutOrdinal) && v.requestedThreadId === keys.threadId && scope?.kind === keys.scope) {
      return { ordinal: v.rolloutOrdinal as number, includeAnchor };
    }
    if (!keys.ordinals && typeof v[keys.idField] === 'string') return { key: v[keys.idField] as string, includeAnchor };
  }
  throw invalidInput(`invalid cursor: ${cursor}`);
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
  backwardsCursor: string | null;
}

/** Pages `all` (in forward order) from an anchor in either direction. */
function pageBy<T>(all: T[], keys: Keys<T>, cursor: string | null | undefined, limit: number, direction: 'asc' | 'desc'): Page<T> {
  const indexes = all.map((_, i) => i);
  if (direction === 'desc') indexes.reverse();
  let start = 0;
  if (cursor !== undefined && cursor !== null) {
    const anchor = decodeCursor(cursor, keys);
    if ('ordinal' in anchor) {
      const ordinals = keys.ordinals!;
      const after = (o: number) => (direction === 'asc' ? o > anchor.ordinal : o < anchor.ordinal) || (anchor.includeAnchor && o === anchor.ordinal);
      start = indexes.findIndex((i) => after(ordinals[i]));
      if (start < 0) start = indexes.length;
    } else {
      const at = indexes.findIndex((i) => keys.idOf(all[i]) === anchor.key);
      if (at < 0) throw invalidInput(`invalid cursor: ${cursor}`);
      start = anchor.includeAnchor ? at : at + 1;
    }
  }
  const picked = indexes.slice(start, start + limit);
  const cursorAt = (i: number, includeAnchor: boolean) => (keys.ordinals
    ? ordinalCursor(keys.threadId, keys.ordinals[i], includeAnchor, keys.scope)
    : JSON.stringify({ [keys.idField]: keys.idOf(all[i]), includeAnchor }));
  const more = start + limit < indexes.length;
  return {
    data: picked.map((i) => all[i]),
    nextCursor: more && picked.length > 0 ? cursorAt(picked[picked.length - 1], false) : null,
    backwardsCursor: picked.length > 0 ? cursorAt(picked[0], true) : null,
  };
}

/** Ordinals of every element, or null when one lacks it (files before 0.169 number no lines). */
function ordinalsOf(values: object[]): number[] | null {
  const out: number[] = [];
  for (const v of values) {
    const o = rolloutOrdinalOf(v);
    if (o === undefined) return null;
    out.push(o);
  }
  return out;
}

export interface ThreadHistory {
  threadId: string;
  turns: Turn[];
  /** Every item with its turn, in history order. */
  entries: { turnId: string; item: ThreadItem }[];
}

function historyOf(threadId: string, turns: Turn[]): ThreadHistory {
  return { threadId, turns, entries: turns.flatMap((t) => t.items.map((item) => ({ turnId: t.id, item }))) };
}

function turnKeys(h: ThreadHistory): Keys<Turn> {
  return { threadId: h.threadId, scope: 'turns', idField: 'turnId', ordinals: h.turns.length > 0 ? ordinalsOf(h.turns) : null, idOf: (t) => t.id };
}

function itemKeys(h: ThreadHistory, entries: ThreadHistory['entries']): Keys<ThreadHistory['entries'][number]> {
  const ordinals = entries.length > 0 ? ordinalsOf(entries.map((e) => e.item)) : null;
  return { threadId: h.threadId, scope: 'itemsByCreatedAtOrdinal', idField: 'itemId', ordinals, idOf: (e) => e.item.id };
}

/**
 * The cursors a `thread/resume` hands out for a 0.169 thread: the newest turn and the newest item,
 * anchors included, for paging backwards (`sortDirection: desc`). Null for older formats, as in Codex.
 */
export function resumeCursors(threadId: string, turnList: Turn[]): { turnsBackwardsCursor: string | null; itemsBackwardsCursor: string | null } {
  const h = historyOf(threadId, turnList);
  const turns = ordinalsOf(h.turns);
  const items = ordinalsOf(h.entries.map((e) => e.item));
  const paginated = h.turns.length > 0 && turns !== null;
  return {
    turnsBackwardsCursor: paginated ? ordinalCursor(h.threadId, turns[turns.length - 1], true, 'turns') : null,
    itemsBackwardsCursor: paginated && items !== null && items.length > 0 ? ordinalCursor(h.threadId, items[items.length - 1], true, 'itemsByCreatedAtOrdinal') : null,
  };
}

export async function storedHistory(ctx: ThreadContext, id: string, spill?: SpillScope): Promise<ThreadHistory> {
  const loaded = ctx.loaded.get(id);
  if (loaded && !loaded.materialized) return historyOf(id, []);
  const located = await requireThread(ctx, id, 'read');
  return historyOf(id, await turnsOf(ctx, located.metadata, spill));
}

export async function listTurns(ctx: ThreadContext, params: ParamsOf<'thread/turns/list'>, spill?: SpillScope): Promise<Page<Turn>> {
  const history = await storedHistory(ctx, parseThreadId(params.threadId), spill);
  const page = pageBy(history.turns, turnKeys(history), params.cursor, clampLimit(params.limit), params.sortDirection ?? 'desc');
  const view = params.itemsView ?? 'summary';
  return { ...page, data: page.data.map((t) => withItemsView(t, view)) };
}

const ITEMS_NOT_SUPPORTED = 'thread/items/list is not supported yet';

export async function listItems(ctx: ThreadContext, params: ParamsOf<'thread/items/list'>, spill?: SpillScope): Promise<Page<ThreadItemEntry>> {
  const id = parseThreadId(params.threadId);
  // Codex's answer for an id it has no persisted turns for (unknown, not yet written, unreadable, no turn).
  const loaded = ctx.loaded.get(id);
  const located = loaded && !loaded.materialized ? null : await locateThread(ctx, id);
  if (!located || !located.metadata.hasSessionMeta) throw unsupported(ITEMS_NOT_SUPPORTED);
  const history = historyOf(id, await turnsOf(ctx, located.metadata, spill, () => unsupported(ITEMS_NOT_SUPPORTED)));
  if (history.turns.length === 0) throw unsupported(ITEMS_NOT_SUPPORTED);
  let entries = history.entries;
  if (params.turnId !== undefined && params.turnId !== null) {
    entries = entries.filter((e) => e.turnId === params.turnId);
    // An unknown turn is an empty page, as in Codex.
    if (entries.length === 0) return { data: [], nextCursor: null, backwardsCursor: null };
  }
  const page = pageBy(entries, itemKeys(history, entries), params.cursor, clampLimit(params.limit), params.sortDirection ?? 'asc');
  return {
    ...page,
    data: page.data.map(({ turnId, item }) => {
      const times = item as { startedAtMs?: number | null; completedAtMs?: number | null };
      return { turnId, item, startedAtMs: times.startedAtMs ?? null, completedAtMs: times.completedAtMs ?? null };
    }),
  };
}
