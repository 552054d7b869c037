// Newline-delimited JSON framing for vscode-jsonrpc, as the Codex app-server speaks it: one
// compact JSON object per line in each direction, no `jsonrpc` member on output, junk lines and
// batches (arrays) dropped with a log line (inbound.ts decides what a line is). Framing and flow
// only: no method names, no business rules. Transport-neutral: any Readable/Writable pair (stdio,
// a socket) gets the same backpressure and the same handling of a client that went away.

import { StringDecoder } from 'node:string_decoder';
import type { Readable, Writable } from 'node:stream';
import rpc from './jsonrpc.ts';
import type { DataCallback, Disposable, Message } from './jsonrpc.ts';
import { errorMessage } from '../errors.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { toWireError } from './rpc-error.ts';
import { logger } from '../logs/logger.ts';
import { jsonChunks } from './json-chunks.ts';
import { IdEcho, parseInbound, type RequestId } from './inbound.ts';
import { InboundBacklog, OPEN_GATE, OVERLOADED_MESSAGE, type FlowGate, type Outbound } from './flow.ts';

const log = logger('server.ndjson');

/** Lines longer than this are discarded whole (and logged) instead of being buffered without bound. */
export const MAX_LINE_BYTES = 32 * 1024 * 1024;

export interface ReaderOptions {
  maxLineBytes?: number;
  ids?: IdEcho;
  gate?: FlowGate;
  /** Answers a request without handling it (refused input, overload). */
  reject?: (id: RequestId, code: number, message: string) => void;
  /** Pass ids of any JSON type through unchanged (a relay forwards them as they are). */
  anyId?: boolean;
}

function isRequest(message: Message): message is rpc.RequestMessage {
  const m = message as { method?: unknown; id?: unknown };
  return typeof m.method === 'string' && m.id !== undefined;
}

export class NdjsonMessageReader extends rpc.AbstractMessageReader {
  private readonly input: Readable;
  private readonly maxLineBytes: number;
  private readonly ids: IdEcho;
  private readonly gate: FlowGate;
  private readonly reject: (id: RequestId, code: number, message: string) => void;
  private readonly anyId: boolean;
  private stopListening: (() => void) | null = null;

  constructor(input: Readable, opts: ReaderOptions = {}) {
    super();
    this.input = input;
    this.maxLineBytes = opts.maxLineBytes ?? MAX_LINE_BYTES;
    this.ids = opts.ids ?? new IdEcho();
    this.gate = opts.gate ?? OPEN_GATE;
    this.reject = opts.reject ?? (() => undefined);
    this.anyId = opts.anyId === true;
  }

  /** Stops reading for good (the client went away): input is released, nothing more is handed over. */
  stop(): void {
    this.stopListening?.();
    this.input.destroy();
  }

  listen(callback: DataCallback): Disposable {
    const decoder = new StringDecoder('utf8');
    let pending = '';
    let discarding = false;
    let disposed = false;
    // Flow control (flow.ts): while the gate is shut (the client is not reading), nothing is
    // handed over, the backlog fills, and input is paused: the client's writes then block in its
    // own pipe or socket.
    const backlog = new InboundBacklog<Message>(this.gate, {
      deliver: (message) => callback(message),
      refuse: (message) => this.reject((message as rpc.RequestMessage).id as RequestId, ErrorCode.Overloaded, OVERLOADED_MESSAGE),
      isRequest,
      pauseInput: () => this.input.pause(),
      resumeInput: () => {
        if (!disposed) this.input.resume();
      },
      ended: () => this.fireClose(),
    });

    const handleLine = (raw: string): void => {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line.trim() === '') return;
      const inbound = parseInbound(line, this.ids, this.anyId);
      if (inbound.kind === 'message') backlog.push(inbound.message, line.length);
      else if (inbound.kind === 'reject') this.reject(inbound.id, ErrorCode.InvalidRequest, inbound.message);
      else log.warn(`dropped a line: ${inbound.reason}`, { preview: line.slice(0, 200) });
    };

