// The searchable text of a thread (thread/search): ONE document per thread, its items' texts in
// history order, plus a map from offsets in that document to the item each part came from.
//
// Items are found by the turn rebuild's own bookkeeping (src/rollout/turn-ledger.ts): the same turn
// boundaries, item ids (`item-N` counters, call ids, 0.169 recorded ids), upserts, reasoning
// merges and rollbacks, but each item is reduced to its id, type and capped text as soon as it is
// built, so nothing bulky is retained. The wire items themselves come from the same builders
// thread/read uses, so texts and ids agree with what a client reads. Injected context
// (response_item messages) never becomes an item, so it is never indexed.
//
// Caps keep the index and the memory small: command output keeps its first OUTPUT_CHARS
// characters, any item ITEM_CHARS, the whole document DOC_CHARS (the first items win); diffs and
// tool arguments are never indexed (only paths and tool names).

import {
  agentMessageItem, commandExecutionItem, dynamicToolCallItem, fileChangeItem, legacyUserContent, mcpToolCallItem,
  reasoningItem, turnItemToWire, userMessageItem, webSearchItem, type WireItem,
} from './history-items.ts';
import { isObject, str, type RolloutLine } from './lines.ts';
import { TurnLedger, type LedgerTurn, type MarkerType, type ToolKind } from './turn-ledger.ts';

export type SearchItemKind = 'user' | 'agent' | 'reasoning' | 'command' | 'fileChange' | 'tool' | 'webSearch' | 'plan';

/** Head of a command's output that is indexed. */
export const OUTPUT_CHARS = 512;
/** Any one item's text is cut here (a pasted log in a prompt, say). */
export const ITEM_CHARS = 8 * 1024;
/** A thread's whole document is cut here. */
export const DOC_CHARS = 96 * 1024;

/** One item's part of the document: it starts at `start` and runs to the next entry's start. */
export interface SearchItemSpan {
  start: number;
  kind: SearchItemKind;
  itemId: string;
}

export interface ThreadSearchText {
  /** The items' texts joined by `\n`. */
  text: string;
  /** In document order, one per item with text. */
  items: SearchItemSpan[];
}

/** The first `max` characters as a fresh string (a plain slice can pin the whole parent string). */
function head(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1; // do not split a surrogate pair
  return Buffer.from(text.slice(0, end), 'utf8').toString('utf8');
}

function joinText(parts: unknown): string {
  return Array.isArray(parts) ? parts.filter((p): p is string => typeof p === 'string').join('\n') : '';
}

/** The kind and raw text of one wire item; null for items without searchable text. */
export function itemText(item: WireItem): { kind: SearchItemKind; text: string } | null {
  switch (item.type) {
    case 'userMessage': {
      const content = Array.isArray(item.content) ? item.content : [];
      return { kind: 'user', text: content.filter(isObject).map((c) => (c.type === 'text' ? str(c.text) ?? '' : '')).filter((s) => s !== '').join('\n') };
    }
    case 'agentMessage':
      return { kind: 'agent', text: str(item.text) ?? '' };
    case 'reasoning':
      return { kind: 'reasoning', text: joinText(item.summary) };
    case 'commandExecution':
      return { kind: 'command', text: `${str(item.command) ?? ''}\n${head(str(item.aggregatedOutput) ?? '', OUTPUT_CHARS)}` };
    case 'fileChange': {
      const paths: string[] = [];
      for (const c of Array.isArray(item.changes) ? item.changes.filter(isObject) : []) {
        if (typeof c.path === 'string') paths.push(c.path);
        const move = isObject(c.kind) && 'move_path' in c.kind ? str(c.kind.move_path) : undefined;
        if (move) paths.push(move);
      }
      return { kind: 'fileChange', text: paths.join('\n') };
    }
    case 'mcpToolCall':
      return { kind: 'tool', text: [str(item.server), str(item.tool)].filter((s) => s).join(' ') };
    case 'dynamicToolCall':
      return { kind: 'tool', text: [str(item.namespace), str(item.tool)].filter((s) => s).join(' ') };
    case 'webSearch':
      return { kind: 'webSearch', text: str(item.query) ?? '' };
    case 'plan':
      return { kind: 'plan', text: str(item.text) ?? '' };
    default:
      return null;
  }
}

/** U+E000/U+E001 mark matches in search snippets (src/state/search-index.ts): never in the text. */
function clean(text: string): string {
  return head(text.replace(/[\uE000\uE001]/g, '').trim(), ITEM_CHARS);
}

/** Bulky members a search never needs, cut before the wire builders copy or convert them. */
function slimCommand(raw: Record<string, unknown>): Record<string, unknown> {
  const out = raw.aggregated_output;
  return typeof out === 'string' && out.length > OUTPUT_CHARS ? { ...raw, aggregated_output: out.slice(0, OUTPUT_CHARS), parsed_cmd: null } : { ...raw, parsed_cmd: null };
}

