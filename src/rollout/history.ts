// Rebuilds a thread's turns from its rollout (rollout-format.md §7, wire-protocol.md §5). One
// reducer handles both eras in a single pass: Feb-era events (implicit turns `rollout-<k>`, items
// `item-N`) and 0.169 `item_completed` items with recorded ids and times. 0.169 forks are
// stitched onto the parent's history up to `history_base.end_byte_offset`.

import type { Turn } from '../protocol/turn.ts';
import type { ThreadItem } from '../protocol/item.ts';
import { eventType, isKnownLine, isObject, num, payloadOf, str, type RolloutLine } from './lines.ts';
import { streamRollout, type ReadStats } from './reader.ts';
import {
  agentMessageItem, camelErrorInfo, commandExecutionItem, dynamicToolCallItem, fileChangeItem,
  legacyUserContent, mcpToolCallItem, reasoningItem, simpleItem, turnItemToWire, userMessageItem,
  webSearchItem, type WireItem,
} from './history-items.ts';
import { logger } from '../logs/logger.ts';

const log = logger('rollout.history');

type TurnStatus = 'completed' | 'interrupted' | 'failed' | 'inProgress';

interface TurnState {
  id: string;
  rootTurnId: string | null;
  items: WireItem[];
  status: TurnStatus;
  error: Record<string, unknown> | null;
  startedAt: number | null;
  completedAt: number | null;
  durationMs: number | null;
  explicit: boolean;
  sawCompaction: boolean;
}

function seconds(value: unknown): number | null {
  const n = num(value);
  return n === undefined ? null : Math.floor(n);
}

