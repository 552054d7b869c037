// Writing rollouts that real Codex can read (docs/rollout-format.md §10): the session_meta line,
// append-only lines (one write call per complete line), legacy late-Feb style turn lines, and
// archive / unarchive / delete as file moves.

import { link, mkdir, open, rename, unlink, utimes } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { invalidInput } from '../errors.ts';
import { appendWholeLines, writeError } from '../files/append.ts';
import { VERSION, ORIGINATOR } from '../version.ts';
import type { DynamicToolSpec, GitMetadata, StoredSessionSource } from '../model/thread-metadata.ts';
import type { RolloutLine } from './lines.ts';
import { ARCHIVED_DIR, activeDirForFileName, activeRolloutPath, resolveInsideHome } from './paths.ts';

/** node:crypto on first use (loading it with the module would cost every start several ms). */
function randomBytes(size: number): Buffer {
  return process.getBuiltinModule('node:crypto').randomBytes(size);
}

// ---- UUIDv7 (RFC 9562 §5.7, with the §6.2 method 1 counter for monotonic ids within a ms) ----

let lastMs = -1;
let counter = 0;

export function newThreadId(nowMs: number = Date.now()): string {
  let ms = Math.max(nowMs, lastMs);
  if (ms === lastMs) {
    counter += 1;
    if (counter > 0xfff) {
      ms += 1; // counter exhausted: borrow the next millisecond
      counter = 0;
    }
  } else {
    counter = randomBytes(2).readUInt16BE(0) & 0x7ff; // leave room to count up
  }
  lastMs = ms;
  const b = randomBytes(16);
  b.writeUIntBE(ms, 0, 6);
  b[6] = 0x70 | ((counter >> 8) & 0x0f);
  b[7] = counter & 0xff;
  b[8] = 0x80 | (b[8] & 0x3f);
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `YYYY-MM-DDThh:mm:ss.mmmZ`, the timestamp of every rollout line. */
export function rolloutTimestamp(date: Date = new Date()): string {
  return date.toISOString();
}

// ---- creating and appending ----

export interface RolloutInit {
  id?: string;
  createdAt?: Date;
  cwd: string;
  originator?: string;
  source?: StoredSessionSource;
  modelProvider?: string | null;
  baseInstructions?: string | null;
  git?: GitMetadata | null;
  dynamicTools?: DynamicToolSpec[] | null;
  forkedFromId?: string | null;
  threadSource?: string | null;
  agentNickname?: string | null;
  agentRole?: string | null;
  agentPath?: string | null;
}

export interface CreatedRollout {
  id: string;
  path: string;
  createdAt: Date;
  sessionMeta: RolloutLine;
}

export function sessionMetaLine(id: string, init: RolloutInit, createdAt: Date): RolloutLine {
  const payload: Record<string, unknown> = { id };
  if (init.forkedFromId) payload.forked_from_id = init.forkedFromId;
  Object.assign(payload, {
    timestamp: rolloutTimestamp(createdAt),
    cwd: init.cwd,
    originator: init.originator ?? ORIGINATOR,
    cli_version: VERSION,
    source: init.source ?? 'vscode',
  });
  if (init.threadSource) payload.thread_source = init.threadSource;
  if (init.agentNickname) payload.agent_nickname = init.agentNickname;
  if (init.agentRole) payload.agent_role = init.agentRole;
  if (init.agentPath) payload.agent_path = init.agentPath;
  payload.model_provider = init.modelProvider ?? null;
  payload.base_instructions = init.baseInstructions ? { text: init.baseInstructions } : null;
  if (init.dynamicTools && init.dynamicTools.length > 0) payload.dynamic_tools = init.dynamicTools;
  if (init.git) {
    const git: Record<string, string> = {};
    if (init.git.sha) git.commit_hash = init.git.sha;
    if (init.git.branch) git.branch = init.git.branch;
    if (init.git.originUrl) git.repository_url = init.git.originUrl;
    if (Object.keys(git).length > 0) payload.git = git;
  }
  return { timestamp: rolloutTimestamp(createdAt), type: 'session_meta', payload };
}

/** Creates `sessions/YYYY/MM/DD/rollout-<local time>-<id>.jsonl` (mode 0600) holding the session_meta line. */
export async function createRollout(codexHome: string, init: RolloutInit): Promise<CreatedRollout> {
  const id = init.id ?? newThreadId();
  const createdAt = init.createdAt ?? new Date();
  const meta = sessionMetaLine(id, init, createdAt);
  const path = await writeNewRollout(codexHome, id, createdAt, [meta]);
  return { id, path, createdAt, sessionMeta: meta };
}

/**
 * Writes a new rollout file (mode 0600) holding `lines`, and returns its path. The lines are written
 * and synced under a name no walker reads, then linked into place: a process killed half-way, or a
 * full disk, leaves at most a stray temp file, never an empty or torn rollout.
 */
export async function writeNewRollout(codexHome: string, id: string, createdAt: Date, lines: readonly unknown[]): Promise<string> {
  const path = activeRolloutPath(codexHome, id, createdAt);
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const fh = await open(temp, 'wx', 0o600);
    try {
      for (const line of lines) await writeLine(fh, line);
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await link(temp, path); // fails with EEXIST like the exclusive open it replaces
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw err;
    throw writeError(path, err, 'no rollout was created');
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  return path;
}

async function writeLine(fh: import('node:fs/promises').FileHandle, line: unknown): Promise<void> {
  const bytes = Buffer.from(`${JSON.stringify(line)}\n`, 'utf8');
  let written = (await fh.write(bytes, 0, bytes.length)).bytesWritten;
  // A short write is rare on regular files; finish the same line rather than start another.
  while (written < bytes.length) written += (await fh.write(bytes, written, bytes.length - written)).bytesWritten;
}

/**
 * Appends complete lines as one all-or-nothing, synced unit (files/append.ts): never through a
 * final symlink, never outside the home, never glued onto a partial last line.
 */
export async function appendRolloutLines(codexHome: string, path: string, lines: readonly unknown[]): Promise<void> {
  if (lines.length === 0) return;
  let text = '';
  for (const line of lines) text += `${JSON.stringify(line)}\n`;
  await appendWholeLines(path, text, { home: codexHome });
}

// ---- legacy (late Feb 2026) line builders ----

function eventLine(payload: Record<string, unknown>, at: Date): RolloutLine {
  return { timestamp: rolloutTimestamp(at), type: 'event_msg', payload };
}

export function responseItemLine(payload: Record<string, unknown>, at: Date = new Date()): RolloutLine {
  return { timestamp: rolloutTimestamp(at), type: 'response_item', payload };
}

export interface UserTurnInput {
  turnId: string;
  text: string;
  images?: string[];
  localImages?: string[];
  textElements?: unknown[];
  cwd: string;
  model: string;
  approvalPolicy?: unknown;
  sandboxPolicy?: unknown;
  modelContextWindow?: number | null;
  at?: Date;
}

/** The opening lines of a user turn: task_started, the user message (response_item and event), turn_context. */
export function userTurnLines(input: UserTurnInput): RolloutLine[] {
  const at = input.at ?? new Date();
  const content: Record<string, unknown>[] = [{ type: 'input_text', text: input.text }];
  for (const url of input.images ?? []) content.push({ type: 'input_image', image_url: url });
  return [
    eventLine({ type: 'task_started', turn_id: input.turnId, model_context_window: input.modelContextWindow ?? null, collaboration_mode_kind: 'default' }, at),
    responseItemLine({ type: 'message', role: 'user', content }, at),
    eventLine({ type: 'user_message', message: input.text, images: input.images ?? [], local_images: input.localImages ?? [], text_elements: input.textElements ?? [] }, at),
    {
      timestamp: rolloutTimestamp(at), type: 'turn_context',
      payload: {
        turn_id: input.turnId, cwd: input.cwd, approval_policy: input.approvalPolicy ?? 'on-request',
        sandbox_policy: input.sandboxPolicy ?? { type: 'read-only' }, model: input.model, summary: 'auto',
      },
    },
  ];
}

export function agentReasoningLine(text: string, at: Date = new Date()): RolloutLine {
  return eventLine({ type: 'agent_reasoning', text }, at);
}

/** An agent answer: the agent_message event and the assistant response_item. */
export function agentMessageLines(text: string, phase: string | null = null, at: Date = new Date()): RolloutLine[] {
  const event: Record<string, unknown> = { type: 'agent_message', message: text };
  const item: Record<string, unknown> = { type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] };
  if (phase) {
    event.phase = phase;
    item.phase = phase;
  }
  return [eventLine(event, at), responseItemLine(item, at)];
}

export function tokenCountLine(totalTokens: number, lastTokens: number, modelContextWindow: number | null = null, at: Date = new Date()): RolloutLine {
  const usage = (total: number) => ({ input_tokens: total, cached_input_tokens: 0, output_tokens: 0, reasoning_output_tokens: 0, total_tokens: total });
  return eventLine({ type: 'token_count', info: { total_token_usage: usage(totalTokens), last_token_usage: usage(lastTokens), model_context_window: modelContextWindow }, rate_limits: null }, at);
}

export function taskCompleteLine(turnId: string, lastAgentMessage: string | null, at: Date = new Date()): RolloutLine {
  return eventLine({ type: 'task_complete', turn_id: turnId, last_agent_message: lastAgentMessage }, at);
}

export function turnAbortedLine(turnId: string, reason = 'interrupted', at: Date = new Date()): RolloutLine {
  return eventLine({ type: 'turn_aborted', turn_id: turnId, reason }, at);
}

// ---- archive, unarchive, delete ----

async function confined(codexHome: string, path: string): Promise<string> {
  const inside = await resolveInsideHome(codexHome, path);
  // A refusal of the client's input, not an internal error: e.g. a link in sessions/ pointing out.
  if (!inside) throw invalidInput(`rollout path ${path} is outside the Codex home`);
  return inside;
}

/** A rename whose failure (a read-only home, permissions) names the file for the client. */
async function moveFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    throw writeError(from, err, 'the rollout was not moved');
  }
}

