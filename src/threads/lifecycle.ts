// Loading threads into this server: `thread/start` (a new thread, written to disk with its first
// items), `thread/resume`, `thread/inject_items`, `thread/loaded/list`, `thread/unsubscribe`.

import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { invalidInput, notFound } from '../errors.ts';
import type { AskForApproval, SandboxPolicy, ThreadResumeParams, ThreadResumeResponse, ThreadStartParams, ThreadStartResponse } from '../protocol/thread-lifecycle.ts';
import type { Thread } from '../protocol/thread.ts';
import { extractThreadMetadata } from '../rollout/extract.ts';
import { activeRolloutPath, resolveInsideHome } from '../rollout/paths.ts';
import type { RolloutLine } from '../rollout/lines.ts';
import { nextLineOrdinal, withOrdinals } from '../rollout/ordinals.ts';
import type { SpillScope } from '../rollout/spilled-text.ts';
import type { DynamicToolSpec, ThreadMetadata } from '../model/thread-metadata.ts';
import { appendRolloutLines, createRollout, newThreadId, responseItemLine, rolloutTimestamp, type RolloutInit } from '../rollout/writer.ts';
import { VERSION } from '../version.ts';
import type { ThreadContext } from './context.ts';
import { validateDynamicTools } from './dynamic-tools.ts';
import { clampLimit } from '../model/list-params.ts';
import type { LoadedThread } from './loaded.ts';
import { indexRollout } from './locate.ts';
import { dynamicToolsOf } from './thread-tools.ts';
import { turnsOf, wireThreadFor } from './read-thread.ts';
import { requireThread, unknownThread } from './require-thread.ts';
import { resumeCursors } from './history-pages.ts';
import type { LocatedThread } from './locate.ts';
import { archivedSessionError, recordResumeSettings } from './mutations.ts';
import { parseThreadId } from './thread-id.ts';

type SandboxMode = 'read-only' | 'workspace-write' | 'danger-full-access';

const APPROVAL_MODES = new Set(['untrusted', 'on-failure', 'on-request', 'never']);

/** The approval policy a thread last ran with (`never` for `codex exec` threads), else `on-request`. */
export function recordedApprovalPolicy(meta: ThreadMetadata): AskForApproval {
  const mode = meta.approvalMode;
  if (mode === null) return 'on-request';
  if (APPROVAL_MODES.has(mode)) return mode as AskForApproval;
  try {
    const value: unknown = JSON.parse(mode);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as AskForApproval;
  } catch {
    // a policy this version does not know: fall back
  }
  return 'on-request';
}

/** The collaboration mode a loaded thread reports (Codex's default mode, with the thread's model). */
export function collaborationMode(model: string): Record<string, unknown> {
  return { mode: 'default', settings: { model, reasoning_effort: null, developer_instructions: null } };
}

function sandboxPolicy(mode: SandboxMode, cwd: string): SandboxPolicy {
  switch (mode) {
    case 'danger-full-access': return { type: 'dangerFullAccess' };
    case 'workspace-write': return { type: 'workspaceWrite', writableRoots: [cwd], networkAccess: false, excludeTmpdirEnvVar: false, excludeSlashTmp: false };
    default: return { type: 'readOnly', networkAccess: false };
  }
}

export interface SessionConfig {
  model: string;
  modelProvider: string;
  cwd: string;
  approvalPolicy: AskForApproval;
  sandbox: SandboxMode;
}

export function sessionConfiguration(thread: Thread, config: SessionConfig): ThreadStartResponse {
  return {
    thread,
    model: config.model,
    modelProvider: config.modelProvider,
    serviceTier: null,
    disabledPluginIds: [],
    cwd: config.cwd,
    runtimeWorkspaceRoots: [config.cwd],
    instructionSources: [],
    approvalPolicy: config.approvalPolicy,
    approvalsReviewer: 'user',
    sandbox: sandboxPolicy(config.sandbox, config.cwd),
    activePermissionProfile: { id: `:${config.sandbox}`, extends: null },
    reasoningEffort: null,
    multiAgentMode: 'explicitRequestOnly',
  };
}

/** The metadata of a thread that exists only in memory so far. */
function pendingMetadata(id: string, createdAt: Date, init: RolloutInit, path: string, model: string): ThreadMetadata {
  const seconds = Math.floor(createdAt.getTime() / 1000);
  return {
    id, rolloutPath: path, createdAt: seconds, createdAtMs: createdAt.getTime(), updatedAt: seconds, updatedAtMs: createdAt.getTime(),
    recencyAt: seconds, source: init.source ?? 'vscode', modelProvider: init.modelProvider ?? null, model, reasoningEffort: null,
    cwd: init.cwd, cliVersion: VERSION, originator: init.originator ?? null, firstUserMessage: '', preview: '', title: '',
    git: null, tokensUsed: 0, archived: false, archivedAt: null, forkedFromId: null, sessionId: id, agentNickname: null,
    agentRole: null, agentPath: null, threadSource: init.threadSource ?? null, historyMode: 'legacy', approvalMode: null,
    sandboxPolicy: null, dynamicTools: init.dynamicTools ?? null, hasSessionMeta: false, hasUserMessage: false,
    fingerprint: { size: 0, mtimeMs: 0 },
  };
}