/** The single-pass turn reducer. Feed lines with `push`, then call `finish`. */
export class HistoryBuilder {
  private readonly turns: TurnState[] = [];
  private current: TurnState | null = null;
  private nextItem = 1;
  /** Position of the next known line; names implicit turns `rollout-<k>`. */
  private k = 0;

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
        this.current = this.newTurn(str(p.turn_id) ?? `rollout-${k}`, true);
        this.current.rootTurnId = str(p.root_turn_id) ?? null;
        this.current.startedAt = seconds(p.started_at);
        return;
      case 'user_message': {
        const cur = this.current;
        if (cur && !cur.explicit && !(cur.items.length === 0 && cur.sawCompaction)) this.finishCurrent();
        const content = legacyUserContent(str(p.message) ?? '', p.text_elements, p.images, p.local_images);
        this.ensureTurn(k).items.push(userMessageItem(this.itemId(), content, null, null));
        return;
      }
      case 'agent_message': {
        const text = str(p.message) ?? '';
        if (text === '') return;
        this.ensureTurn(k).items.push(agentMessageItem(this.itemId(), text, p.phase, null, null));
        return;
      }
      case 'agent_reasoning':
      case 'agent_reasoning_raw_content': {
        const turn = this.ensureTurn(k);
        const text = str(p.text) ?? '';
        const last = turn.items[turn.items.length - 1];
        const key = t === 'agent_reasoning' ? 'summary' : 'content';
        if (last?.type === 'reasoning') (last[key] as string[]).push(text);
        else turn.items.push(reasoningItem(this.itemId(), key === 'summary' ? [text] : [], key === 'content' ? [text] : [], null, null));
        return;
      }
      case 'item_completed':
      case 'item_started':
        this.onTurnItem(p, k);
        return;
      case 'exec_command_begin':
      case 'exec_command_end':
        this.upsertTool(p, k, (id) => commandExecutionItem(p, id, null, null));
        return;
      case 'patch_apply_begin':
      case 'patch_apply_end':
      case 'apply_patch_approval_request':
        this.upsertTool(p, k, (id) => fileChangeItem(p, id, null, null));
        return;
      case 'mcp_tool_call_begin':
      case 'mcp_tool_call_end':
        this.upsertTool(p, k, (id) => mcpToolCallItem(p, id, null, null));
        return;
      case 'dynamic_tool_call_request':
      case 'dynamic_tool_call_response':
        this.upsertTool(p, k, (id) => dynamicToolCallItem(p, id, null, null));
        return;
      case 'web_search_begin':
      case 'web_search_end':
        this.upsertTool(p, k, (id) => webSearchItem(p, id, null, null));
        return;
      case 'view_image_tool_call':
        this.upsertTool(p, k, (id) => simpleItem('imageView', id, { path: str(p.path) ?? '' }));
        return;
      case 'context_compacted':
        this.ensureTurn(k).items.push(simpleItem('contextCompaction', this.itemId(), {}));
        return;
      case 'entered_review_mode':
        this.ensureTurn(k).items.push(simpleItem('enteredReviewMode', this.itemId(), { review: str(p.user_facing_hint) || 'Review requested.' }));
        return;
      case 'exited_review_mode': {
        const out = isObject(p.review_output) ? str(p.review_output.overall_explanation) : undefined;
        this.ensureTurn(k).items.push(simpleItem('exitedReviewMode', this.itemId(), { review: out || 'Reviewer failed to output a response.' }));
        return;
      }
      case 'task_complete':
      case 'turn_complete':
        this.onTaskComplete(p);
        return;
      case 'turn_aborted':
        this.onTurnAborted(p);
        return;
      case 'error':
        if (this.current) {
          this.current.status = 'failed';
          this.current.error = turnError(p);
        }
        return;
      case 'thread_rolled_back': {
        this.finishCurrent();
        const n = Math.max(0, num(p.num_turns) ?? 0);
        this.turns.splice(Math.max(0, this.turns.length - n), n);
        this.nextItem = this.turns.reduce((sum, turn) => sum + turn.items.length, 0) + 1;
        return;
      }
      default:
        return;
    }
  }

  /** The turns in wire shape. An unfinished turn is `interrupted` unless the thread is running. */
  finish(opts: { running?: boolean } = {}): Turn[] {
    this.finishCurrent();
    const last = this.turns.length - 1;
    return this.turns.map((turn, i) => ({
      id: turn.id,
      rootTurnId: turn.rootTurnId,
      items: turn.items as unknown as ThreadItem[],
      itemsView: 'full',
      status: turn.status === 'inProgress' && !(opts.running && i === last) ? 'interrupted' : turn.status,
      error: turn.error as Turn['error'],
      startedAt: turn.startedAt,
      completedAt: turn.completedAt,
      durationMs: turn.durationMs,
    }));
  }

  private newTurn(id: string, explicit: boolean): TurnState {
    return {
      id, rootTurnId: null, items: [], status: explicit ? 'inProgress' : 'completed', error: null,
      startedAt: null, completedAt: null, durationMs: null, explicit, sawCompaction: false,
    };
  }

  private itemId(): string {
    return `item-${this.nextItem++}`;
  }

  private ensureTurn(k: number): TurnState {
    if (!this.current) this.current = this.newTurn(`rollout-${k}`, false);
    return this.current;
  }

  private finishCurrent(): void {
    const cur = this.current;
    if (!cur) return;
    this.current = null;
    if (!cur.explicit && cur.items.length === 0 && !cur.sawCompaction) return;
    this.turns.push(cur);
  }

  private findTurn(turnId: string | undefined): TurnState | null {
    if (turnId === undefined) return null;
    if (this.current?.id === turnId) return this.current;
    for (let i = this.turns.length - 1; i >= 0; i--) if (this.turns[i].id === turnId) return this.turns[i];
    return null;
  }

  private onTurnItem(p: Record<string, unknown>, k: number): void {
    if (!isObject(p.item)) return;
    const item = turnItemToWire(p.item, num(p.started_at_ms) ?? null, num(p.completed_at_ms) ?? null);
    if (!item) return;
    const turnId = str(p.turn_id);
    const turn = this.findTurn(turnId) ?? (turnId === undefined || this.current ? this.ensureTurn(k) : null);
    if (!turn) {
      log.debug('item for an unknown turn dropped', { turnId, itemId: item.id });
      return;
    }
    upsert(turn, item);
  }

  private upsertTool(p: Record<string, unknown>, k: number, make: (id: string) => WireItem): void {
    const callId = str(p.call_id) ?? str(p.callId);
    if (!callId) return;
    const turnId = str(p.turn_id) ?? str(p.turnId);
    const turn = this.findTurn(turnId) ?? this.current ?? (turnId === undefined ? this.ensureTurn(k) : null);
    if (!turn) return;
    upsert(turn, make(callId));
  }

  private onTaskComplete(p: Record<string, unknown>): void {
    const turnId = str(p.turn_id);
    const turn = (turnId !== undefined ? this.findTurn(turnId) : null) ?? this.current;
    if (!turn) return;
    if (isObject(p.error)) {
      turn.status = 'failed';
      turn.error = turnError(p.error);
    } else if (turn.status !== 'failed' && turn.status !== 'interrupted') {
      turn.status = 'completed';
    }
    applyTimes(turn, p);
    if (turn === this.current) this.finishCurrent();
  }

  private onTurnAborted(p: Record<string, unknown>): void {
    const turn = this.findTurn(str(p.turn_id)) ?? this.current;
    if (!turn) return;
    turn.status = 'interrupted';
    applyTimes(turn, p);
    if (turn === this.current) this.finishCurrent();
  }
}

