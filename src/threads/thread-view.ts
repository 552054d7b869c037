// Turns stored thread metadata into the wire `Thread` (0.169 key order, every key present,
// explicit nulls) and the legacy `ConversationSummary`.

import type { Thread, ThreadStatus } from '../protocol/thread.ts';
import { wireSource } from '../model/session-source.ts';
import type { StoredSessionSource, ThreadMetadata } from '../model/thread-metadata.ts';

function parentThreadIdOf(source: StoredSessionSource): string | null {
  if (typeof source !== 'object' || source === null) return null;
  const sub = (source as Record<string, unknown>).subagent;
  if (sub && typeof sub === 'object' && 'thread_spawn' in sub) {
    const spawn = (sub as { thread_spawn?: { parent_thread_id?: unknown } }).thread_spawn;
    return typeof spawn?.parent_thread_id === 'string' ? spawn.parent_thread_id : null;
  }
  return null;
}

export interface ThreadViewOptions {
  defaultModelProvider: string;
  name: string | null;
  status: ThreadStatus;
  /** List rows leave `forkedFromId`, `threadSource` and `canAcceptDirectInput` null, as Codex 0.169 does; `thread/read` sets them. */
  forList?: boolean;
  ephemeral?: boolean;
  /** A thread loaded in this server has environments and accepts direct input. */
  loaded?: boolean;
  path?: string | null;
}

export function toWireThread(meta: ThreadMetadata, options: ThreadViewOptions): Thread {
  const loaded = options.loaded === true;
  const git = meta.git && (meta.git.sha !== null || meta.git.branch !== null || meta.git.originUrl !== null) ? meta.git : null;
  return {
    id: meta.id,
    environments: loaded ? [{ environmentId: 'local', cwd: meta.cwd, runtimeWorkspaceRoots: [meta.cwd] }] : null,
    extra: null,
    sessionId: meta.sessionId ?? meta.id,
    forkedFromId: options.forList ? null : meta.forkedFromId,
    attachedToThreadId: null,
    parentThreadId: parentThreadIdOf(meta.source),
    preview: meta.preview,
    ephemeral: options.ephemeral === true,
    section: null,
    sectionEnteredAt: null,
    projectId: null,
    historyMode: meta.historyMode,
    modelProvider: meta.modelProvider ?? options.defaultModelProvider,
    model: meta.model,
    reasoningEffort: meta.reasoningEffort,
    createdAt: meta.createdAt,
    updatedAt: meta.updatedAt,
    recencyAt: meta.recencyAt ?? meta.updatedAt,
    status: options.status,
    path: options.path !== undefined ? options.path : meta.rolloutPath,
    cwd: meta.cwd,
    cliVersion: meta.cliVersion,
    originator: meta.originator,
    source: wireSource(meta.source),
    canAcceptDirectInput: loaded && !options.forList ? true : null,
    threadSource: options.forList ? null : meta.threadSource,
    agentNickname: meta.agentNickname,
    agentRole: meta.agentRole,
    gitInfo: git ? { sha: git.sha, branch: git.branch, originUrl: git.originUrl } : null,
    name: options.name,
    daybreakEnabled: null,
    turns: [],
  };
}
