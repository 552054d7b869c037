// Mutations of stored threads. Each writes the rollout side first (move, delete, session_index
// append) and then the index, so a failure half-way leaves the files authoritative and the next
// read repairs the row. Two mutations of one thread never interleave: the dispatcher runs them one
// at a time per thread (`serialize: 'thread'` in protocol/methods.ts).

import { stat } from 'node:fs/promises';
import { invalidInput, unavailable } from '../errors.ts';
import { logger } from '../logs/logger.ts';
import type { GitInfoPatch } from '../protocol/thread-mutations.ts';
import type { Thread } from '../protocol/thread.ts';
import { appendThreadName } from '../rollout/session-index.ts';
import { archiveRollout, deleteRollout, unarchiveRollout } from '../rollout/writer.ts';
import type { ThreadContext } from './context.ts';
import { indexRollout, locateThread } from './locate.ts';
import { wireThreadFor } from './read-thread.ts';
import { requireThread, unknownThread } from './require-thread.ts';
import { parseThreadId } from './thread-id.ts';

const log = logger('threads.mutations');

export async function archiveThread(ctx: ThreadContext, threadIdText: string): Promise<string> {
  const id = parseThreadId(threadIdText);
  const located = await requireThread(ctx, id, 'rollout');
  if (located.metadata.archived) throw unknownThread(id, 'rollout');
  const path = await archiveRollout(ctx.codexHome, located.metadata.rolloutPath);
  ctx.loaded.delete(id);
  const moved = await stat(path);
  await indexRollout(ctx, path, { archived: true, archivedAt: Math.floor(Date.now() / 1000), updatedAt: Math.floor(moved.mtimeMs / 1000) });
  return id;
}

export async function unarchiveThread(ctx: ThreadContext, threadIdText: string): Promise<Thread> {
  const id = parseThreadId(threadIdText);
  const located = await locateThread(ctx, id);
  if (!located || !located.metadata.archived) throw unknownThread(id, 'archivedRollout');
  const path = await unarchiveRollout(ctx.codexHome, located.metadata.rolloutPath);
  const meta = await indexRollout(ctx, path, { archived: false, archivedAt: null });
  if (!meta) throw unknownThread(id, 'archivedRollout');
  return wireThreadFor(ctx, { metadata: meta, name: located.name });
}

export async function deleteThread(ctx: ThreadContext, threadIdText: string): Promise<string> {
  const id = parseThreadId(threadIdText);
  const located = await requireThread(ctx, id, 'rollout');
  ctx.loaded.delete(id);
  await deleteRollout(ctx.codexHome, located.metadata.rolloutPath);
  try {
    await ctx.store?.forgetMemory(id);
  } catch (err) {
    // The thread is gone either way; a rebuild never restores memory for a missing thread.
    log.warn('could not journal the deletion of a thread memory', { threadId: id, error: String(err) });
  }
  ctx.store?.deleteThread(id);
  return id;
}

export interface RenameOutcome {
  threadId: string;
  name: string;
}

export async function setThreadName(ctx: ThreadContext, threadIdText: string, rawName: string): Promise<RenameOutcome> {
  const id = parseThreadId(threadIdText);
  const name = rawName.trim();
  if (name === '') throw invalidInput('thread name must not be empty');
  const loaded = ctx.loaded.get(id);
  if (!(loaded && !loaded.materialized)) await requireThread(ctx, id, 'rollout');
  await appendThreadName(ctx.codexHome, id, name);
  ctx.store?.setName(id, name);
  if (loaded) loaded.name = name;
  return { threadId: id, name };
}

function patchValue(value: string | null | undefined, field: string): string | null | undefined {
  if (value === undefined || value === null) return value;
  const trimmed = value.trim();
  if (trimmed === '') throw invalidInput(`gitInfo.${field} must not be empty`);
  return trimmed;
}

export async function updateThreadMetadata(ctx: ThreadContext, threadIdText: string, gitInfo: GitInfoPatch | null | undefined): Promise<Thread> {
  const id = parseThreadId(threadIdText);
  if (gitInfo === undefined || gitInfo === null) throw invalidInput('thread metadata update must include at least one field');
  const patch = {
    sha: patchValue(gitInfo.sha, 'sha'),
    branch: patchValue(gitInfo.branch, 'branch'),
    originUrl: patchValue(gitInfo.originUrl, 'originUrl'),
  };
  if (gitInfo.sha === undefined && gitInfo.branch === undefined && gitInfo.originUrl === undefined) {
    throw invalidInput('gitInfo must include at least one field');
  }
  await requireThread(ctx, id, 'rollout');
  if (!ctx.store) throw unavailable('thread metadata cannot be updated: the state database is unavailable');
  ctx.store.setGit(id, patch);
  const stored = ctx.store.getThread(id);
  if (!stored) throw unknownThread(id, 'rollout');
  return wireThreadFor(ctx, stored);
}
