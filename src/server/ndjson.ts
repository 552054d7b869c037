// Newline-delimited JSON framing for vscode-jsonrpc, as the Codex app-server speaks it: one
// compact JSON object per line in each direction, no `jsonrpc` member on output, junk lines and
// batches (arrays) dropped with a log line. Framing only: no method names, no business rules.

import { StringDecoder } from 'node:string_decoder';
import type { Readable, Writable } from 'node:stream';
import rpc from './jsonrpc.ts';
import type { DataCallback, Disposable, Message } from './jsonrpc.ts';
import { logger } from '../logs/logger.ts';
import { jsonChunks } from './json-chunks.ts';

const log = logger('server.ndjson');

/** Lines longer than this are discarded whole (and logged) instead of being buffered without bound. */
export const MAX_LINE_BYTES = 32 * 1024 * 1024;

export class NdjsonMessageReader extends rpc.AbstractMessageReader {
  private readonly input: Readable;
  private readonly maxLineBytes: number;
  private readonly anyId: boolean;

  /** `anyId`: pass ids of any JSON type through (a relay forwards them unchanged). */
  constructor(input: Readable, maxLineBytes = MAX_LINE_BYTES, options: { anyId?: boolean } = {}) {
    super();
    this.input = input;
    this.maxLineBytes = maxLineBytes;
    this.anyId = options.anyId === true;
  }

  listen(callback: DataCallback): Disposable {
    const decoder = new StringDecoder('utf8');
    let pending = '';
    let discarding = false;
    let ended = false;
    let disposed = false;
    // Messages are handed over one per event-loop turn: vscode-jsonrpc queues incoming messages
    // keyed by request id, so two queued requests with the same id would collapse into one and a
    // client would never get its second answer. One at a time keeps that queue at one entry.
    const backlog: Message[] = [];
    let pumping = false;

    const pump = (): void => {
      if (disposed) return;
      const next = backlog.shift();
      if (next !== undefined) {
        callback(next);
        if (backlog.length < LOW_WATER && this.input.isPaused()) this.input.resume();
        setImmediate(pump);
        return;
      }
      pumping = false;
      // Let the connection process the last message before announcing the end of input.
      if (ended) setImmediate(() => setImmediate(() => this.fireClose()));
    };
    const enqueue = (message: Message): void => {
      backlog.push(message);
      if (backlog.length > HIGH_WATER) this.input.pause();
      if (!pumping) {
        pumping = true;
        setImmediate(pump);
      }
    };

    const handleLine = (raw: string): void => {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        log.warn('dropped a line that is not JSON', { error: (err as Error).message, preview: line.slice(0, 200) });
        return;
      }
      if (Array.isArray(value)) {
        log.warn('dropped a JSON-RPC batch (arrays are not supported)', { length: value.length });
        return;
      }
      if (value === null || typeof value !== 'object') {
        log.warn('dropped a line that is not a JSON object', { preview: line.slice(0, 200) });
        return;
      }
      if (!isJsonRpcShaped(value as Record<string, unknown>, this.anyId)) {
        log.warn('dropped a message that is neither a request, a notification nor a response', { preview: line.slice(0, 200) });
        return;
      }
      enqueue(value as Message);
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
      ended = true;
      if (!pumping) setImmediate(() => setImmediate(() => this.fireClose()));
    };
    const onError = (err: Error): void => this.fireError(err);

    this.input.on('data', onData);
    this.input.on('end', onEnd);
    this.input.on('error', onError);
    return {
      dispose: () => {
        disposed = true;
        this.input.off('data', onData);
        this.input.off('end', onEnd);
        this.input.off('error', onError);
      },
    };
  }
}

const HIGH_WATER = 1000;
const LOW_WATER = 100;

function isJsonRpcShaped(msg: Record<string, unknown>, anyId: boolean): boolean {
  const id = msg.id;
  const validId = anyId ? 'id' in msg : typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
  if (typeof msg.method === 'string') return id === undefined || validId;
  return validId && ('result' in msg || 'error' in msg);
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
  /** The message has been handed to the output, or failed to be. */
  written(message: Message): void;
}

const PLAIN: WriteHooks = { chunked: () => false, written: () => undefined };

export class NdjsonMessageWriter extends rpc.AbstractMessageWriter {
  private readonly output: Writable;
  private readonly hooks: WriteHooks;
  private queue: Promise<void> = Promise.resolve();
  private errorCount = 0;

  constructor(output: Writable, hooks: WriteHooks = PLAIN) {
    super();
    this.output = output;
    this.hooks = hooks;
  }

  write(message: Message): Promise<void> {
    const next = this.queue.then(() => this.writeNow(message));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async writeNow(message: Message): Promise<void> {
    try {
      await this.serialize(message);
    } finally {
      this.hooks.written(message);
    }
  }

  private async serialize(message: Message): Promise<void> {
    const { jsonrpc: _ignored, ...rest } = message as Message & Record<string, unknown>;
    // A history answer is written as its JSON is produced, one string of about CHUNK_CHARS at a
    // time; anything else is one write. The next chunk is produced while the previous one is
    // still being read by the client (the wait for `drain` comes after producing it), so a 50 MB
    // answer never exists as one string and one Buffer and the two sides overlap.
    const state: { error: Error | null } = { error: null };
    const onWritten = (err?: Error | null): void => {
      if (!err || state.error) return;
      state.error = err;
      this.errorCount++;
      this.fireError(err, message, this.errorCount);
    };
    if (this.hooks.chunked(message)) {
      let pending: string | null = null;
      for (const chunk of jsonChunks(rest, CHUNK_CHARS)) {
        if (pending !== null) await this.writeChunk(pending, onWritten, state);
        pending = chunk;
      }
      await this.writeChunk(`${pending ?? ''}\n`, onWritten, state);
    } else {
      await this.writeChunk(`${JSON.stringify(rest)}\n`, onWritten, state);
    }
    if (this.output.writableNeedDrain) await this.drained(state);
    if (state.error) throw state.error;
  }

  private async writeChunk(chunk: string, onWritten: (err?: Error | null) => void, state: { error: Error | null }): Promise<void> {
    if (this.output.writableNeedDrain) await this.drained(state);
    if (state.error) throw state.error;
    this.output.write(chunk, onWritten);
  }

  /** Resolves on `drain`, or once a write callback has reported an error. */
  private drained(state: { error: Error | null }): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.output.off('drain', done);
        this.output.off('error', done);
        this.output.off('close', done);
        resolve();
      };
      this.output.once('drain', done);
      this.output.once('error', done);
      this.output.once('close', done);
      if (state.error) done();
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
