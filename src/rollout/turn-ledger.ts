// The turn and item-id bookkeeping of a rollout, shared by the turn rebuild (history.ts) and the
// search text (search-text.ts) so both cut turns and name items by the same rules
// (docs/rollout-format.md §7): implicit Feb-era turns `rollout-<k>` (k = position of the known line),
// `item-N` numbering, upserts by call id or recorded item id, turn lookups by id, rollbacks.
// Subclasses only say how an item looks (full wire item, or a light search entry) and what a
// turn records beyond its items.

import { eventType, isKnownLine, isObject, num, payloadOf, str, type RolloutLine } from './lines.ts';

export interface LedgerItem {
  id: string;
  type: string;
}

export interface LedgerTurn<I extends LedgerItem> {
  id: string;
  items: I[];
  /** Opened by task_started/turn_started (an implicit turn is closed by the next user message). */
  explicit: boolean;
  sawCompaction: boolean;
}

/** Tool events that are upserted by call id, by the item they become. */
export type ToolKind = 'command' | 'fileChange' | 'mcp' | 'dynamic' | 'webSearch' | 'imageView';

/** The events that begin, update or end a tool call, and the kind of item each makes. */
const TOOL_EVENTS = new Map<string, ToolKind>([
  ['exec_command_begin', 'command'], ['exec_command_end', 'command'],
  ['patch_apply_begin', 'fileChange'], ['patch_apply_end', 'fileChange'], ['apply_patch_approval_request', 'fileChange'],
  ['mcp_tool_call_begin', 'mcp'], ['mcp_tool_call_end', 'mcp'],
  ['dynamic_tool_call_request', 'dynamic'], ['dynamic_tool_call_response', 'dynamic'],
  ['web_search_begin', 'webSearch'], ['web_search_end', 'webSearch'],
  ['view_image_tool_call', 'imageView'],
]);

/** Events that always append one item without text of their own to search. */
export type MarkerType = 'contextCompaction' | 'enteredReviewMode' | 'exitedReviewMode';

/** The events that stand in a turn as a marker item. */
const MARKER_EVENTS = new Map<string, MarkerType>([
  ['context_compacted', 'contextCompaction'], ['entered_review_mode', 'enteredReviewMode'], ['exited_review_mode', 'exitedReviewMode'],
]);

type Payload = Record<string, unknown>;

/** A single-pass turn reducer. Feed lines with `push`; a subclass's `finish` reads `turns`. */
export abstract class TurnLedger<I extends LedgerItem, T extends LedgerTurn<I>> {
  protected readonly turns: T[] = [];
  protected current: T | null = null;
  private nextItem = 1;
  /** Position of the next known line; names implicit turns `rollout-<k>`. */
  private k = 0;

  /** A new turn; `p` is the task_started payload of an explicit turn, null for an implicit one. */
  protected abstract newTurn(id: string, explicit: boolean, p: Payload | null): T;
  protected abstract userMessage(id: string, p: Payload): I;
  protected abstract agentMessage(id: string, text: string, p: Payload): I;
  protected abstract reasoning(id: string, summary: boolean, text: string): I;
  /** Adds a reasoning summary (or raw content) part to the turn's last item, a reasoning item. */
  protected abstract mergeReasoning(last: I, summary: boolean, text: string): void;
  /** The item of a 0.169 item_started/item_completed `p.item`; null when it is not shown. */
  protected abstract turnItem(raw: Payload, p: Payload): I | null;
  protected abstract tool(kind: ToolKind, p: Payload, callId: string): I;
  protected abstract marker(type: MarkerType, id: string, p: Payload): I;

