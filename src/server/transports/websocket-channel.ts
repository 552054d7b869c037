// A client connection over WebSocket, framed like Codex's listeners: one JSON-RPC message per
// text frame, no newline required (a trailing one is fine), fragmented frames reassembled by `ws`.
// Binary frames and frames that do not hold exactly one message are dropped with a log line and
// no answer, as Codex 0.169 does. A client's connection (`flow` set) gets the flow control of every
// transport (flow.ts); a link threadstate opened itself hands messages over as they come.

import type { RawData, WebSocket } from 'ws';
import { logger } from '../../logs/logger.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import { DEFAULT_FLOW_LIMITS, flowGate, InboundBacklog, OVERLOADED_MESSAGE, type FlowGate, type FlowLimits, type Outbound } from '../flow.ts';
import { ChannelBase, isMessageShaped, isRequest, type JsonMessage, type MessageChannel } from './channel.ts';

const log = logger('server.websocket');

const OPEN = 1;

/**
 * Messages longer than this go out as several frames (a text frame and continuations), as Codex
 * 0.169 does past the 16 MiB it advertises: its TUI's WebSocket library refuses bigger frames.
 * THREADSTATE_WS_MAX_FRAME_BYTES lowers it (tests).
 */
const MAX_FRAME_BYTES = Number(process.env.THREADSTATE_WS_MAX_FRAME_BYTES) || 16 * 1024 * 1024;

/** Unsent bytes past which the peer counts as not reading: a socket's default high-water mark. */
const CONGESTED_BYTES = 16 * 1024;

/** Splits UTF-8 bytes into pieces of at most `max` bytes, never inside a character. */
export function framePieces(bytes: Buffer, max: number): Buffer[] {
  const pieces: Buffer[] = [];
  let start = 0;
  while (bytes.length - start > max) {
    let end = start + max;
    while (end > start && (bytes[end] & 0xc0) === 0x80) end--;
    if (end === start) end = start + max; // a limit under 4 bytes cannot keep characters whole
    pieces.push(bytes.subarray(start, end));
    start = end;
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}

function frameText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

export interface WebSocketChannelOptions {
  /** A client's connection: its messages go through flow control with these limits. */
  flow?: FlowLimits;
}

export class WebSocketChannel extends ChannelBase implements MessageChannel, Outbound {
  readonly label: string;
  protected readonly flow: FlowGate;
  private readonly socket: WebSocket;
  private readonly backlog: InboundBacklog<JsonMessage> | null;
  private unwritten = 0;
  private readonly progressWaiters: Array<() => void> = [];

  constructor(socket: WebSocket, label: string, options: WebSocketChannelOptions = {}) {
    super();
    this.socket = socket;
    this.label = label;
    this.flow = flowGate(this, () => this.inFlight, options.flow ?? DEFAULT_FLOW_LIMITS);
    this.backlog = options.flow
      ? new InboundBacklog<JsonMessage>(this.flow, {
          deliver: (message) => this.deliver(message),
          refuse: (message) => void this.write({ id: message.id, error: { code: ErrorCode.Overloaded, message: OVERLOADED_MESSAGE } }),
          isRequest,
          pauseInput: () => socket.pause(),
          resumeInput: () => socket.resume(),
        })
      : null;
    socket.on('message', (data, isBinary) => this.receive(data, isBinary));
    socket.on('close', () => {
      this.backlog?.stop();
      this.finish();
      this.progress();
    });
    socket.on('error', (err) => log.debug('websocket error', { connection: label, error: err.message }));
  }

  get congested(): boolean {
    return this.socket.bufferedAmount >= CONGESTED_BYTES;
  }

  get pendingMessages(): number {
    return this.unwritten;
  }

  whenProgress(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.progressWaiters.push(resolve));
  }

  private progress(): void {
    for (const wake of this.progressWaiters.splice(0)) wake();
  }

  private receive(data: RawData, isBinary: boolean): void {
    if (isBinary) {
      log.warn('dropped a binary frame (messages travel in text frames)', { connection: this.label });
      return;
    }
    const text = frameText(data);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      log.warn('dropped a frame that is not one JSON message', { connection: this.label, error: (err as Error).message, preview: text.slice(0, 200) });
      return;
    }
    if (!isMessageShaped(value)) {
      log.warn('dropped a frame that is neither a request, a notification nor a response', { connection: this.label, preview: text.slice(0, 200) });
      return;
    }
    if (this.backlog) this.backlog.push(value, text.length);
    else this.deliver(value);
  }

  async send(message: JsonMessage): Promise<void> {
    try {
      await this.write(message);
    } finally {
      this.sent(message);
    }
  }

  /** Resolves once the message is handed to the socket (or dropped: the peer is gone). */
  private write(message: JsonMessage): Promise<void> {
    if (this.socket.readyState !== OPEN) return Promise.resolve();
    let text: string;
    try {
      text = JSON.stringify(message);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    this.unwritten++;
    const done = (resolve: () => void) => (err?: Error) => {
      if (err) log.debug('could not send (peer gone)', { connection: this.label, error: err.message });
      this.unwritten--;
      this.progress();
      resolve();
    };
    if (text.length * 3 <= MAX_FRAME_BYTES) return new Promise((resolve) => this.socket.send(text, { binary: false }, done(resolve)));
    const pieces = framePieces(Buffer.from(text, 'utf8'), MAX_FRAME_BYTES);
    return new Promise((resolve) => {
      pieces.forEach((piece, i) => {
        const last = i === pieces.length - 1;
        this.socket.send(piece, { binary: false, fin: last }, last ? done(resolve) : undefined);
      });
    });
  }

  /** Stops reading from the peer (TCP pushes back on it) until `resume`. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  close(): void {
    if (this.socket.readyState === OPEN) this.socket.close(1000);
    else this.socket.terminate();
  }
}
