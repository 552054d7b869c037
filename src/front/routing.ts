// Which requests the front answers from the index and which go to the Codex app-server behind it.
// History reads of threads the upstream has not loaded come from the index; anything about a
// loaded thread, every write, section queries and cursors threadstate did not mint go upstream.

export type Route = 'local' | 'upstream';

export interface RoutingFacts {
  /** The upstream holds this thread in memory (started, resumed or forked, not yet closed). */
  isLoadedUpstream(threadId: string): boolean;
  /** threadstate minted this cursor (in an earlier answer on this connection). */
  mintedLocally(cursor: string): boolean;
}

/** Methods whose answers may come from the index. */
export const HISTORY_METHODS = new Set(['thread/list', 'thread/search', 'thread/read', 'thread/turns/list', 'thread/items/list']);

/** threadstate's own history methods, which a Codex app-server does not have. */
const THREADSTATE_ONLY = new Set(['thread/search']);

/** Whether a Codex app-server answers `method` too (so it can take over when threadstate fails). */
export function upstreamKnows(method: string): boolean {
  return !THREADSTATE_ONLY.has(method);
}

function field(params: unknown, name: string): unknown {
  return params !== null && typeof params === 'object' ? (params as Record<string, unknown>)[name] : undefined;
}

/** Section queries (the TUI's agents panel) are state the index does not hold. */
function isSectionQuery(params: unknown): boolean {
  const sectionId = field(params, 'sectionId');
  return (sectionId !== undefined && sectionId !== null) || field(params, 'sortKey') === 'section_position';
}

export function routeRequest(method: string, params: unknown, facts: RoutingFacts): Route {
  if (!HISTORY_METHODS.has(method)) return 'upstream';
  if (method === 'thread/list') return isSectionQuery(params) ? 'upstream' : 'local';
  if (method === 'thread/search') return 'local';
  const cursor = field(params, 'cursor');
  if (typeof cursor === 'string') return facts.mintedLocally(cursor) ? 'local' : 'upstream';
  const threadId = field(params, 'threadId');
  if (typeof threadId === 'string' && facts.isLoadedUpstream(threadId)) return 'upstream';
  return 'local';
}

/** Remembers the last `capacity` cursors threadstate handed out, oldest forgotten first. */
export class MintedCursors {
  private readonly cursors = new Set<string>();
  private readonly capacity: number;

  constructor(capacity = 4096) {
    this.capacity = capacity;
  }

  has(cursor: string): boolean {
    return this.cursors.has(cursor);
  }

  /** Records `nextCursor`/`backwardsCursor` of a page answer. */
  recordPage(result: unknown): void {
    for (const key of ['nextCursor', 'backwardsCursor']) {
      const cursor = field(result, key);
      if (typeof cursor !== 'string') continue;
      this.cursors.delete(cursor);
      this.cursors.add(cursor);
      if (this.cursors.size > this.capacity) this.cursors.delete(this.cursors.values().next().value as string);
    }
  }
}