function applyTimes(turn: TurnState, p: Record<string, unknown>): void {
  turn.startedAt ??= seconds(p.started_at);
  turn.completedAt = seconds(p.completed_at) ?? turn.completedAt;
  turn.durationMs = seconds(p.duration_ms) ?? turn.durationMs;
}

function turnError(e: Record<string, unknown>): Record<string, unknown> {
  const info = e.codex_error_info ?? e.codexErrorInfo;
  return {
    message: str(e.message) ?? '',
    codexErrorInfo: info === undefined || info === null ? null : camelErrorInfo(info),
    additionalDetails: str(e.additional_details) ?? null,
    misalignment: null,
  };
}

function upsert(turn: TurnState, item: WireItem): void {
  const at = turn.items.findIndex((existing) => existing.id === item.id && existing.type === item.type);
  if (at >= 0) turn.items[at] = item;
  else turn.items.push(item);
}

export type ItemsView = 'full' | 'summary' | 'notLoaded';

/** The items a turn shows in a view: `summary` keeps user messages and the last agent message. */
export function withItemsView(turn: Turn, view: ItemsView): Turn {
  if (view === 'full') return { ...turn, itemsView: 'full' };
  if (view === 'notLoaded') return { ...turn, items: [], itemsView: 'notLoaded' };
  let lastAgent = -1;
  turn.items.forEach((item, i) => { if (item.type === 'agentMessage') lastAgent = i; });
  const items = turn.items.filter((item, i) => item.type === 'userMessage' || i === lastAgent);
  return { ...turn, items, itemsView: 'summary' };
}

export interface BuildTurnsOptions {
  /** The thread has a live turn: leave its last unfinished turn `inProgress`. */
  running?: boolean;
  /** Locates a thread's rollout by id (for 0.169 forks); null when it is gone. */
  resolveThreadPath?: (threadId: string) => Promise<string | null>;
}

export interface HistoryResult {
  turns: Turn[];
  stats: ReadStats;
  /** A 0.169 fork whose parent rollout could not be found: only the fork's own turns are shown. */
  missingParentId: string | null;
}

const MAX_FORK_DEPTH = 16;

async function feed(builder: HistoryBuilder, path: string, opts: BuildTurnsOptions, depth: number, endByteOffset: number | undefined, endOrdinal: number | undefined, state: { missingParentId: string | null }): Promise<ReadStats> {
  const stream = streamRollout(path, { endByteOffset });
  let first = true;
  for await (const { line } of stream) {
    if (!line) continue;
    if (endOrdinal !== undefined && typeof line.ordinal === 'number' && line.ordinal >= endOrdinal) break;
    if (first && line.type === 'session_meta') {
      first = false;
      const base = payloadOf(line)?.history_base;
      if (isObject(base) && typeof base.thread_id === 'string' && depth < MAX_FORK_DEPTH) {
        const parentPath = opts.resolveThreadPath ? await opts.resolveThreadPath(base.thread_id) : null;
        if (parentPath) {
          try {
            await feed(builder, parentPath, opts, depth + 1, num(base.end_byte_offset), num(base.end_ordinal_exclusive), state);
          } catch (err) {
            log.warn('fork parent unreadable', { parent: base.thread_id, error: String(err) });
            state.missingParentId = base.thread_id;
          }
        } else {
          state.missingParentId = base.thread_id;
        }
      }
    }
    first = false;
    builder.push(line);
  }
  return stream.stats;
}

/** Turns and read stats of a rollout. Throws RolloutReadError only when the file itself is unreadable. */
export async function buildHistory(path: string, opts: BuildTurnsOptions = {}): Promise<HistoryResult> {
  const builder = new HistoryBuilder();
  const state = { missingParentId: null as string | null };
  const stats = await feed(builder, path, opts, 0, undefined, undefined, state);
  return { turns: builder.finish({ running: opts.running }), stats, missingParentId: state.missingParentId };
}

export async function buildTurns(path: string, opts: BuildTurnsOptions = {}): Promise<Turn[]> {
  return (await buildHistory(path, opts)).turns;
}

/** Pure variant for tests and in-memory lines. */
export function turnsFromLines(lines: Iterable<RolloutLine>, opts: { running?: boolean } = {}): Turn[] {
  const builder = new HistoryBuilder();
  for (const line of lines) builder.push(line);
  return builder.finish(opts);
}