export interface StartOutcome {
  response: ThreadStartResponse;
  threadId: string;
}

export function startThread(ctx: ThreadContext, params: ThreadStartParams, originator: string | null): StartOutcome {
  let dynamicTools: DynamicToolSpec[] | null = null;
  if (params.dynamicTools !== undefined && params.dynamicTools !== null) dynamicTools = validateDynamicTools(params.dynamicTools as unknown[]);
  const id = newThreadId();
  const createdAt = new Date();
  const cwd = resolve(params.cwd ?? process.cwd());
  const modelProvider = params.modelProvider ?? ctx.defaultModelProvider;
  const model = params.model ?? ctx.defaultModel;
  const ephemeral = params.ephemeral === true;
  const init: RolloutInit = {
    id, createdAt, cwd, originator: originator ?? undefined, source: 'vscode', modelProvider,
    baseInstructions: params.baseInstructions ?? null, dynamicTools, threadSource: params.threadSource ?? null,
  };
  const path = activeRolloutPath(ctx.codexHome, id, createdAt);
  const loaded: LoadedThread = {
    id, metadata: pendingMetadata(id, createdAt, init, path, model), name: null, materialized: false, ephemeral, init: ephemeral ? null : init,
  };
  ctx.loaded.set(loaded);
  const thread = wireThreadFor(ctx, { metadata: loaded.metadata, name: null });
  if (ephemeral) thread.path = null;
  thread.ephemeral = ephemeral;
  const response = sessionConfiguration(thread, {
    model, modelProvider, cwd, approvalPolicy: params.approvalPolicy ?? 'on-request', sandbox: params.sandbox ?? 'read-only',
  });
  return { response, threadId: id };
}

type SettingsParams = Pick<ThreadResumeParams, 'model' | 'modelProvider' | 'cwd' | 'approvalPolicy' | 'sandbox'>;

/** The settings a stored thread is loaded with (resume, fork): the client's overrides, else what the thread last ran with. */
export function loadSettings(ctx: ThreadContext, meta: ThreadMetadata, params: SettingsParams): SessionConfig {
  return {
    model: params.model ?? meta.model ?? ctx.defaultModel,
    modelProvider: params.modelProvider ?? meta.modelProvider ?? ctx.defaultModelProvider,
    cwd: params.cwd ? resolve(params.cwd) : meta.cwd,
    approvalPolicy: params.approvalPolicy ?? recordedApprovalPolicy(meta),
    sandbox: params.sandbox ?? 'read-only',
  };
}

export interface ResumeOutcome {
  response: ThreadResumeResponse;
  threadId: string;
  deprecated: boolean;
}

async function resumeTarget(ctx: ThreadContext, params: ThreadResumeParams): Promise<string> {
  if (params.path !== undefined && params.path !== null) {
    const path = await resolveInsideHome(ctx.codexHome, params.path);
    if (!path) throw invalidInput(`rollout path ${params.path} is outside the Codex home`);
    const extracted = await extractThreadMetadata(path, { codexHome: ctx.codexHome });
    if (!extracted.metadata || !extracted.metadata.hasSessionMeta) throw notFound(`no rollout found at ${params.path}`);
    return extracted.metadata.id;
  }
  return parseThreadId(params.threadId, 'session');
}

export async function resumeThread(ctx: ThreadContext, params: ThreadResumeParams, spill?: SpillScope): Promise<ResumeOutcome> {
  const id = await resumeTarget(ctx, params);
  const already = ctx.loaded.get(id);
  let located: LocatedThread;
  if (already && !already.materialized) {
    located = { metadata: already.metadata, name: already.name };
  } else {
    located = await requireThread(ctx, id, 'rollout');
    if (located.metadata.archived) throw archivedSessionError(id);
    // The loaded thread keeps its declared tools (re-read from the rollout if the index lost them).
    const tools = await dynamicToolsOf(ctx, located.metadata);
    located = { ...located, metadata: { ...located.metadata, dynamicTools: tools.length > 0 ? tools : null } };
    ctx.loaded.set({ id, metadata: located.metadata, name: located.name, materialized: true, ephemeral: false, init: null });
  }
  const meta = located.metadata;
  const paginated = meta.historyMode === 'paginated';
  // A 0.169 thread's cursors name its newest turn and item, so its turns are read even when excluded.
  const turns = meta.hasSessionMeta && (params.excludeTurns !== true || paginated) ? await turnsOf(ctx, meta, spill) : [];
  const thread = wireThreadFor(ctx, located, params.excludeTurns === true ? [] : turns);
  // Without Codex's database, an older-format thread's resume reports its creation as its update.
  if (!paginated) thread.updatedAt = thread.createdAt;
  const settings = loadSettings(ctx, meta, params);
  const base = sessionConfiguration(thread, settings);
  if (!already && meta.hasSessionMeta) {
    const updated = await recordResumeSettings(ctx, meta, settings, located.name);
    const loaded = ctx.loaded.get(id);
    if (loaded) loaded.metadata = { ...updated, dynamicTools: meta.dynamicTools };
  }
  return {
    threadId: id,
    deprecated: params.excludeTurns !== true && turns.length > 0 && paginated,
    response: {
      ...base,
      collaborationMode: collaborationMode(settings.model),
      initialTurnsPage: null,
      ...resumeCursors(id, turns),
    },
  };
}

