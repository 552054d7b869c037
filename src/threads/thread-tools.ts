// A thread's dynamic tools for `thread/dynamicTools/list` and resume: from memory while the thread
// is not on disk yet, else the index; when the index has lost them, from the rollout's first
// session_meta, which then repairs the index.

import type { DynamicToolSpec, ThreadMetadata } from '../model/thread-metadata.ts';
import { extractThreadMetadata } from '../rollout/extract.ts';
import type { ThreadContext } from './context.ts';
import { requireThread } from './require-thread.ts';
import { parseThreadId } from './thread-id.ts';

/**
 * The tools of a located thread. `meta.dynamicTools` is what the index row said: null when the
 * thread declared none, the stored tools otherwise, and an empty list when the row says it has
 * tools but the table holds none (then the rollout is read and the rows written again).
 */
export async function dynamicToolsOf(ctx: ThreadContext, meta: ThreadMetadata): Promise<DynamicToolSpec[]> {
  if (meta.dynamicTools === null) return [];
  if (meta.dynamicTools.length > 0) return meta.dynamicTools;
  const fromRollout = (await extractThreadMetadata(meta.rolloutPath, { codexHome: ctx.codexHome })).metadata?.dynamicTools ?? null;
  if (!fromRollout || fromRollout.length === 0) return [];
  if (ctx.store) {
    ctx.store.discrepancies.record('dynamic_tools', 'tools_missing_from_index', { threadId: meta.id, path: meta.rolloutPath });
    try {
      ctx.store.insertDynamicTools(meta.id, fromRollout);
    } catch {
      // The rollout answered; the next read tries the repair again.
    }
  }
  return fromRollout;
}

/** `thread/dynamicTools/list`: the canonical tagged tools in declared order. */
export async function listDynamicTools(ctx: ThreadContext, threadIdText: string): Promise<DynamicToolSpec[]> {
  const id = parseThreadId(threadIdText);
  const loaded = ctx.loaded.get(id);
  if (loaded && !loaded.materialized) return loaded.metadata.dynamicTools ?? [];
  const located = await requireThread(ctx, id, 'read');
  return dynamicToolsOf(ctx, located.metadata);
}
