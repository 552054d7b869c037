// One client connection as a stream of JSON-RPC messages, whatever carries them (stdio lines,
// WebSocket frames). Framing lives in the transports; routing and answering live above this.

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
  /** Bytes handed to `send` that the peer has not taken yet (for backpressure). */
  bufferedBytes(): number;
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

/** The listener bookkeeping every channel shares; transports call `deliver` and `finish`. */
export abstract class ChannelBase {
  private readonly messageListeners: Array<(m: JsonMessage) => void> = [];
  private readonly closeListeners: Array<() => void> = [];
  private isClosed = false;

  get closed(): boolean {
    return this.isClosed;
  }

  protected deliver(message: JsonMessage): void {
    for (const listener of this.messageListeners) listener(message);
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
