// Wire ThreadItems (docs/wire-protocol.md §3.4) built from rollout content: 0.169 `item_completed`
// TurnItems (PascalCase type, snake_case members) and Feb-era events. Key order follows what
// 0.169 emits; optional members are explicit nulls; timestamps go last.

import { fileURLToPath } from 'node:url';
import type {
  AgentMessageItem, CommandAction, CommandExecutionItem, DynamicToolCallItem, FileChangeItem, FileUpdateChange,
  McpToolCallItem, ReasoningItem, ThreadItem, UserInput, UserMessageItem, WebSearchAction, WebSearchItem,
} from '../protocol/item.ts';
import { isObject, num, str } from './lines.ts';
import { shellJoin } from './shell-join.ts';

/**
 * A wire item: every builder below returns its variant of the protocol's ThreadItem, so a schema
 * change (a member renamed, added or made non-null) fails `tsc` here.
 */
export type WireItem = ThreadItem;

/**
 * A value copied from the rollout as Codex wrote it (an enum member, a nested shape), typed as the
 * schema says it is. The builders check the item's shape; they do not re-validate Codex's values.
 */
function asWritten<T>(value: unknown): T {
  return value as T;
}

export function snakeToCamel(text: string): string {
  return text.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Recursively camelCases object keys and string values of an error-info tree (`context_window_exceeded` → `contextWindowExceeded`). */
export function camelErrorInfo(value: unknown): unknown {
  if (typeof value === 'string') return snakeToCamel(value);
  if (Array.isArray(value)) return value.map(camelErrorInfo);
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[snakeToCamel(k)] = isObject(v) ? camelKeys(v) : v;
    return out;
  }
  return value ?? null;
}

function camelKeys(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[snakeToCamel(k)] = isObject(v) ? camelKeys(v) : v;
  return out;
}

export function fileUriToPath(value: unknown): string {
  const text = str(value) ?? '';
  if (!text.startsWith('file://')) return text;
  try {
    return fileURLToPath(text);
  } catch {
    return text.slice('file://'.length);
  }
}

/** `{secs, nanos}` (or a number of ms) to whole milliseconds, truncated. */
export function durationToMs(value: unknown): number | null {
  if (isObject(value)) {
    const secs = num(value.secs) ?? 0;
    const nanos = num(value.nanos) ?? 0;
    return secs * 1000 + Math.floor(nanos / 1_000_000);
  }
  const n = num(value);
  return n === undefined ? null : Math.floor(n);
}

function stamps(startedAtMs: number | null, completedAtMs: number | null): { startedAtMs: number | null; completedAtMs: number | null } {
  return { startedAtMs, completedAtMs };
}

/** A rollout user input (0.169 `UserMessage.content[]`) as a wire UserInput. */
function userInput(raw: unknown): UserInput | null {
  if (!isObject(raw)) return null;
  switch (raw.type) {
    case 'text':
      return { type: 'text', text: str(raw.text) ?? '', text_elements: Array.isArray(raw.text_elements) ? asWritten(raw.text_elements) : [] };
    case 'image':
      return { type: 'image', url: str(raw.image_url) ?? str(raw.url) ?? null, detail: asWritten(raw.detail ?? null) };
    case 'local_image':
    case 'localImage':
      return { type: 'localImage', path: str(raw.path) ?? '', detail: asWritten(raw.detail ?? null) };
    default:
      return asWritten({ ...raw, type: snakeToCamel(str(raw.type) ?? 'unknown') });
  }
}

export function userMessageItem(id: string, content: unknown[], startedAtMs: number | null, completedAtMs: number | null): UserMessageItem {
  return { type: 'userMessage', id, clientId: null, content: content.map(userInput).filter((c) => c !== null), ...stamps(startedAtMs, completedAtMs) };
}

/** Legacy `user_message` content: the text (if not blank), then images, then local images. */
export function legacyUserContent(message: string, textElements: unknown, images: unknown, localImages: unknown): unknown[] {
  const content: unknown[] = [];
  if (message.trim() !== '') content.push({ type: 'text', text: message, text_elements: Array.isArray(textElements) ? textElements : [] });
  for (const url of Array.isArray(images) ? images : []) content.push({ type: 'image', url });
  for (const path of Array.isArray(localImages) ? localImages : []) content.push({ type: 'local_image', path });
  return content;
}

