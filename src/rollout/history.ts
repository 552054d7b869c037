// Rebuilds a thread's turns from its rollout (docs/rollout-format.md §7, docs/wire-protocol.md §5). One
// reducer handles both eras in a single pass: Feb-era events (implicit turns `rollout-<k>`, items
// `item-N`) and 0.169 `item_completed` items with recorded ids and times; the turn and id rules
// live in turn-ledger.ts. 0.169 forks are
// stitched onto the parent's history up to `history_base.end_byte_offset`.

import type { Turn } from '../protocol/turn.ts';
import { isObject, num, payloadOf, str, type RolloutLine } from './lines.ts';
import { RESPONSE_ITEMS, streamRollout, type ReadStats } from './reader.ts';
import {
  agentMessageItem, camelErrorInfo, commandExecutionItem, dynamicToolCallItem, fileChangeItem,
  legacyUserContent, mcpToolCallItem, reasoningItem, simpleItem, turnItemToWire, userMessageItem,
  webSearchItem, type WireItem,
} from './history-items.ts';
import { TurnLedger, type LedgerTurn, type MarkerType, type ToolKind } from './turn-ledger.ts';
import { SPILL_MIN_LINE_BYTES, spillItem, type SpillLine, type SpillScope } from './spilled-text.ts';
import { logger } from '../logs/logger.ts';

const log = logger('rollout.history');

type TurnStatus = 'completed' | 'interrupted' | 'failed' | 'inProgress';

interface TurnState extends LedgerTurn<WireItem> {
  /** The ordinal of the line that opened the turn (0.169 files number their lines). */
  ordinal: number | undefined;
  rootTurnId: string | null;
  status: TurnStatus;
  error: Record<string, unknown> | null;
  startedAt: number | null;
  completedAt: number | null;
  durationMs: number | null;
}

type Payload = Record<string, unknown>;

const ORDINALS = new WeakMap<object, number>();

/**
 * The rollout `ordinal` a rebuilt turn (the line that opened it) or item (the line that created it)
 * came from, for the cursors of 0.169 threads; undefined for files without ordinals.
 */
export function rolloutOrdinalOf(value: object): number | undefined {
  return ORDINALS.get(value);
}

function seconds(value: unknown): number | null {
  const n = num(value);
  return n === undefined ? null : Math.floor(n);
}

/** The single-pass turn reducer: full wire items plus turn status and times. Feed lines with `push`, then call `finish`. */
export class HistoryBuilder extends TurnLedger<WireItem, TurnState> {
  private readonly spill: SpillScope | null;
  /** The long line being pushed, when its long strings may be spilled. */
  private spillLine: SpillLine | null = null;
  private lineOrdinal: number | undefined;

  constructor(spill: SpillScope | null = null) {
    super();
    this.spill = spill;
  }

  /** Like `push`, for a line read from `path` at bytes [start, end) as `text`: long strings may be spilled. */
  pushFrom(line: RolloutLine, path: string, start: number, end: number, text: string): void {
    if (!this.spill || end - start < SPILL_MIN_LINE_BYTES) {
      this.push(line);
      return;
    }
    this.spillLine = { path, start, end, line, text };
    try {
      this.push(line);
    } finally {
      this.spillLine = null;
    }
  }

  override push(line: RolloutLine): void {
    this.lineOrdinal = typeof line.ordinal === 'number' ? line.ordinal : undefined;
    super.push(line);
  }

  protected admit(item: WireItem, replaced: WireItem | null): void {
    if (this.spill && this.spillLine) spillItem(this.spill, this.spillLine, item);
    // An upserted item keeps the ordinal of the line that created it.
    const ordinal = replaced ? ORDINALS.get(replaced) : this.lineOrdinal;
    if (ordinal !== undefined) ORDINALS.set(item, ordinal);
  }

  /** The turns in wire shape. An unfinished turn is `interrupted` unless the thread is running. */
  finish(opts: { running?: boolean } = {}): Turn[] {
    this.finishCurrent();
    const last = this.turns.length - 1;
    return this.turns.map((turn, i) => {
      const wire: Turn = {
        id: turn.id,
        rootTurnId: turn.rootTurnId,
        items: turn.items,
        itemsView: 'full',
        status: turn.status === 'inProgress' && !(opts.running && i === last) ? 'interrupted' : turn.status,
        error: turn.error as Turn['error'],
        startedAt: turn.startedAt,
        completedAt: turn.completedAt,
        durationMs: turn.durationMs,
      };
      if (turn.ordinal !== undefined) ORDINALS.set(wire, turn.ordinal);
      return wire;
    });
  }