    const onData = (chunk: Buffer | string): void => {
      let text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
      while (text.length > 0) {
        const newline = text.indexOf('\n');
        if (newline < 0) {
          if (!discarding) {
            pending += text;
            if (pending.length > this.maxLineBytes) {
              log.warn('dropped an oversized line', { limitBytes: this.maxLineBytes });
              pending = '';
              discarding = true;
            }
          }
          return;
        }
        const piece = text.slice(0, newline);
        text = text.slice(newline + 1);
        if (discarding) {
          discarding = false;
          continue;
        }
        const line = pending + piece;
        pending = '';
        if (line.length > this.maxLineBytes) {
          log.warn('dropped an oversized line', { limitBytes: this.maxLineBytes });
          continue;
        }
        handleLine(line);
      }
    };
    const onEnd = (): void => {
      const rest = pending + decoder.end();
      pending = '';
      if (!discarding && rest.trim() !== '') handleLine(rest);
      backlog.end();
    };
    const onError = (err: Error): void => this.fireError(err);

    this.input.on('data', onData);
    this.input.on('end', onEnd);
    this.input.on('error', onError);
    const dispose = (): void => {
      disposed = true;
      backlog.stop();
      this.input.off('data', onData);
      this.input.off('end', onEnd);
      this.input.off('error', onError);
    };
    this.stopListening = dispose;
    return { dispose };
  }
}

/**
 * Characters per write when an outgoing message is large. Kept well under 128 KiB: V8 puts bigger
 * strings in their own freshly mapped pages, and touching fresh pages cost ~5 ms per MB here
 * (a 52 MB answer written in 256 Ki-character chunks spent 300 ms on that alone, 70 ms at 32 Ki).
 */
const CHUNK_CHARS = 32 * 1024;

/** What the writer asks about a message beyond its JSON; the dispatcher, which built it, answers. */
export interface WriteHooks {
  /** The message may be big: serialize it a chunk at a time. */
  chunked(message: Message): boolean;
  /** Before a chunked message starts: throws (a DomainError) when it can no longer be written as built. */
  verify?(message: Message): void;
  /** The message has been handed to the output, or failed to be. */
  written(message: Message): void;
}

const PLAIN: WriteHooks = { chunked: () => false, written: () => undefined };