/** Moves a rollout to `archived_sessions/<same name>`; returns the new path. */
export async function archiveRollout(codexHome: string, path: string): Promise<string> {
  const from = await confined(codexHome, path);
  const dir = join(codexHome, ARCHIVED_DIR);
  await mkdir(dir, { recursive: true, mode: 0o700 }).catch((err: unknown) => { throw writeError(dir, err, 'the rollout was not moved'); });
  const to = join(dir, basename(from));
  await moveFile(from, to);
  return to;
}

/** Moves an archived rollout back to `sessions/YYYY/MM/DD/` (from its name) and touches its mtime. */
export async function unarchiveRollout(codexHome: string, path: string, now: Date = new Date()): Promise<string> {
  const from = await confined(codexHome, path);
  const dir = activeDirForFileName(codexHome, basename(from));
  if (!dir) throw new Error(`not a rollout file name: ${basename(from)}`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const to = join(dir, basename(from));
  await moveFile(from, to);
  await utimes(to, now, now);
  return to;
}

/** Removes a rollout file; false when it was already gone. */
export async function deleteRollout(codexHome: string, path: string): Promise<boolean> {
  const target = await confined(codexHome, path);
  try {
    await unlink(target);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw writeError(target, err, 'the rollout was not deleted');
  }
}