  /** Called before an item is stored; `replaced` is the item it upserts over. */
  protected admit(_item: I, _replaced: I | null): void {}
  /** task_complete/turn_complete (`aborted` false) or turn_aborted for `turn`, before it closes. */
  protected ended(_turn: T, _p: Payload, _aborted: boolean): void {}
  /** An `error` event while `turn` is open. */
  protected failed(_turn: T, _p: Payload): void {}
  /** After a rollback removed turns. */
  protected rolledBack(): void {}
  /** A 0.169 item naming a turn that is neither open nor known. */
  protected dropped(_turnId: string | undefined, _item: I): void {}

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
    const tool = TOOL_EVENTS.get(t);
    if (tool) return this.upsertTool(p, k, tool);
    const marker = MARKER_EVENTS.get(t);
    if (marker) return this.addMarker(marker, p, k);
    switch (t) {
      case 'task_started':
      case 'turn_started':
        this.finishCurrent();
        this.current = this.newTurn(str(p.turn_id) ?? `rollout-${k}`, true, p);
        return;
      case 'user_message': {
        const cur = this.current;
        if (cur && !cur.explicit && !(cur.items.length === 0 && cur.sawCompaction)) this.finishCurrent();
        const turn = this.ensureTurn(k);
        this.add(turn, this.userMessage(this.itemId(), p));
        return;
      }
      case 'agent_message': {
        const text = str(p.message) ?? '';
        if (text === '') return;
        const turn = this.ensureTurn(k);
        this.add(turn, this.agentMessage(this.itemId(), text, p));
        return;
      }
      case 'agent_reasoning':
      case 'agent_reasoning_raw_content': {
        const turn = this.ensureTurn(k);
        const text = str(p.text) ?? '';
        const last = turn.items[turn.items.length - 1];
        const summary = t === 'agent_reasoning';
        if (last?.type === 'reasoning') this.mergeReasoning(last, summary, text);
        else this.add(turn, this.reasoning(this.itemId(), summary, text));
        return;
      }
      case 'item_completed':
      case 'item_started':
        this.onTurnItem(p, k);
        return;
      case 'task_complete':
      case 'turn_complete':
      case 'turn_aborted': {
        const turn = this.findTurn(str(p.turn_id)) ?? this.current;
        if (!turn) return;
        this.ended(turn, p, t === 'turn_aborted');
        if (turn === this.current) this.finishCurrent();
        return;
      }
      case 'error':
        if (this.current) this.failed(this.current, p);
        return;
      case 'thread_rolled_back': {
        this.finishCurrent();
        const n = Math.max(0, num(p.num_turns) ?? 0);
        this.turns.splice(Math.max(0, this.turns.length - n), n);
        this.nextItem = this.turns.reduce((sum, turn) => sum + turn.items.length, 0) + 1;
        this.rolledBack();
        return;
      }
      default:
        return;
    }
  }

  /** Closes the open turn; an implicit turn with nothing in it is dropped. */
  protected finishCurrent(): void {
    const cur = this.current;
    if (!cur) return;
    this.current = null;
    if (!cur.explicit && cur.items.length === 0 && !cur.sawCompaction) return;
    this.turns.push(cur);
  }

  private itemId(): string {
    return `item-${this.nextItem++}`;
  }

  private ensureTurn(k: number): T {
    if (!this.current) this.current = this.newTurn(`rollout-${k}`, false, null);
    return this.current;
  }

  private findTurn(turnId: string | undefined): T | null {
    if (turnId === undefined) return null;
    if (this.current?.id === turnId) return this.current;
    for (let i = this.turns.length - 1; i >= 0; i--) if (this.turns[i].id === turnId) return this.turns[i];
    return null;
  }

  private add(turn: T, item: I): void {
    this.admit(item, null);
    turn.items.push(item);
  }

  private addMarker(type: MarkerType, p: Payload, k: number): void {
    const turn = this.ensureTurn(k);
    this.add(turn, this.marker(type, this.itemId(), p));
  }

  /** Replaces the turn's item with the same id and type, else appends. */
  private upsert(turn: T, item: I): void {
    const at = turn.items.findIndex((existing) => existing.id === item.id && existing.type === item.type);
    this.admit(item, at >= 0 ? turn.items[at] : null);
    if (at >= 0) turn.items[at] = item;
    else turn.items.push(item);
  }

  private onTurnItem(p: Payload, k: number): void {
    if (!isObject(p.item)) return;
    const item = this.turnItem(p.item, p);
    if (!item) return;
    const turnId = str(p.turn_id);
    const turn = this.findTurn(turnId) ?? (turnId === undefined || this.current ? this.ensureTurn(k) : null);
    if (turn) this.upsert(turn, item);
    else this.dropped(turnId, item);
  }

  private upsertTool(p: Payload, k: number, kind: ToolKind): void {
    const callId = str(p.call_id) ?? str(p.callId);
    if (!callId) return;
    const turnId = str(p.turn_id) ?? str(p.turnId);
    const turn = this.findTurn(turnId) ?? this.current ?? (turnId === undefined ? this.ensureTurn(k) : null);
    if (turn) this.upsert(turn, this.tool(kind, p, callId));
  }
}