export function agentMessageItem(id: string, text: string, phase: unknown, startedAtMs: number | null, completedAtMs: number | null): AgentMessageItem {
  return {
    type: 'agentMessage', moderation: null, id, text, phase: asWritten(str(phase) ?? null),
    memoryCitation: null, delivery: null, questions: null, ...stamps(startedAtMs, completedAtMs),
  };
}

export function reasoningItem(id: string, summary: string[], content: string[], startedAtMs: number | null, completedAtMs: number | null): ReasoningItem {
  return { type: 'reasoning', id, summary, content, ...stamps(startedAtMs, completedAtMs) };
}

function commandActions(parsed: unknown): CommandAction[] {
  if (!Array.isArray(parsed)) return [];
  return parsed.filter(isObject).map((a) => {
    const { cmd, ...rest } = a;
    const out: Record<string, unknown> = { type: a.type ?? 'unknown', command: str(cmd) ?? str(a.command) ?? '' };
    for (const [k, v] of Object.entries(rest)) if (k !== 'type' && k !== 'command') out[snakeToCamel(k)] = v ?? null;
    if (out.type === 'list_files') out.type = 'listFiles';
    return asWritten<CommandAction>(out);
  });
}

export function commandExecutionItem(raw: Record<string, unknown>, id: string, startedAtMs: number | null, completedAtMs: number | null): CommandExecutionItem {
  const argv = Array.isArray(raw.command) ? raw.command.map(String) : [];
  const exitCode = num(raw.exit_code) ?? null;
  const status = str(raw.status) ?? (exitCode === null ? 'inProgress' : exitCode === 0 ? 'completed' : 'failed');
  const output = str(raw.aggregated_output);
  return {
    type: 'commandExecution', id, pluginId: null, scriptPath: null,
    command: typeof raw.command === 'string' ? raw.command : shellJoin(argv),
    cwd: fileUriToPath(raw.cwd),
    processId: str(raw.process_id) ?? null,
    source: asWritten(snakeToCamel(str(raw.source) ?? 'agent')),
    status: asWritten(snakeToCamel(status)),
    commandActions: commandActions(raw.parsed_cmd),
    aggregatedOutput: output === undefined || output === '' ? null : output,
    exitCode,
    durationMs: durationToMs(raw.duration),
    ...stamps(startedAtMs, completedAtMs),
  };
}

export function dynamicToolCallItem(raw: Record<string, unknown>, id: string, startedAtMs: number | null, completedAtMs: number | null): DynamicToolCallItem {
  const success = typeof raw.success === 'boolean' ? raw.success : null;
  const status = str(raw.status) ?? (success === null ? 'inProgress' : success ? 'completed' : 'failed');
  return {
    type: 'dynamicToolCall', id, namespace: str(raw.namespace) ?? null, tool: str(raw.tool) ?? '',
    arguments: raw.arguments ?? null, status: asWritten(snakeToCamel(status)),
    contentItems: asWritten(Array.isArray(raw.content_items) ? raw.content_items : Array.isArray(raw.contentItems) ? raw.contentItems : null),
    success, durationMs: durationToMs(raw.duration ?? raw.duration_ms),
    ...stamps(startedAtMs, completedAtMs),
  };
}

function fileChanges(raw: unknown): FileUpdateChange[] {
  if (Array.isArray(raw)) return asWritten(raw);
  if (!isObject(raw)) return [];
  return Object.entries(raw).map(([path, change]) => {
    const c = isObject(change) ? change : {};
    if (isObject(c.add)) return { path, kind: { type: 'add' }, diff: str(c.add.content) ?? '' };
    if (isObject(c.delete)) return { path, kind: { type: 'delete' }, diff: str(c.delete.content) ?? '' };
    const u = isObject(c.update) ? c.update : c;
    return { path, kind: { type: 'update', move_path: str(u.move_path) ?? null }, diff: str(u.unified_diff) ?? '' };
  });
}

export function fileChangeItem(raw: Record<string, unknown>, id: string, startedAtMs: number | null, completedAtMs: number | null): FileChangeItem {
  const status = str(raw.status) ?? (raw.success === true ? 'completed' : raw.success === false ? 'failed' : 'inProgress');
  return { type: 'fileChange', id, changes: fileChanges(raw.changes), status: asWritten(snakeToCamel(status)), ...stamps(startedAtMs, completedAtMs) };
}

