// The searchable text of a thread (thread/search): ONE document per thread, its items' texts in
// history order, plus a map from offsets in that document to the item each part came from.
//
// Items are found by a light replica of the turn rebuild (src/rollout/history.ts): the same turn
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
import { eventType, isKnownLine, isObject, num, payloadOf, str, type RolloutLine } from './lines.ts';

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
        const move = isObject(c.kind) ? str(c.kind.move_path) : undefined;
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

interface LightTurn {
  id: string;
  items: LightItem[];
  explicit: boolean;
  sawCompaction: boolean;
}

function light(item: WireItem): LightItem {
  const t = itemText(item);
  return { id: item.id, type: item.type, kind: t?.kind ?? null, text: t ? clean(t.text) : '' };
}

/**
 * Collects a thread's searchable items from its lines, in file order. Mirrors HistoryBuilder's
 * turn and id bookkeeping (keep the two in step; test/unit/search checks ids against it).
 */
export class SearchTextAccumulator {
  private readonly turns: LightTurn[] = [];
  private current: LightTurn | null = null;
  private nextItem = 1;
  private k = 0;
  /** Characters held; past 2 * DOC_CHARS new items keep no text (memory bound on huge rollouts). */
  private held = 0;

  push(line: RolloutLine): void {
    if (!isKnownLine(line)) return;
    const k = this.k++;
    if (line.type === 'compacted') {
      if (this.current) this.current.sawCompaction = true;
      return;
    }
    const t = eventType(line);
    const p = payloadOf(line);
    if (!t || !p) return;
    switch (t) {
      case 'task_started':
      case 'turn_started':
        this.finishCurrent();
        this.current = { id: str(p.turn_id) ?? `rollout-${k}`, items: [], explicit: true, sawCompaction: false };
        return;
      case 'user_message': {
        const cur = this.current;
        if (cur && !cur.explicit && !(cur.items.length === 0 && cur.sawCompaction)) this.finishCurrent();
        const content = legacyUserContent(str(p.message) ?? '', null, null, null);
        this.add(this.ensureTurn(k), userMessageItem(this.itemId(), content, null, null));
        return;
      }
      case 'agent_message': {
        const text = str(p.message) ?? '';
        if (text !== '') this.add(this.ensureTurn(k), agentMessageItem(this.itemId(), text, null, null, null));
        return;
      }
      case 'agent_reasoning':
      case 'agent_reasoning_raw_content': {
        const turn = this.ensureTurn(k);
        const text = str(p.text) ?? '';
        const last = turn.items[turn.items.length - 1];
        const summary = t === 'agent_reasoning';
        if (last?.type === 'reasoning') {
          if (summary && this.room()) {
            const joined = clean(last.text === '' ? text : `${last.text}\n${text}`);
            this.held += joined.length - last.text.length;
            last.text = joined;
            last.kind = 'reasoning';
          }
        } else this.add(turn, reasoningItem(this.itemId(), summary ? [text] : [], [], null, null));
        return;
      }
      case 'item_completed':
      case 'item_started':
        this.onTurnItem(p, k);
        return;
      case 'exec_command_begin':
      case 'exec_command_end':
        this.upsertTool(p, k, (id) => commandExecutionItem(slimCommand(p), id, null, null));
        return;
      case 'patch_apply_begin':
      case 'patch_apply_end':
      case 'apply_patch_approval_request':
        this.upsertTool(p, k, (id) => fileChangeItem({ ...p, changes: slimChanges(p.changes) }, id, null, null));
        return;
      case 'mcp_tool_call_begin':
      case 'mcp_tool_call_end':
        this.upsertTool(p, k, (id) => mcpToolCallItem(slimToolCall(p), id, null, null));
        return;
      case 'dynamic_tool_call_request':
      case 'dynamic_tool_call_response':
        this.upsertTool(p, k, (id) => dynamicToolCallItem(slimToolCall(p), id, null, null));
        return;
      case 'web_search_begin':
      case 'web_search_end':
        this.upsertTool(p, k, (id) => webSearchItem(p, id, null, null));
        return;
      case 'view_image_tool_call':
        this.upsertTool(p, k, (id) => ({ type: 'imageView', id }));
        return;
      case 'context_compacted':
        this.ensureTurn(k).items.push({ id: this.itemId(), type: 'contextCompaction', kind: null, text: '' });
        return;
      case 'entered_review_mode':
      case 'exited_review_mode':
        this.ensureTurn(k).items.push({ id: this.itemId(), type: t === 'entered_review_mode' ? 'enteredReviewMode' : 'exitedReviewMode', kind: null, text: '' });
        return;
      case 'task_complete':
      case 'turn_complete':
      case 'turn_aborted': {
        const turnId = str(p.turn_id);
        const turn = (turnId !== undefined ? this.findTurn(turnId) : null) ?? this.current;
        if (turn && turn === this.current) this.finishCurrent();
        return;
      }
      case 'thread_rolled_back': {
        this.finishCurrent();
        const n = Math.max(0, num(p.num_turns) ?? 0);
        this.turns.splice(Math.max(0, this.turns.length - n), n);
        this.nextItem = this.turns.reduce((sum, turn) => sum + turn.items.length, 0) + 1;
        this.held = this.turns.reduce((sum, turn) => sum + turn.items.reduce((s, i) => s + i.text.length, 0), 0);
        return;
      }
      default:
        return;
    }
  }

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

