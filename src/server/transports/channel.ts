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