function slimChanges(changes: unknown): unknown {
  if (Array.isArray(changes)) return changes.map((c) => (isObject(c) ? { ...c, diff: '' } : c));
  if (!isObject(changes)) return changes;
  const out: Record<string, unknown> = {};
  for (const [path, change] of Object.entries(changes)) {
    const c = isObject(change) ? change : {};
    if (isObject(c.add)) out[path] = { add: {} };
    else if (isObject(c.delete)) out[path] = { delete: {} };
    else out[path] = { update: { move_path: (isObject(c.update) ? c.update : c).move_path ?? null } };
  }
  return out;
}

function slimToolCall(raw: Record<string, unknown>): Record<string, unknown> {
  return { ...raw, arguments: null, content_items: null, contentItems: null, result: null };
}

function slimTurnItem(item: Record<string, unknown>): Record<string, unknown> {
  switch (item.type) {
    case 'CommandExecution': return slimCommand(item);
    case 'FileChange': return { ...item, changes: slimChanges(item.changes) };
    case 'DynamicToolCall':
    case 'McpToolCall': return slimToolCall(item);
    default: return item;
  }
}

interface LightItem {
  id: string;
  type: string;
  kind: SearchItemKind | null;
  text: string;
}

type LightTurn = LedgerTurn<LightItem>;

type Payload = Record<string, unknown>;

function light(item: WireItem): LightItem {
  const t = itemText(item);
  return { id: item.id, type: item.type, kind: t?.kind ?? null, text: t ? clean(t.text) : '' };
}

/**
 * Collects a thread's searchable items from its lines, in file order, with the turn rebuild's
 * turn and id rules (TurnLedger; test/unit/search checks ids against HistoryBuilder).
 */
export class SearchTextAccumulator extends TurnLedger<LightItem, LightTurn> {
  /** Characters held; past 2 * DOC_CHARS new items keep no text (memory bound on huge rollouts). */
  private held = 0;

  /** The thread's document; null when it has no searchable text. */
  finish(): ThreadSearchText | null {
    this.finishCurrent();
    const parts: string[] = [];
    const items: SearchItemSpan[] = [];
    let length = 0;
    for (const turn of this.turns) {
      for (const item of turn.items) {
        if (item.kind === null || item.text === '' || item.id === '') continue;
        if (length >= DOC_CHARS) break;
        const start = length === 0 ? 0 : length + 1;
        const text = head(item.text, DOC_CHARS - start);
        if (text === '') break;
        parts.push(text);
        items.push({ start, kind: item.kind, itemId: item.id });
        length = start + text.length;
      }
    }
    return items.length === 0 ? null : { text: parts.join('\n'), items };
  }

  private room(): boolean {
    return this.held < 2 * DOC_CHARS;
  }

  protected admit(item: LightItem, replaced: LightItem | null): void {
    if (!this.room()) item.text = '';
    this.held += item.text.length - (replaced ? replaced.text.length : 0);
  }

  protected rolledBack(): void {
    this.held = this.turns.reduce((sum, turn) => sum + turn.items.reduce((s, i) => s + i.text.length, 0), 0);
  }

  protected newTurn(id: string, explicit: boolean): LightTurn {
    return { id, items: [], explicit, sawCompaction: false };
  }

  protected userMessage(id: string, p: Payload): LightItem {
    return light(userMessageItem(id, legacyUserContent(str(p.message) ?? '', null, null, null), null, null));
  }

  protected agentMessage(id: string, text: string): LightItem {
    return light(agentMessageItem(id, text, null, null, null));
  }

  protected reasoning(id: string, summary: boolean, text: string): LightItem {
    return light(reasoningItem(id, summary ? [text] : [], [], null, null));
  }

  /** Only summaries are indexed; raw reasoning content is not. */
  protected mergeReasoning(last: LightItem, summary: boolean, text: string): void {
    if (!summary || !this.room()) return;
    const joined = clean(last.text === '' ? text : `${last.text}\n${text}`);
    this.held += joined.length - last.text.length;
    last.text = joined;
    last.kind = 'reasoning';
  }

  protected turnItem(raw: Payload): LightItem | null {
    const item = turnItemToWire(slimTurnItem(raw), null, null);
    return item ? light(item) : null;
  }

  protected tool(kind: ToolKind, p: Payload, callId: string): LightItem {
    switch (kind) {
      case 'command': return light(commandExecutionItem(slimCommand(p), callId, null, null));
      case 'fileChange': return light(fileChangeItem({ ...p, changes: slimChanges(p.changes) }, callId, null, null));
      case 'mcp': return light(mcpToolCallItem(slimToolCall(p), callId, null, null));
      case 'dynamic': return light(dynamicToolCallItem(slimToolCall(p), callId, null, null));
      case 'webSearch': return light(webSearchItem(p, callId, null, null));
      case 'imageView': return { id: callId, type: 'imageView', kind: null, text: '' };
    }
  }

  protected marker(type: MarkerType, id: string): LightItem {
    return { id, type, kind: null, text: '' };
  }
}

/** Pure variant for tests and in-memory lines. */
export function searchTextFromLines(lines: Iterable<RolloutLine>): ThreadSearchText | null {
  const acc = new SearchTextAccumulator();
  for (const line of lines) acc.push(line);
  return acc.finish();
}
