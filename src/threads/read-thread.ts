// Reading one thread: metadata (index first, rollout fallback), turns rebuilt from the rollout by
// the streaming reader, pages of turns and items, and the legacy conversation summary.

import { DomainError, invalidInput, ioFailure, notFound, unsupported } from '../errors.ts';
import type { ConversationSummary } from '../protocol/summary.ts';
import type { ReadState, Thread } from '../protocol/thread.ts';
import type { Turn } from '../protocol/turn.ts';
import { buildHistory } from '../rollout/history.ts';
import { RolloutReadError } from '../rollout/reader.ts';
import { resolveInsideHome } from '../rollout/paths.ts';
import type { SpillScope } from '../rollout/spilled-text.ts';
import type { ThreadMetadata } from '../model/thread-metadata.ts';
import type { ThreadContext } from './context.ts';
import { findRolloutFile, indexRollout, locateThread, type LocatedThread } from './locate.ts';
import { requireThread, unknownThread } from './require-thread.ts';
import { threadStatusOf } from './status.ts';
import { parseThreadId } from './thread-id.ts';
import { toWireThread } from './thread-view.ts';

function requireSessionMeta(meta: ThreadMetadata): void {
  if (!meta.hasSessionMeta) {
    throw ioFailure(
      `failed to read thread: thread-store internal error: failed to read session metadata ${meta.rolloutPath}: rollout at ${meta.rolloutPath} is empty`,
    );
  }
}

/** How often a read follows a thread that moved (archive/unarchive) between locating and opening it. */
const MOVE_RETRIES = 2;

/**
 * The thread's turns and the metadata they were read with; with `spill`, long strings stay in the
 * rollout until the answer is written. Reads do not queue behind mutations, so the file located a
 * moment ago may have been archived, unarchived or deleted since: a vanished file is located again
 * and read at its new place, and a thread deleted meanwhile answers `gone()` (Codex's not-found
 * answer of the calling method), never an internal error.
 */
export async function readTurns(ctx: ThreadContext, meta: ThreadMetadata, spill?: SpillScope, gone: () => DomainError = () => unknownThread(meta.id, 'read')): Promise<{ metadata: ThreadMetadata; turns: Turn[] }> {
  requireSessionMeta(meta);
  for (let attempt = 0; ; attempt++) {
    try {
      const history = await buildHistory(meta.rolloutPath, {
        spill,
        resolveThreadPath: async (parentId) => {
          const parent = await locateThread(ctx, parentId);
          return parent?.metadata.rolloutPath ?? (await findRolloutFile(ctx.codexHome, parentId));
        },
      });
      return { metadata: meta, turns: history.turns };
    } catch (err) {
      if (err instanceof DomainError) throw err;
      if (!(err instanceof RolloutReadError && err.code === 'ENOENT' && err.path === meta.rolloutPath) || attempt >= MOVE_RETRIES) {
        throw ioFailure(`failed to read thread: ${(err as Error).message}`);
      }
      const relocated = await locateThread(ctx, meta.id);
      if (!relocated) throw gone();
      meta = relocated.metadata;
      requireSessionMeta(meta);
    }
  }
}

export async function turnsOf(ctx: ThreadContext, meta: ThreadMetadata, spill?: SpillScope, gone?: () => DomainError): Promise<Turn[]> {
  return (await readTurns(ctx, meta, spill, gone)).turns;
}

export function wireThreadFor(ctx: ThreadContext, located: LocatedThread, turns: Turn[] = []): Thread {
  const loaded = ctx.loaded.get(located.metadata.id);
  const thread = toWireThread(located.metadata, {
    defaultModelProvider: ctx.defaultModelProvider,
    name: located.name,
    status: threadStatusOf(ctx, located.metadata.id),
    loaded: loaded !== undefined,
    ephemeral: loaded?.ephemeral,
  });
  thread.turns = turns;
  return thread;
}

export function initialReadState(threadId: string): ReadState {
  return { firstUnread: null, revision: `initial:${threadId}` };
}

export interface ReadResult {
  thread: Thread;
  readState: ReadState;
  /** Full turns of a paginated thread were returned: Codex announces that this is deprecated. */
  deprecated: boolean;
}

export async function readThread(ctx: ThreadContext, threadIdText: string, includeTurns: boolean, spill?: SpillScope): Promise<ReadResult> {
  const id = parseThreadId(threadIdText);
  const loaded = ctx.loaded.get(id);
  if (loaded && !loaded.materialized) {
    if (includeTurns) {
      if (loaded.ephemeral) throw invalidInput('ephemeral threads do not support includeTurns');
      throw unsupported('list_turns is not supported yet');
    }
    return { thread: wireThreadFor(ctx, { metadata: loaded.metadata, name: loaded.name }), readState: initialReadState(id), deprecated: false };
  }
  const located = await requireThread(ctx, id, 'read');
  // turnsOf checks the session_meta itself.
  if (!includeTurns) requireSessionMeta(located.metadata);
  const read = includeTurns ? await readTurns(ctx, located.metadata, spill) : { metadata: located.metadata, turns: [] };
  const turns = read.turns;
  return {
    thread: wireThreadFor(ctx, { ...located, metadata: read.metadata }, turns),
    readState: initialReadState(id),
    deprecated: includeTurns && located.metadata.historyMode === 'paginated',
  };
}

export const DEPRECATION_SUMMARY =
  'Full-history hydration is deprecated for paginated threads; omit `includeTurns` or set it to `false`, then page with `thread/turns/list` and `thread/items/list`.';

/** The legacy v1 summary, by id or by a rollout path inside the home. */
export async function conversationSummary(ctx: ThreadContext, params: { conversationId?: string; rolloutPath?: string }): Promise<ConversationSummary> {
  let located: LocatedThread | null;
  if (params.conversationId !== undefined) {
    const id = parseThreadId(params.conversationId);
    located = await locateThread(ctx, id);
    if (!located) throw unknownThread(id, 'conversation');
  } else {
    const path = await resolveInsideHome(ctx.codexHome, params.rolloutPath ?? '');
    if (!path) throw invalidInput(`rollout path ${params.rolloutPath} is outside the Codex home`);
    const stored = ctx.store?.getThreadByPath(path);
    located = stored ? { metadata: stored.metadata, name: stored.name } : null;
    if (!located) {
      const meta = await indexRollout(ctx, path);
      if (!meta) throw notFound(`no rollout found at ${params.rolloutPath}`);
      located = { metadata: meta, name: null };
    }
  }
  const meta = located.metadata;
  requireSessionMeta(meta);
  const git = meta.git;
  return {
    conversationId: meta.id,
    path: meta.rolloutPath,
    preview: meta.preview,
    timestamp: new Date(meta.createdAtMs).toISOString(),
    updatedAt: new Date(meta.updatedAtMs).toISOString(),
    modelProvider: meta.modelProvider ?? ctx.defaultModelProvider,
    cwd: meta.cwd,
    cliVersion: meta.cliVersion,
    source: meta.source as ConversationSummary['source'],
    gitInfo: git ? { sha: git.sha, branch: git.branch, origin_url: git.originUrl } : null,
  };
}