  private itemId(): string {
    return `item-${this.nextItem++}`;
  }

  private add(turn: LightTurn, item: WireItem): void {
    this.store(turn, item, false);
  }

  private store(turn: LightTurn, item: WireItem, upsert: boolean): void {
    const entry = light(item);
    if (!this.room()) entry.text = '';
    this.held += entry.text.length;
    if (upsert) {
      const at = turn.items.findIndex((existing) => existing.id === entry.id && existing.type === entry.type);
      if (at >= 0) {
        this.held -= turn.items[at].text.length;
        turn.items[at] = entry;
        return;
      }
    }
    turn.items.push(entry);
  }

  private ensureTurn(k: number): LightTurn {
    if (!this.current) this.current = { id: `rollout-${k}`, items: [], explicit: false, sawCompaction: false };
    return this.current;
  }

  private finishCurrent(): void {
    const cur = this.current;
    if (!cur) return;
    this.current = null;
    if (!cur.explicit && cur.items.length === 0 && !cur.sawCompaction) return;
    this.turns.push(cur);
  }

  private findTurn(turnId: string | undefined): LightTurn | null {
    if (turnId === undefined) return null;
    if (this.current?.id === turnId) return this.current;
    for (let i = this.turns.length - 1; i >= 0; i--) if (this.turns[i].id === turnId) return this.turns[i];
    return null;
  }

  private onTurnItem(p: Record<string, unknown>, k: number): void {
    if (!isObject(p.item)) return;
    const item = turnItemToWire(slimTurnItem(p.item), null, null);
    if (!item) return;
    const turnId = str(p.turn_id);
    const turn = this.findTurn(turnId) ?? (turnId === undefined || this.current ? this.ensureTurn(k) : null);
    if (turn) this.store(turn, item, true);
  }

  private upsertTool(p: Record<string, unknown>, k: number, make: (id: string) => WireItem): void {
    const callId = str(p.call_id) ?? str(p.callId);
    if (!callId) return;
    const turnId = str(p.turn_id) ?? str(p.turnId);
    const turn = this.findTurn(turnId) ?? this.current ?? (turnId === undefined ? this.ensureTurn(k) : null);
    if (turn) this.store(turn, make(callId), true);
  }
}

/** Pure variant for tests and in-memory lines. */
export function searchTextFromLines(lines: Iterable<RolloutLine>): ThreadSearchText | null {
  const acc = new SearchTextAccumulator();
  for (const line of lines) acc.push(line);
  return acc.finish();
}
