// `thread/list`: the index answers once it is complete (or when the client asks for it alone);
// while a backfill is still running, the index page and the file-walk page are merged so no
// thread is missing or listed twice. Every returned row is checked against its file.

import { statSync } from 'node:fs';
import type { ThreadListParams, ThreadListResponse } from '../protocol/thread-list.ts';
import type { ReadState } from '../protocol/thread.ts';
import { encodeBackwardsCursor, encodeNextCursor } from '../model/list-cursor.ts';
import { toListQuery } from '../model/list-params.ts';
import { compareForList, pageThreads, type ThreadListQuery } from '../model/list-query.ts';
import { readAllHeads } from '../rollout/heads.ts';
import { readThreadNames } from '../rollout/session-index.ts';
import type { ThreadMetadata } from '../model/thread-metadata.ts';
import type { ThreadContext } from './context.ts';
import { verifyStored, type LocatedThread } from './locate.ts';
import { threadStatusOf } from './status.ts';
import { toWireThread } from './thread-view.ts';

const MAX_REPAIR_ROUNDS = 3;

/**
 * The row still matches its file (same size and mtime), checked with one synchronous stat: a page
 * of 26 rows costs tens of microseconds this way instead of 26 thread-pool round trips. Anything
 * else (changed, moved, gone, unreadable) goes through verifyStored, which repairs the index.
 */
function matchesFile(meta: ThreadMetadata): boolean {
  try {
    const st = statSync(meta.rolloutPath, { throwIfNoEntry: false });
    return st !== undefined && st.isFile() && st.size === meta.fingerprint.size && st.mtimeMs === meta.fingerprint.mtimeMs;
  } catch {
    return false;
  }
}

/**
 * Index rows of one page, each verified against its file. When a row had to be repaired or
 * dropped, the page is queried again: a repaired row may no longer pass the filters (its file was
 * archived behind our back) or may sort elsewhere (its file grew).
 */
async function pageFromIndex(ctx: ThreadContext, query: ThreadListQuery): Promise<LocatedThread[]> {
  const store = ctx.store!;
  for (let round = 0; ; round++) {
    const rows = store.listThreads(query, query.limit + 1);
    const verified: LocatedThread[] = [];
    let repaired = false;
    for (const row of rows) {
      const checked = matchesFile(row.metadata) ? { metadata: row.metadata, name: row.name } : await verifyStored(ctx, row.metadata, row.name);
      if (checked !== null && (checked.metadata === row.metadata || round >= MAX_REPAIR_ROUNDS)) verified.push(checked);
      else repaired = true;
    }
    if (!repaired || round >= MAX_REPAIR_ROUNDS) return verified;
  }
}

async function pageFromFiles(ctx: ThreadContext, query: ThreadListQuery): Promise<LocatedThread[]> {
  const heads = await readAllHeads(ctx.codexHome, query.archived);
  const page = pageThreads(heads, { ...query, limit: query.limit + 1 });
  const names = await readThreadNames(ctx.codexHome);
  return page.map((metadata) => ({ metadata, name: names.get(metadata.id) ?? null }));
}

function mergePages(query: ThreadListQuery, fromIndex: LocatedThread[], fromFiles: LocatedThread[]): LocatedThread[] {
  const byId = new Map<string, LocatedThread>();
  // A file head is fresher than a row only when the file changed since the row was written.
  for (const t of fromFiles) byId.set(t.metadata.id, t);
  for (const t of fromIndex) {
    const file = byId.get(t.metadata.id);
    if (!file || file.metadata.fingerprint.mtimeMs === t.metadata.fingerprint.mtimeMs) {
      byId.set(t.metadata.id, { metadata: t.metadata, name: t.name ?? file?.name ?? null });
    }
  }
  return [...byId.values()].sort((a, b) => compareForList(a.metadata, b.metadata, query.sortKey, query.sortDirection));
}

export async function listThreads(ctx: ThreadContext, params: ThreadListParams): Promise<ThreadListResponse> {
  const query = toListQuery(params, ctx.defaultModelProvider);
  // Sections (the agents panel's groups) live in Codex's own database: no thread is in any here.
  if (params.sectionId !== undefined && params.sectionId !== null) return { data: [], readStates: {}, nextCursor: null, backwardsCursor: null };
  let rows: LocatedThread[];
  if (ctx.store && (params.useStateDbOnly === true || ctx.store.isComplete())) {
    rows = await pageFromIndex(ctx, query);
  } else if (ctx.store) {
    const [fromIndex, fromFiles] = [await pageFromIndex(ctx, query), await pageFromFiles(ctx, query)];
    rows = mergePages(query, fromIndex, fromFiles);
  } else {
    rows = await pageFromFiles(ctx, query);
  }
  const items = rows.slice(0, query.limit);
  const more = rows.length > query.limit;
  const first: ThreadMetadata | undefined = items[0]?.metadata;
  const last: ThreadMetadata | undefined = items[items.length - 1]?.metadata;
  const readStates: Record<string, ReadState> = {};
  for (const t of items) readStates[t.metadata.id] = { firstUnread: null, revision: `initial:${t.metadata.id}` };
  return {
    data: items.map((t) => toWireThread(t.metadata, {
      defaultModelProvider: ctx.defaultModelProvider,
      name: t.name,
      status: threadStatusOf(ctx, t.metadata.id),
      loaded: ctx.loaded.get(t.metadata.id) !== undefined,
      forList: true,
    })),
    readStates,
    nextCursor: more && last ? encodeNextCursor(last, query.sortKey) : null,
    backwardsCursor: first ? encodeBackwardsCursor(first, query.sortKey, query.sortDirection) : null,
  };
}
