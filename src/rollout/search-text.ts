// The searchable text of a thread (thread/search): one document per item the turn rebuild shows,
// named by that item's id. Lines go through the same HistoryBuilder that thread/read uses, so item
// ids, rolled-back turns and both eras (Feb event_msg lines, 0.169 item_completed items) agree with
// what a client reads; injected context (response_item messages) never becomes an item, so it is
// never indexed. Fed line by line from the metadata read: no second pass over the file.
//
// Large payloads are cut before they reach the builder so memory stays bounded on huge rollouts:
// command output keeps its first OUTPUT_CHARS characters, file-change diffs are dropped (only the
// paths are indexed).

import { HistoryBuilder } from './history.ts';
import { eventType, isObject, payloadOf, str, type RolloutLine } from './lines.ts';
import type { WireItem } from './history-items.ts';

export type SearchDocKind = 'user' | 'agent' | 'reasoning' | 'command' | 'fileChange' | 'tool' | 'webSearch' | 'plan';

export interface SearchDoc {
  itemId: string;
  kind: SearchDocKind;
  text: string;
}

/** Head of a command's output that is indexed. */
export const OUTPUT_CHARS = 2048;
/** Any one document's text is cut here (a pasted log in a prompt, say). */
export const DOC_CHARS = 16 * 1024;
/** Documents kept per thread: the first ones, in history order. */
export const MAX_DOCS_PER_THREAD = 5000;

/** The first `max` characters as a fresh string (a plain slice can pin the whole parent string). */
function head(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1; // do not split a surrogate pair
  return Buffer.from(text.slice(0, end), 'utf8').toString('utf8');
}

function slimCommand(raw: Record<string, unknown>): Record<string, unknown> {
  const out = raw.aggregated_output;
  return typeof out === 'string' && out.length > OUTPUT_CHARS ? { ...raw, aggregated_output: head(out, OUTPUT_CHARS) } : raw;
}

/** File changes with their paths and kinds kept and the diff text emptied. */
function slimChanges(changes: unknown): unknown {
  if (Array.isArray(changes)) return changes.map((c) => (isObject(c) ? { ...c, diff: '' } : c));
  if (!isObject(changes)) return changes;
  const out: Record<string, unknown> = {};
  for (const [path, change] of Object.entries(changes)) {
    const c = isObject(change) ? change : {};
    if (isObject(c.add)) out[path] = { add: {} };
    else if (isObject(c.delete)) out[path] = { delete: {} };
    else {
      const u = isObject(c.update) ? c.update : c;
      out[path] = { update: { move_path: u.move_path ?? null } };
    }
  }
  return out;
}

/** The line with its bulky members cut; the same object when nothing needs cutting. */
function slimLine(line: RolloutLine): RolloutLine {
  const t = eventType(line);
  const p = payloadOf(line);
  if (!t || !p) return line;
  if (t === 'exec_command_end' || t === 'exec_command_begin') return { ...line, payload: slimCommand(p) };
  if (t === 'patch_apply_begin' || t === 'patch_apply_end' || t === 'apply_patch_approval_request') {
    return { ...line, payload: { ...p, changes: slimChanges(p.changes) } };
  }
  if (t === 'item_completed' || t === 'item_started') {
    const item = p.item;
    if (!isObject(item)) return line;
    if (item.type === 'CommandExecution') return { ...line, payload: { ...p, item: slimCommand(item) } };
    if (item.type === 'FileChange') return { ...line, payload: { ...p, item: { ...item, changes: slimChanges(item.changes) } } };
    if (item.type === 'DynamicToolCall' || item.type === 'McpToolCall') {
      return { ...line, payload: { ...p, item: { ...item, arguments: null, content_items: null, result: null } } };
    }
  }
  if (t === 'dynamic_tool_call_request' || t === 'dynamic_tool_call_response' || t === 'mcp_tool_call_end') {
    return { ...line, payload: { ...p, arguments: null, content_items: null, contentItems: null, result: null } };
  }
  return line;
}

function joinText(parts: unknown): string {
  return Array.isArray(parts) ? parts.filter((p): p is string => typeof p === 'string').join('\n') : '';
}

/** The document of one wire item; null for items without searchable text. */
export function searchDocOf(item: WireItem): SearchDoc | null {
  let kind: SearchDocKind;
  let text: string;
  switch (item.type) {
    case 'userMessage': {
      const content = Array.isArray(item.content) ? item.content : [];
      kind = 'user';
      text = content.filter(isObject).map((c) => (c.type === 'text' ? str(c.text) ?? '' : '')).filter((s) => s !== '').join('\n');
      break;
    }
    case 'agentMessage':
      kind = 'agent';
      text = str(item.text) ?? '';
      break;
    case 'reasoning':
      kind = 'reasoning';
      text = joinText(item.summary);
      break;
    case 'commandExecution': {
      kind = 'command';
      const output = str(item.aggregatedOutput) ?? '';
      text = `${str(item.command) ?? ''}\n${head(output, OUTPUT_CHARS)}`;
      break;
    }
    case 'fileChange': {
      kind = 'fileChange';
      const changes = Array.isArray(item.changes) ? item.changes.filter(isObject) : [];
      const paths: string[] = [];
      for (const c of changes) {
        if (typeof c.path === 'string') paths.push(c.path);
        const move = isObject(c.kind) ? str(c.kind.move_path) : undefined;
        if (move) paths.push(move);
      }
      text = paths.join('\n');
      break;
    }
    case 'mcpToolCall':
      kind = 'tool';
      text = [str(item.server), str(item.tool)].filter((s) => s).join(' ');
      break;
    case 'dynamicToolCall':
      kind = 'tool';
      text = [str(item.namespace), str(item.tool)].filter((s) => s).join(' ');
      break;
    case 'webSearch':
      kind = 'webSearch';
      text = str(item.query) ?? '';
      break;
    case 'plan':
      kind = 'plan';
      text = str(item.text) ?? '';
      break;
    default:
      return null;
  }
  // U+E000/U+E001 mark matches in search snippets (src/state/search-index.ts): never in the text.
  text = text.replace(/[\uE000\uE001]/g, '').trim();
  return text === '' || item.id === '' ? null : { itemId: item.id, kind, text: head(text, DOC_CHARS) };
}

/** Collects a thread's search documents from its lines, in file order. */
export class SearchTextAccumulator {
  private readonly builder = new HistoryBuilder();

  push(line: RolloutLine): void {
    this.builder.push(slimLine(line));
  }

  finish(): SearchDoc[] {
    const docs: SearchDoc[] = [];
    for (const turn of this.builder.finish()) {
      for (const item of turn.items as unknown as WireItem[]) {
        const doc = searchDocOf(item);
        if (doc) docs.push(doc);
        if (docs.length >= MAX_DOCS_PER_THREAD) return docs;
      }
    }
    return docs;
  }
}

/** Pure variant for tests and in-memory lines. */
export function searchDocsFromLines(lines: Iterable<RolloutLine>): SearchDoc[] {
  const acc = new SearchTextAccumulator();
  for (const line of lines) acc.push(line);
  return acc.finish();
}
