// An answer that owns resources until it has been written: a thread history whose long strings
// are still in their rollouts (rollout/spilled-text.ts), read back while the answer is serialized.
// The handler returns a `HistoryAnswer`; the dispatcher hands its JSON value to the connection and
// keeps the answer in `HeldAnswers` until the writer reports the message written (or failed), then
// closes the rollouts. The writer only asks whether a message is to be written in chunks.

import type { Message } from './jsonrpc.ts';
import { SpillScope } from '../rollout/spilled-text.ts';

/** A possibly big answer (written in chunks) and the spill scope its value reads from. */
export class HistoryAnswer<T> {
  readonly value: T;
  private scope: SpillScope | null;

  constructor(value: T, scope: SpillScope | null) {
    this.value = value;
    this.scope = scope;
  }

  /** Throws (an RpcError) when a spilled string can no longer be read back intact (spilled-text.ts). */
  verify(): void {
    this.scope?.verify();
  }

  /** Closes the rollouts the value's spilled strings read from (at most once). */
  release(): void {
    this.scope?.close();
    this.scope = null;
  }
}

/**
 * Runs `build` (which answers with thread history) with a spill scope that stays open until the
 * answer has been written; a failed build closes it at once.
 */
export async function historyAnswer<T>(build: (spill: SpillScope) => Promise<T>): Promise<HistoryAnswer<T>> {
  const scope = new SpillScope();
  try {
    const value = await build(scope);
    if (!scope.used) {
      scope.close();
      return new HistoryAnswer(value, null);
    }
    return new HistoryAnswer(value, scope);
  } catch (err) {
    scope.close();
    throw err;
  }
}

/** History answers handed to the connection and not yet written, keyed by their JSON value. */
export class HeldAnswers {
  private readonly held = new WeakMap<object, HistoryAnswer<unknown>>();

  /** Keeps `answer` until its message is written; returns the value to send. */
  hold<T>(answer: HistoryAnswer<T>): T {
    const value = answer.value;
    if (typeof value === 'object' && value !== null) this.held.set(value, answer);
    else answer.release();
    return value;
  }

  /** A history answer is written a chunk at a time; any other message is one JSON.stringify. */
  chunked(message: Message): boolean {
    const result = (message as { result?: unknown }).result;
    return typeof result === 'object' && result !== null && this.held.has(result);
  }

  /** Before the first byte of a history answer: throws when its rollouts changed under it. */
  verify(message: Message): void {
    const result = (message as { result?: unknown }).result;
    if (typeof result === 'object' && result !== null) this.held.get(result)?.verify();
  }

  /** The message is out (or failed): release what its answer held. */
  written(message: Message): void {
    const result = (message as { result?: unknown }).result;
    if (typeof result !== 'object' || result === null) return;
    const answer = this.held.get(result);
    if (!answer) return;
    this.held.delete(result);
    answer.release();
  }
}
