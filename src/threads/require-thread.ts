// "This thread does not exist", in Codex's words. Codex 0.169 words it differently per method
// (wire-protocol.md §1.4 lists the answers; the fixture tests compare them), so each wording is
// named here once, with the methods that use it; the differences are Codex's, kept on purpose.

import { notFound, type DomainError } from '../errors.ts';
import type { ThreadContext } from './context.ts';
import { locateThread, type LocatedThread } from './locate.ts';

const UNKNOWN_THREAD = {
  /** `thread/read`, `thread/turns/list`, `thread/items/list`, `thread/dynamicTools/list`. */
  read: (id: string) => `thread not loaded: ${id}`,
  /** `thread/archive`, `thread/delete`, `thread/name/set`, `thread/metadata/update`, `thread/resume`, `thread/fork`. */
  rollout: (id: string) => `no rollout found for thread id ${id}`,
  /** `thread/unarchive` of a thread that is not archived. */
  archivedRollout: (id: string) => `no archived rollout found for thread id ${id}`,
  /** `getConversationSummary` by id. */
  conversation: (id: string) => `no rollout found for conversation id ${id}`,
  /** `thread/memory/*`, and `thread/inject_items` on a thread that is not loaded. */
  thread: (id: string) => `thread not found: ${id}`,
} as const;

export type UnknownThreadWording = keyof typeof UNKNOWN_THREAD;

export function unknownThread(id: string, wording: UnknownThreadWording): DomainError {
  return notFound(UNKNOWN_THREAD[wording](id));
}

/** The stored thread with this canonical id (index or files, see locate.ts), else a notFound error in the given wording. */
export async function requireThread(ctx: ThreadContext, id: string, wording: UnknownThreadWording): Promise<LocatedThread> {
  const located = await locateThread(ctx, id);
  if (!located) throw unknownThread(id, wording);
  return located;
}
