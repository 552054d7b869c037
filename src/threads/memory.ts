// Thread memory for the `thread/memory/*` methods. Memory belongs to a stored thread (one with a
// rollout and an index row); the index holds it and the journal in the home keeps it durable.

import { invalidInput, unavailable } from '../errors.ts';
import type { ThreadMemory } from '../protocol/memory.ts';
import type { StoredMemory } from '../state/memory.ts';
import type { StateStore } from '../store/store.ts';
import type { ThreadContext } from './context.ts';
import { clampLimit, normalizeCwd } from '../model/list-params.ts';
import { requireThread, unknownThread } from './require-thread.ts';
import { parseThreadId } from './thread-id.ts';

export const DEFAULT_MEMORY_LIMIT = 10;
export const MAX_MEMORY_LIMIT = 100;

function toWire(memory: StoredMemory): ThreadMemory {
  return {
    threadId: memory.threadId,
    traceSummary: memory.traceSummary,
    memorySummary: memory.memorySummary,
    updatedAt: Math.floor(memory.updatedAt / 1000),
  };
}

function requireStore(ctx: ThreadContext): StateStore {
  if (!ctx.store) throw unavailable('thread memory is unavailable: the threadstate index could not be opened');
  return ctx.store;
}

export async function readMemory(ctx: ThreadContext, threadIdText: string): Promise<ThreadMemory | null> {
  const id = parseThreadId(threadIdText);
  const store = requireStore(ctx);
  const stored = store.getMemory(id);
  if (stored) return toWire(stored);
  await requireThread(ctx, id, 'thread');
  return null;
}

export async function writeMemory(
  ctx: ThreadContext,
  params: { threadId: string; traceSummary: string; memorySummary: string },
): Promise<ThreadMemory> {
  const id = parseThreadId(params.threadId);
  const store = requireStore(ctx);
  // The thread's index row, read-repaired from its rollout when missing.
  await requireThread(ctx, id, 'thread');
  const stored = await store.writeMemory({ threadId: id, traceSummary: params.traceSummary, memorySummary: params.memorySummary });
  if (!stored) throw unknownThread(id, 'thread');
  return toWire(stored);
}

export function listRecentMemory(ctx: ThreadContext, cwd: string, limit: number | null | undefined): ThreadMemory[] {
  if (cwd.trim() === '') throw invalidInput('cwd must not be empty');
  const store = requireStore(ctx);
  return store.listRecentMemories(normalizeCwd(cwd), clampLimit(limit, DEFAULT_MEMORY_LIMIT, MAX_MEMORY_LIMIT)).map(toWire);
}
