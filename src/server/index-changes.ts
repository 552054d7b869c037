// `thread/index/changed`: the live index's changes, coalesced over a short window into one
// notification with one entry per thread, broadcast to the connections that opted in.

import type { ChangeListener } from '../indexing/live-index.ts';
import type { ThreadChange, ThreadChangeKind } from '../indexing/live-apply.ts';
import type { ThreadIndexChange } from '../protocol/notifications.ts';
import type { Notifier } from './notifier.ts';

export const INDEX_CHANGED_METHOD = 'thread/index/changed';
export const COALESCE_MS = 50;

/** What a client should do with two changes of one thread in a row: appeared then changed is still new. */
function merge(before: ThreadChangeKind, after: ThreadChangeKind): ThreadChangeKind {
  if (before === 'appeared' && after !== 'disappeared') return 'appeared';
  if (before === 'disappeared' && after !== 'disappeared') return 'appeared';
  if (before === 'moved' && after === 'changed') return 'moved';
  return after;
}

export function indexChangeForwarder(notifier: Notifier, windowMs = COALESCE_MS): ChangeListener {
  let pending = new Map<string, ThreadIndexChange>();
  let timer: NodeJS.Timeout | null = null;
  const send = (): void => {
    timer = null;
    const changes = [...pending.values()];
    pending = new Map();
    if (changes.length > 0) notifier.broadcast(INDEX_CHANGED_METHOD, { changes });
  };
  return (changes: ThreadChange[]) => {
    for (const c of changes) {
      const before = pending.get(c.threadId);
      pending.set(c.threadId, { threadId: c.threadId, change: before ? merge(before.change, c.kind) : c.kind, archived: c.archived });
    }
    timer ??= setTimeout(send, windowMs);
  };
}
