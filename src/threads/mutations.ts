// Mutations of stored threads. Each writes the rollout side first (move, delete, session_index
// append, a fork's new file, a resume's settings line), then the index, then Codex's own databases
// when the home has them, so a failure half-way leaves the files authoritative and the next read
// repairs the rows. Two mutations of one thread
// never interleave: the dispatcher runs them one at a time per thread (`serialize: 'thread'` in
// protocol/methods.ts).

import { stat } from 'node:fs/promises';
import { conflict, invalidInput, unavailable } from '../errors.ts';
import { logger } from '../logs/logger.ts';
import type { GitInfoPatch } from '../protocol/thread-mutations.ts';
import type { Thread } from '../protocol/thread.ts';
import { threadSettingsLine, writeForkRollout, type ThreadSettings } from '../rollout/fork-writer.ts';
import { resolveInsideHome } from '../rollout/paths.ts';
import { appendThreadName } from '../rollout/session-index.ts';
import type { ThreadMetadata } from '../model/thread-metadata.ts';
import { appendRolloutLines, archiveRollout, deleteRollout, unarchiveRollout } from '../rollout/writer.ts';
import type { ThreadContext } from './context.ts';
import { indexRollout, locateThread, type LocatedThread } from './locate.ts';
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
  const archivedAt = Math.floor(Date.now() / 1000);
  await indexRollout(ctx, path, { archived: true, archivedAt, updatedAt: Math.floor(moved.mtimeMs / 1000) });
  ctx.codexDb?.threadArchived(id, path, archivedAt, moved.mtimeMs);
  return id;
}

export async function unarchiveThread(ctx: ThreadContext, threadIdText: string): Promise<Thread> {
  const id = parseThreadId(threadIdText);
  const located = await locateThread(ctx, id);
  if (!located || !located.metadata.archived) throw unknownThread(id, 'archivedRollout');
  const path = await unarchiveRollout(ctx.codexHome, located.metadata.rolloutPath);
  const meta = await indexRollout(ctx, path, { archived: false, archivedAt: null });
  if (!meta) throw unknownThread(id, 'archivedRollout');
  ctx.codexDb?.threadUnarchived(id, path, (await stat(path)).mtimeMs);
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
  ctx.codexDb?.threadDeleted(id);
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
  ctx.codexDb?.threadRenamed(id, name);
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
  ctx.codexDb?.threadGitUpdated(id, patch);
  const stored = ctx.store.getThread(id);
  if (!stored) throw unknownThread(id, 'rollout');
  return wireThreadFor(ctx, stored);
}

/** Codex's refusal to load an archived thread (resume, fork). */
export function archivedSessionError(id: string): Error {
  return conflict(`session ${id} is archived. Run \`codex unarchive ${id}\` to unarchive it first.`);
}

/**
 * What Codex writes when it resumes an older-format thread: the settings it loaded the thread
 * with, appended to the rollout, so the thread's `updatedAt` moves and it rises in `updated_at`
 * order. A 0.169 thread's resume writes nothing. Returns the re-indexed metadata.
 */
export async function recordResumeSettings(ctx: ThreadContext, meta: ThreadMetadata, settings: ThreadSettings, name: string | null): Promise<ThreadMetadata> {
  if (meta.historyMode === 'paginated') return meta;
  // A rollout reached through a link in sessions/ may resolve outside the home: never append there.
  if (!(await resolveInsideHome(ctx.codexHome, meta.rolloutPath))) return meta;
  await appendRolloutLines(meta.rolloutPath, [threadSettingsLine(meta.id, settings, new Date())]);
  const updated = await indexRollout(ctx, meta.rolloutPath, {}, name);
  if (!updated) return meta;
  // Codex moves the row's updated_at when it resumes such a thread (observed).
  ctx.codexDb?.threadAppended(updated);
  return updated;
}

export interface ForkWrite {
  parent: LocatedThread;
  id: string;
  createdAt: Date;
  settings: ThreadSettings;
}

/**
 * Writes a fork of a stored thread: its rollout (rollout/fork-writer.ts), the parent's name for it
 * in session_index.jsonl, and its index row. Returns the new thread's metadata.
 */
export async function writeFork(ctx: ThreadContext, fork: ForkWrite): Promise<ThreadMetadata> {
  const parent = fork.parent.metadata;
  const path = await writeForkRollout(ctx.codexHome, {
    id: fork.id, createdAt: fork.createdAt, parentId: parent.id, parentPath: parent.rolloutPath, settings: fork.settings,
  });
  if (fork.parent.name) await appendThreadName(ctx.codexHome, fork.id, fork.parent.name, fork.createdAt);
  const meta = await indexRollout(ctx, path, {}, fork.parent.name);
  if (!meta) throw unknownThread(fork.id, 'rollout');
  return meta;
}
