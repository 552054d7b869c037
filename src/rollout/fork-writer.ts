// Writing a fork's rollout the way Codex 0.169 writes it (docs/rollout-format.md §7.4), and the
// settings line Codex appends when it loads a thread (`thread_settings_applied`).
//
// - A 0.169 (paginated) parent: the fork's file holds only its own `session_meta`, which names the
//   parent's history it continues (`history_base`: parent id, the parent's next ordinal and its
//   size in bytes), and the settings line. Ordinals continue from the parent's.
// - An older-format parent: the fork's `session_meta`, then the parent's lines as they are, then
//   (when the parent's last turn never ended) the interruption Codex records for it, then the
//   settings line.

import { isObject, payloadOf, str, type RolloutLine } from './lines.ts';
import { streamRollout } from './reader.ts';
import { rolloutTimestamp, writeNewRollout } from './writer.ts';
import { CODEX_FORMAT_VERSION } from '../version.ts';

export interface ThreadSettings {
  model: string;
  modelProvider: string;
  approvalPolicy: unknown;
  cwd: string;
  sandbox: 'read-only' | 'workspace-write' | 'danger-full-access';
}

/** The read-only permission profile Codex records; other modes record only their profile id. */
const READ_ONLY_PROFILE = {
  type: 'managed',
  file_system: { type: 'restricted', entries: [{ path: { type: 'special', value: { kind: 'root' } }, access: 'read' }] },
  network: 'restricted',
};

/** `event_msg thread_settings_applied`: the settings a thread was loaded with. */
export function threadSettingsLine(threadId: string, s: ThreadSettings, at: Date, ordinal?: number): RolloutLine {
  const settings: Record<string, unknown> = {
    model: s.model,
    model_provider_id: s.modelProvider,
    approval_policy: s.approvalPolicy,
    approvals_reviewer: 'user',
    requested_approvals_reviewer: 'user',
  };
  if (s.sandbox === 'read-only') settings.permission_profile = READ_ONLY_PROFILE;
  Object.assign(settings, {
    active_permission_profile: { id: `:${s.sandbox}` },
    cwd: s.cwd,
    runtime_workspace_roots: [s.cwd],
    collaboration_mode: { mode: 'default', settings: { model: s.model, reasoning_effort: null, developer_instructions: null } },
    disabled_plugin_ids: [],
  });
  return withOrdinal({ timestamp: rolloutTimestamp(at), type: 'event_msg', payload: { type: 'thread_settings_applied', thread_id: threadId, thread_settings: settings } }, ordinal);
}

function withOrdinal(line: RolloutLine, ordinal: number | undefined): RolloutLine {
  if (ordinal === undefined) return line;
  const { timestamp, ...rest } = line;
  return { timestamp, ordinal, ...rest } as RolloutLine;
}

const TURN_ABORTED_TEXT = '<turn_aborted>\nThe user interrupted the previous turn on purpose. Any running unified exec processes may still be running in the background. If any tools/commands were aborted, they may have partially executed.\n</turn_aborted>';

/** What a fork needs to know of its parent's rollout. */
interface ParentFacts {
  meta: Record<string, unknown> | null;
  lines: RolloutLine[];
  /** The ordinal after the parent's last numbered line; undefined when its lines carry none. */
  nextOrdinal: number | undefined;
  size: number;
  /** A turn was opened (a prompt or task_started) and no end event followed. */
  openTurn: boolean;
}

const TURN_OPENERS = new Set(['user_message', 'task_started', 'turn_started']);
const TURN_ENDS = new Set(['task_complete', 'turn_complete', 'turn_aborted']);

async function readParent(path: string, keepLines: boolean): Promise<ParentFacts> {
  const facts: ParentFacts = { meta: null, lines: [], nextOrdinal: undefined, size: 0, openTurn: false };
  const stream = streamRollout(path);
  for await (const { line } of stream) {
    if (!line) continue;
    if (keepLines) facts.lines.push(line);
    if (typeof line.ordinal === 'number') facts.nextOrdinal = Math.max(facts.nextOrdinal ?? 0, line.ordinal + 1);
    const p = payloadOf(line);
    if (line.type === 'session_meta' && facts.meta === null && p) facts.meta = p;
    if (line.type === 'event_msg' && p) {
      if (TURN_OPENERS.has(str(p.type) ?? '')) facts.openTurn = true;
      else if (TURN_ENDS.has(str(p.type) ?? '')) facts.openTurn = false;
    }
  }
  facts.size = stream.stats.fileSize;
  return facts;
}

export interface ForkRolloutInput {
  id: string;
  createdAt: Date;
  parentId: string;
  parentPath: string;
  settings: ThreadSettings;
}

/** Writes the fork's rollout under `sessions/` and returns its path. */
export async function writeForkRollout(codexHome: string, input: ForkRolloutInput): Promise<string> {
  const { id, createdAt, parentId, settings } = input;
  // Only an older-format parent's lines are copied; peek at its session_meta first.
  const head = await readParent(input.parentPath, false);
  const paginated = head.meta?.history_mode === 'paginated' && head.nextOrdinal !== undefined;
  const parent = paginated ? head : await readParent(input.parentPath, true);
  const pm = parent.meta ?? {};
  const at = rolloutTimestamp(createdAt);
  const meta: Record<string, unknown> = {};
  if (pm.account_scoped !== undefined) meta.account_scoped = pm.account_scoped;
  Object.assign(meta, { session_id: id, id, forked_from_id: parentId });
  if (paginated) meta.forked_from_ordinal_exclusive = parent.nextOrdinal;
  Object.assign(meta, {
    timestamp: at,
    cwd: str(pm.cwd) ?? settings.cwd,
    runtime_workspace_roots: Array.isArray(pm.runtime_workspace_roots) ? pm.runtime_workspace_roots : [str(pm.cwd) ?? settings.cwd],
    originator: pm.originator ?? null,
    cli_version: CODEX_FORMAT_VERSION,
    source: 'vscode',
    model_provider: pm.model_provider ?? settings.modelProvider,
  });
  if (pm.base_instructions !== undefined) meta.base_instructions = pm.base_instructions;
  if (pm.dynamic_tools !== undefined) meta.dynamic_tools = pm.dynamic_tools;
  meta.history_mode = paginated ? 'paginated' : 'legacy';
  if (paginated) meta.history_base = { thread_id: parentId, end_ordinal_exclusive: parent.nextOrdinal, end_byte_offset: parent.size };
  if (isObject(pm) && pm.multi_agent_version !== undefined) meta.multi_agent_version = pm.multi_agent_version;

  const ordinal = paginated ? parent.nextOrdinal : undefined;
  const lines: RolloutLine[] = [withOrdinal({ timestamp: at, type: 'session_meta', payload: meta }, ordinal)];
  if (!paginated) {
    // Codex writes the parent's history again, stamped with the time of the fork.
    for (const line of parent.lines) lines.push({ ...line, timestamp: at });
    if (parent.openTurn) {
      lines.push({ timestamp: at, type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: TURN_ABORTED_TEXT }] } });
      lines.push({ timestamp: at, type: 'event_msg', payload: { type: 'turn_aborted', turn_id: null, reason: 'interrupted' } });
    }
  }
  lines.push(threadSettingsLine(id, settings, createdAt, ordinal === undefined ? undefined : ordinal + 1));
  return writeNewRollout(codexHome, id, createdAt, lines);
}
