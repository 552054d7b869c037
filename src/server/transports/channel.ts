// One client connection as a stream of JSON-RPC messages, whatever carries them (stdio lines,
// WebSocket frames). Framing lives in the transports; routing and answering live above this. A
// channel serving a client applies server/flow.ts to it: requests are handed over while the client
// reads its answers, at most 32 at a time, and refused -32001 past that.

import type { FlowGate } from '../flow.ts';

export type JsonMessage = Record<string, unknown>;

export interface MessageChannel {
  /** For logs: `stdio`, `unix:/path#3`, `ws:127.0.0.1:4500#7`. */
  readonly label: string;
  readonly closed: boolean;
  /** Hands one message to the transport; resolves once written (or drops it if the peer is gone). */
  send(message: JsonMessage): Promise<void>;
  onMessage(listener: (message: JsonMessage) => void): void;
  onClose(listener: () => void): void;
  close(): void;
  /** False while the peer is not reading what is sent to it (flow.ts): hold back what would be sent next. */
  keepingUp(): boolean;
  /** Resolves once the peer keeps up again, or is gone. */
  whenKeepingUp(): Promise<void>;
}

/** A request or notification (has a method) or a response (has an id and a result or error); ids may be any JSON value. */
export function isMessageShaped(value: unknown): value is JsonMessage {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const msg = value as JsonMessage;
  if (typeof msg.method === 'string') return true;
  return 'id' in msg && ('result' in msg || 'error' in msg);
}

export function isRequest(msg: JsonMessage): boolean {
  return typeof msg.method === 'string' && 'id' in msg;
}

export function isNotification(msg: JsonMessage): boolean {
  return typeof msg.method === 'string' && !('id' in msg);
}

export function isResponse(msg: JsonMessage): boolean {
  return typeof msg.method !== 'string' && 'id' in msg;
}

/**
 * The bookkeeping every channel shares: listeners, and the requests in flight (handed to the
 * listeners, answer not yet written). Transports call `deliver`, `sent` and `finish`.
 */
export abstract class ChannelBase {
  private readonly messageListeners: Array<(m: JsonMessage) => void> = [];
  private readonly closeListeners: Array<() => void> = [];
  private isClosed = false;
  private requestsInFlight = 0;
  /** The flow control of the peer's side of the channel (flow.ts). */
  protected abstract readonly flow: FlowGate;

  get closed(): boolean {
    return this.isClosed;
  }

  /** Requests handed to the listeners whose answer has not been written yet. */
  get inFlight(): number {
    return this.requestsInFlight;
  }

  protected deliver(message: JsonMessage): void {
    if (isRequest(message)) this.requestsInFlight++;
    for (const listener of this.messageListeners) listener(message);
  }

  /** A message handed to `send` has been written (or dropped): an answer ends its request's flight. */
  protected sent(message: JsonMessage): void {
    if (isResponse(message) && this.requestsInFlight > 0) this.requestsInFlight--;
  }

  keepingUp(): boolean {
    return this.flow.isOpen();
  }

  whenKeepingUp(): Promise<void> {
    return this.flow.whenOpen();
  }

  /** Marks the channel closed and tells the close listeners, once. */
  protected finish(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const listener of this.closeListeners.splice(0)) listener();
  }

  onMessage(listener: (m: JsonMessage) => void): void {
    this.messageListeners.push(listener);
  }

  onClose(listener: () => void): void {
    if (this.isClosed) listener();
    else this.closeListeners.push(listener);
  }
}