/** Write errors that mean the client closed its end: the session ends quietly. */
const PEER_GONE = new Set(['EPIPE', 'ECONNRESET', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END', 'EOF']);

/** The wire error of an answer that could not be written as built (its rollout changed), or failed while written. */
function failureOf(err: unknown): { code: number; message: string } {
  const wire = toWireError(err, 'the answer');
  if (wire.unexpected) log.error('an answer could not be serialized', { error: errorMessage(err), stack: err instanceof Error ? err.stack : undefined });
  return { code: wire.code, message: wire.message };
}

export class NdjsonMessageWriter extends rpc.AbstractMessageWriter implements Outbound {
  private readonly output: Writable;
  private readonly hooks: WriteHooks;
  private readonly ids: IdEcho;
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  private queuedResponses = 0;
  private gone: Error | null = null;
  private readonly goneWaiters: Array<() => void> = [];
  private readonly progressWaiters: Array<() => void> = [];

  constructor(output: Writable, hooks: WriteHooks = PLAIN, ids: IdEcho = new IdEcho()) {
    super();
    this.output = output;
    this.hooks = hooks;
    this.ids = ids;
    this.output.on('error', (err) => this.peerGone(err));
    this.output.on('drain', () => this.progress());
  }

  /** Messages handed to write() and not yet fully handed to the output. */
  get pendingMessages(): number {
    return this.queued;
  }

  /** Of those, responses (answers to requests). */
  get pendingResponses(): number {
    return this.queuedResponses;
  }

  /** True while the output holds more unwritten bytes than its high-water mark (the client is not reading). */
  get congested(): boolean {
    return this.gone === null && this.output.writableNeedDrain;
  }

  /** Whether the client has gone away (a write failed: EPIPE, ECONNRESET, …). */
  get closed(): boolean {
    return this.gone !== null;
  }

  /** Resolves when the client has gone away. */
  whenGone(): Promise<void> {
    if (this.gone) return Promise.resolve();
    return new Promise((resolve) => this.goneWaiters.push(resolve));
  }

  /** Resolves on the next progress: a message finished, the output drained, or the client went away. */
  whenProgress(): Promise<void> {
    return new Promise((resolve) => this.progressWaiters.push(resolve));
  }

  private progress(): void {
    for (const wake of this.progressWaiters.splice(0)) wake();
  }

  private peerGone(err: Error): void {
    if (this.gone) return;
    this.gone = err;
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (PEER_GONE.has(code)) log.info('the client closed the connection; ending the session', { code });
    else log.warn('the connection failed; ending the session', { code, error: err.message });
    for (const wake of this.goneWaiters.splice(0)) wake();
    this.progress();
  }

  write(message: Message): Promise<void> {
    const isResponse = (message as { id?: unknown }).id !== undefined && (message as { method?: unknown }).method === undefined;
    this.queued++;
    if (isResponse) this.queuedResponses++;
    const next = this.queue.then(() => this.writeNow(message)).finally(() => {
      this.queued--;
      if (isResponse) this.queuedResponses--;
      this.progress();
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async writeNow(message: Message): Promise<void> {
    try {
      if (this.gone) return; // nobody is reading: drop it
      await this.serialize(message);
    } finally {
      this.hooks.written(message);
    }
  }

  private async serialize(message: Message): Promise<void> {
    const { jsonrpc: _ignored, ...rest } = message as Message & Record<string, unknown>;
    const raw = this.ids.release(rest.id);
    if (raw !== null) rest.id = JSON.rawJSON(raw);
    if (this.hooks.chunked(message)) await this.writeStreamed(message, rest);
    else await this.writeChunk(`${JSON.stringify(rest)}\n`);
    if (this.output.writableNeedDrain) await this.drained();
  }

  /**
   * A history answer is written as its JSON is produced, one string of about CHUNK_CHARS at a
   * time. The next chunk is produced while the previous one is still being read by the client
   * (the wait for `drain` comes after producing it), so a 50 MB answer never exists as one string
   * and one Buffer and the two sides overlap. An answer that cannot be produced intact (its
   * rollout changed: spilled-text.ts) becomes an error for its id: before the first byte when that
   * is known in time, otherwise the partial line is ended (clients drop it as invalid JSON) and
   * the error follows on its own line.
   */
  private async writeStreamed(message: Message, rest: Record<string, unknown>): Promise<void> {
    let started = false;
    try {
      this.hooks.verify?.(message);
      let pending: string | null = null;
      for (const chunk of jsonChunks(rest, CHUNK_CHARS)) {
        if (pending !== null) {
          started = true;
          await this.writeChunk(pending);
        }
        pending = chunk;
      }
      await this.writeChunk(`${pending ?? ''}\n`);
    } catch (err) {
      if (this.gone) return;
      const failure = failureOf(err);
      log.warn(started ? 'ended a streamed answer early with an error' : 'answered with an error instead of a stale answer', { id: String(rest.id), error: failure.message });
      await this.writeChunk(`${started ? '\n' : ''}${JSON.stringify({ error: failure, id: rest.id })}\n`);
    }
  }

  private async writeChunk(chunk: string): Promise<void> {
    if (this.output.writableNeedDrain) await this.drained();
    if (this.gone) return;
    this.output.write(chunk, (err) => {
      if (err) this.peerGone(err);
    });
  }

  /** Resolves on `drain`, or once the client has gone away. */
  private drained(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.output.off('drain', done);
        this.output.off('close', done);
        this.goneWaiters.splice(this.goneWaiters.indexOf(done) >>> 0, 1);
        resolve();
      };
      if (this.gone) return resolve();
      this.output.once('drain', done);
      this.output.once('close', done);
      this.goneWaiters.push(done);
    });
  }

  /** Resolves once every queued message has been handed to the stream. */
  flushed(): Promise<void> {
    return this.queue;
  }

  end(): void {
    // stdout stays open; the process exit closes it.
  }
}