// Context that Codex injects as user-role messages; it never counts as what the user said.
const CONTEXT_PREFIXES = ['<environment_context>', '# agents.md instructions', '<user_instructions>', '<turn_aborted>', '<permissions instructions>', '<skills_instructions>', '<tools>'];

function messageText(item: Record<string, unknown>, partType: string): string | null {
  if (!Array.isArray(item.content)) return null;
  const parts = item.content.filter((p): p is { type: string; text: string } => !!p && typeof p === 'object' && (p as { type?: unknown }).type === partType && typeof (p as { text?: unknown }).text === 'string');
  return parts.length > 0 ? parts.map((p) => p.text).join('') : null;
}

/**
 * The rollout lines for injected items: each item as a `response_item`, plus the event Codex's
 * history and titles read for user prompts and assistant answers (docs/rollout-format.md §10).
 */
export function injectedLines(items: Record<string, unknown>[], at: Date = new Date()): RolloutLine[] {
  const lines: RolloutLine[] = [];
  for (const item of items) {
    lines.push(responseItemLine(item, at));
    if (item.type !== 'message') continue;
    if (item.role === 'user') {
      const text = messageText(item, 'input_text');
      if (text !== null && !CONTEXT_PREFIXES.some((p) => text.trimStart().toLowerCase().startsWith(p))) {
        lines.push({ timestamp: rolloutTimestamp(at), type: 'event_msg', payload: { type: 'user_message', message: text, images: [], local_images: [], text_elements: [] } });
      }
    } else if (item.role === 'assistant') {
      const text = messageText(item, 'output_text');
      if (text !== null && text !== '') {
        const payload: Record<string, unknown> = { type: 'agent_message', message: text };
        if (typeof item.phase === 'string') payload.phase = item.phase;
        lines.push({ timestamp: rolloutTimestamp(at), type: 'event_msg', payload });
      }
    }
  }
  return lines;
}

export async function injectItems(ctx: ThreadContext, threadIdText: string, items: unknown[]): Promise<void> {
  const id = parseThreadId(threadIdText);
  const records = items.map((item, i) => {
    if (!item || typeof item !== 'object' || Array.isArray(item) || typeof (item as { type?: unknown }).type !== 'string') {
      throw invalidInput(`Invalid request: items[${i}] must be a Responses API item (an object with a string \`type\`)`);
    }
    return item as Record<string, unknown>;
  });
  const loaded = ctx.loaded.get(id);
  if (!loaded) throw unknownThread(id, 'thread');
  if (loaded.ephemeral || records.length === 0) return;
  const firstWrite = !loaded.materialized;
  if (firstWrite) {
    const created = await createRollout(ctx.codexHome, loaded.init ?? { id, cwd: loaded.metadata.cwd });
    loaded.metadata = { ...loaded.metadata, rolloutPath: created.path };
    loaded.materialized = true;
  }
  // A rollout reached through a link in sessions/ may resolve outside the home: never append there.
  if (!(await resolveInsideHome(ctx.codexHome, loaded.metadata.rolloutPath))) {
    throw invalidInput(`rollout path ${loaded.metadata.rolloutPath} is outside the Codex home`);
  }
  let lines = injectedLines(records);
  const sizeBefore = (await stat(loaded.metadata.rolloutPath)).size;
  // A 0.169 rollout numbers its lines: the new ones continue the count, or Codex cannot resume it.
  const ordinal = await nextLineOrdinal(loaded.metadata.rolloutPath);
  if (ordinal !== null) lines = withOrdinals(lines, ordinal);
  await appendRolloutLines(loaded.metadata.rolloutPath, lines);
  const meta = await indexRollout(ctx, loaded.metadata.rolloutPath, {}, loaded.name);
  if (!meta) return;
  loaded.metadata = meta;
  if (firstWrite) ctx.codexDb?.threadCreated(meta, { defaultModelProvider: ctx.defaultModelProvider, name: loaded.name });
  else ctx.codexDb?.threadAppended(meta, { sizeBefore, sizeAfter: meta.fingerprint.size, lines: lines.length });
}

export function listLoaded(ctx: ThreadContext, cursor: string | null | undefined, limit: number | null | undefined): { data: string[]; nextCursor: string | null } {
  let ids = ctx.loaded.ids();
  if (cursor !== undefined && cursor !== null) {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(cursor)) throw invalidInput(`invalid cursor: ${cursor}`);
    ids = ids.filter((id) => id > cursor.toLowerCase());
  }
  if (limit === undefined || limit === null) return { data: ids, nextCursor: null };
  const size = clampLimit(limit, limit, Number.MAX_SAFE_INTEGER);
  const data = ids.slice(0, size);
  return { data, nextCursor: ids.length > size ? data[data.length - 1] : null };
}
