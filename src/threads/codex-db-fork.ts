// The Codex-database side of `thread/fork` (docs/codex-databases.md), called by the fork service once
// the fork's rollout is on disk and indexed.

import type { ThreadMetadata } from '../model/thread-metadata.ts';
import type { CodexDbOutcome } from '../codex-db/sync.ts';
import { nextLineOrdinal } from '../rollout/ordinals.ts';
import type { ThreadContext } from './context.ts';

/** `name`: the name threadstate gave the fork (the parent's, in session_index.jsonl). */
export async function recordForkInCodexDb(ctx: ThreadContext, fork: ThreadMetadata, parentId: string, name: string | null): Promise<CodexDbOutcome | null> {
  if (!ctx.codexDb) return null;
  let projection: { byteOffset: number; nextOrdinal: number } | null = null;
  if (fork.historyMode === 'paginated') {
    const nextOrdinal = await nextLineOrdinal(fork.rolloutPath);
    if (nextOrdinal !== null) projection = { byteOffset: fork.fingerprint.size, nextOrdinal };
  }
  return ctx.codexDb.threadForked(fork, parentId, { defaultModelProvider: ctx.defaultModelProvider, name, projection });
}