export function mcpToolCallItem(raw: Record<string, unknown>, id: string, startedAtMs: number | null, completedAtMs: number | null): McpToolCallItem {
  const inv = isObject(raw.invocation) ? raw.invocation : raw;
  const result = isObject(raw.result) ? (isObject(raw.result.Ok) ? raw.result.Ok : raw.result) : null;
  const errText = isObject(raw.result) ? str(raw.result.Err) : str(raw.error);
  const status = str(raw.status) ?? (errText !== undefined ? 'failed' : result ? 'completed' : 'inProgress');
  return {
    type: 'mcpToolCall', id, server: str(inv.server) ?? '', tool: str(inv.tool) ?? '', status: asWritten(snakeToCamel(status)),
    arguments: inv.arguments ?? null,
    result: result ? { content: Array.isArray(result.content) ? result.content : [], structuredContent: result.structured_content ?? result.structuredContent ?? null } : null,
    error: errText !== undefined ? { message: errText } : null,
    durationMs: durationToMs(raw.duration),
    ...stamps(startedAtMs, completedAtMs),
  };
}

function webSearchAction(raw: unknown): WebSearchAction | null {
  if (!isObject(raw)) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) out[snakeToCamel(k)] = k === 'type' && typeof v === 'string' ? snakeToCamel(v) : v ?? null;
  return asWritten(out);
}

export function webSearchItem(raw: Record<string, unknown>, id: string, startedAtMs: number | null, completedAtMs: number | null): WebSearchItem {
  return { type: 'webSearch', id, query: str(raw.query) ?? '', action: webSearchAction(raw.action), ...stamps(startedAtMs, completedAtMs) };
}

/** The items that are a tag, an id and at most one string member. */
type SimpleItem = Extract<ThreadItem, { type: 'contextCompaction' | 'plan' | 'imageView' | 'enteredReviewMode' | 'exitedReviewMode' }>;
type SimpleMembers<K extends SimpleItem['type']> = Omit<Extract<SimpleItem, { type: K }>, 'type' | 'id' | 'startedAtMs' | 'completedAtMs'>;

export function simpleItem<K extends SimpleItem['type']>(type: K, id: string, members: SimpleMembers<K>, startedAtMs: number | null = null, completedAtMs: number | null = null): Extract<SimpleItem, { type: K }> {
  // tsc cannot follow a spread into a generic variant; `members` is checked against it above.
  return { type, id, ...members, ...stamps(startedAtMs, completedAtMs) } as Extract<SimpleItem, { type: K }>;
}

/** A 0.169 `item_completed.item` (PascalCase TurnItem) as a wire item; null for unknown kinds. */
export function turnItemToWire(item: Record<string, unknown>, startedAtMs: number | null, completedAtMs: number | null): WireItem | null {
  const id = str(item.id) ?? '';
  switch (item.type) {
    case 'UserMessage':
      return userMessageItem(id, Array.isArray(item.content) ? item.content : [], startedAtMs, completedAtMs);
    case 'AgentMessage': {
      const parts = Array.isArray(item.content) ? item.content.filter(isObject) : [];
      const text = parts.filter((p) => p.type === 'Text' || p.type === 'text').map((p) => str(p.text) ?? '').join('');
      return agentMessageItem(id, text, item.phase, startedAtMs, completedAtMs);
    }
    case 'Reasoning':
      return reasoningItem(id, strings(item.summary_text), strings(item.raw_content), startedAtMs, completedAtMs);
    case 'CommandExecution':
      return commandExecutionItem(item, id, startedAtMs, completedAtMs);
    case 'DynamicToolCall':
      return dynamicToolCallItem(item, id, startedAtMs, completedAtMs);
    case 'FileChange':
      return fileChangeItem(item, id, startedAtMs, completedAtMs);
    case 'McpToolCall':
      return mcpToolCallItem(item, id, startedAtMs, completedAtMs);
    case 'WebSearch':
      return webSearchItem(item, id, startedAtMs, completedAtMs);
    case 'ContextCompaction':
      return simpleItem('contextCompaction', id, {}, startedAtMs, completedAtMs);
    case 'Plan':
      return simpleItem('plan', id, { text: str(item.text) ?? '' }, startedAtMs, completedAtMs);
    case 'ImageView':
      return simpleItem('imageView', id, { path: str(item.path) ?? '' }, startedAtMs, completedAtMs);
    case 'EnteredReviewMode':
    case 'ExitedReviewMode':
      return simpleItem(item.type === 'EnteredReviewMode' ? 'enteredReviewMode' : 'exitedReviewMode', id, { review: str(item.review) ?? '' }, startedAtMs, completedAtMs);
    default:
      return null;
  }
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