  protected newTurn(id: string, explicit: boolean, p: Payload | null): TurnState {
    return {
      id, ordinal: this.lineOrdinal, rootTurnId: p ? str(p.root_turn_id) ?? null : null, items: [], status: explicit ? 'inProgress' : 'completed', error: null,
      startedAt: p ? seconds(p.started_at) : null, completedAt: null, durationMs: null, explicit, sawCompaction: false,
    };
  }

  protected userMessage(id: string, p: Payload): WireItem {
    return userMessageItem(id, legacyUserContent(str(p.message) ?? '', p.text_elements, p.images, p.local_images), null, null);
  }

  protected agentMessage(id: string, text: string, p: Payload): WireItem {
    return agentMessageItem(id, text, p.phase, null, null);
  }

  protected reasoning(id: string, summary: boolean, text: string): WireItem {
    return reasoningItem(id, summary ? [text] : [], summary ? [] : [text], null, null);
  }

  protected mergeReasoning(last: WireItem, summary: boolean, text: string): void {
    if (last.type === 'reasoning') (summary ? last.summary : last.content).push(text);
  }

  protected turnItem(raw: Payload, p: Payload): WireItem | null {
    return turnItemToWire(raw, num(p.started_at_ms) ?? null, num(p.completed_at_ms) ?? null);
  }

  protected tool(kind: ToolKind, p: Payload, callId: string): WireItem {
    switch (kind) {
      case 'command': return commandExecutionItem(p, callId, null, null);
      case 'fileChange': return fileChangeItem(p, callId, null, null);
      case 'mcp': return mcpToolCallItem(p, callId, null, null);
      case 'dynamic': return dynamicToolCallItem(p, callId, null, null);
      case 'webSearch': return webSearchItem(p, callId, null, null);
      case 'imageView': return simpleItem('imageView', callId, { path: str(p.path) ?? '' });
    }
  }

  protected marker(type: MarkerType, id: string, p: Payload): WireItem {
    switch (type) {
      case 'contextCompaction': return simpleItem(type, id, {});
      case 'enteredReviewMode': return simpleItem(type, id, { review: str(p.user_facing_hint) || 'Review requested.' });
      case 'exitedReviewMode': {
        const out = isObject(p.review_output) ? str(p.review_output.overall_explanation) : undefined;
        return simpleItem(type, id, { review: out || 'Reviewer failed to output a response.' });
      }
    }
  }

  protected ended(turn: TurnState, p: Payload, aborted: boolean): void {
    if (aborted) {
      turn.status = 'interrupted';
    } else if (isObject(p.error)) {
      turn.status = 'failed';
      turn.error = turnError(p.error);
    } else if (turn.status !== 'failed' && turn.status !== 'interrupted') {
      turn.status = 'completed';
    }
    applyTimes(turn, p);
  }

  protected failed(turn: TurnState, p: Payload): void {
    turn.status = 'failed';
    turn.error = turnError(p);
  }

  protected dropped(turnId: string | undefined, item: WireItem): void {
    log.debug('item for an unknown turn dropped', { turnId, itemId: item.id });
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
  /** Leave long strings in the rollout (see spilled-text.ts); the caller closes the scope. */
  spill?: SpillScope;
}

export interface HistoryResult {
  turns: Turn[];
  stats: ReadStats;
  /** A 0.169 fork whose parent rollout could not be found: only the fork's own turns are shown. */
  missingParentId: string | null;
}

const MAX_FORK_DEPTH = 16;

async function feed(builder: HistoryBuilder, path: string, opts: BuildTurnsOptions, depth: number, endByteOffset: number | undefined, endOrdinal: number | undefined, state: { missingParentId: string | null }): Promise<ReadStats> {
  // The turn rebuild reads nothing of a response item but its place among the known lines.
  const stream = streamRollout(path, { endByteOffset, envelopeOnly: RESPONSE_ITEMS });
  let first = true;
  for await (const { line, start, end, text } of stream) {
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
    builder.pushFrom(line, path, start, end, text);
  }
  return stream.stats;
}

/** Turns and read stats of a rollout. Throws RolloutReadError only when the file itself is unreadable. */
export async function buildHistory(path: string, opts: BuildTurnsOptions = {}): Promise<HistoryResult> {
  const builder = new HistoryBuilder(opts.spill ?? null);
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
