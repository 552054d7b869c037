// Mutations of stored threads. Each writes the rollout side first (move, delete, session_index
// append), then the index, then Codex's own databases when the home has them, so a failure half-way
// leaves the files authoritative and the next read repairs the rows.

import { stat } from 'node:fs/promises';
import { invalidRequest } from '../errors.ts';
import { logger } from '../logs/logger.ts';
import type { GitInfoPatch } from '../protocol/thread-mutations.ts';
import type { Thread } from '../protocol/thread.ts';
import { appendThreadName } from '../rollout/session-index.ts';
import { archiveRollout, deleteRollout, unarchiveRollout } from '../rollout/writer.ts';
import type { ThreadContext } from './context.ts';
import { indexRollout, locateThread } from './locate.ts';
import { withThreadLock } from './locks.ts';
import { wireThreadFor } from './read-thread.ts';
import { parseThreadId } from './thread-id.ts';

const log = logger('threads.mutations');

async function requireRollout(ctx: ThreadContext, id: string) {
  const located = await locateThread(ctx, id);
  if (!located) throw invalidRequest(`no rollout found for thread id ${id}`);
  return located;
}

export async function archiveThread(ctx: ThreadContext, threadIdText: string): Promise<string> {
  const id = parseThreadId(threadIdText);
  return withThreadLock(id, async () => {
    const located = await requireRollout(ctx, id);
    if (located.metadata.archived) throw invalidRequest(`no rollout found for thread id ${id}`);
    const path = await archiveRollout(ctx.codexHome, located.metadata.rolloutPath);
    ctx.loaded.delete(id);
    const moved = await stat(path);
    const archivedAt = Math.floor(Date.now() / 1000);
    await indexRollout(ctx, path, { archived: true, archivedAt, updatedAt: Math.floor(moved.mtimeMs / 1000) });
    ctx.codexDb?.threadArchived(id, path, archivedAt, moved.mtimeMs);
    return id;
  });
}

export async function unarchiveThread(ctx: ThreadContext, threadIdText: string): Promise<Thread> {
  const id = parseThreadId(threadIdText);
  return withThreadLock(id, async () => {
    const located = await locateThread(ctx, id);
    if (!located || !located.metadata.archived) throw invalidRequest(`no archived rollout found for thread id ${id}`);
    const path = await unarchiveRollout(ctx.codexHome, located.metadata.rolloutPath);
    const meta = await indexRollout(ctx, path, { archived: false, archivedAt: null });
    if (!meta) throw invalidRequest(`no archived rollout found for thread id ${id}`);
    ctx.codexDb?.threadUnarchived(id, path, (await stat(path)).mtimeMs);
    return wireThreadFor(ctx, { metadata: meta, name: located.name });
  });
}

export async function deleteThread(ctx: ThreadContext, threadIdText: string): Promise<string> {
  const id = parseThreadId(threadIdText);
  return withThreadLock(id, async () => {
    const located = await requireRollout(ctx, id);
    ctx.loaded.delete(id);
    await deleteRollout(ctx.codexHome, located.metadata.rolloutPath);
    try {
      await ctx.store?.forgetMemory(id);
    } catch (err) {
      // The thread is gone either way; a rebuild never restores memory for a missing thread.
      log.warn('could not journal the deletion of a thread memory', { threadId: id, error: String(err) });
    }
    ctx.store?.deleteThread(id);
    ctx.codexDb?.threadDeleted(id);
    return id;
  });
}

export interface RenameOutcome {
  threadId: string;
  name: string;
}

export async function setThreadName(ctx: ThreadContext, threadIdText: string, rawName: string): Promise<RenameOutcome> {
  const id = parseThreadId(threadIdText);
  const name = rawName.trim();
  if (name === '') throw invalidRequest('thread name must not be empty');
  return withThreadLock(id, async () => {
    const loaded = ctx.loaded.get(id);
    if (!(loaded && !loaded.materialized)) await requireRollout(ctx, id);
    await appendThreadName(ctx.codexHome, id, name);
    ctx.store?.setName(id, name);
    ctx.codexDb?.threadRenamed(id, name);
    if (loaded) loaded.name = name;
    return { threadId: id, name };
  });
}

function patchValue(value: string | null | undefined, field: string): string | null | undefined {
  if (value === undefined || value === null) return value;
  const trimmed = value.trim();
  if (trimmed === '') throw invalidRequest(`gitInfo.${field} must not be empty`);
  return trimmed;
}

export async function updateThreadMetadata(ctx: ThreadContext, threadIdText: string, gitInfo: GitInfoPatch | null | undefined): Promise<Thread> {
  const id = parseThreadId(threadIdText);
  if (gitInfo === undefined || gitInfo === null) throw invalidRequest('thread metadata update must include at least one field');
  const patch = {
    sha: patchValue(gitInfo.sha, 'sha'),
    branch: patchValue(gitInfo.branch, 'branch'),
    originUrl: patchValue(gitInfo.originUrl, 'originUrl'),
  };
  if (gitInfo.sha === undefined && gitInfo.branch === undefined && gitInfo.originUrl === undefined) {
    throw invalidRequest('gitInfo must include at least one field');
  }
  return withThreadLock(id, async () => {
    await requireRollout(ctx, id);
    if (!ctx.store) throw invalidRequest('thread metadata cannot be updated: the state database is unavailable');
    ctx.store.setGit(id, patch);
    ctx.codexDb?.threadGitUpdated(id, patch);
    const stored = ctx.store.getThread(id);
    if (!stored) throw invalidRequest(`no rollout found for thread id ${id}`);
    return wireThreadFor(ctx, stored);
  });
}
