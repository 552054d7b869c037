// One WebSocket connection to the Codex app-server behind the front. Requests the front forwards
// get ids from this link's own counter (so a client's ids, of any JSON type, and the front's own
// requests never collide); answers come back to whoever asked. Server requests and notifications
// go to the listener unchanged.

import WebSocket from 'ws';
import { ErrorCode } from '../protocol/error-codes.ts';
import { logger } from '../logs/logger.ts';
import { errorResponse } from '../server/local-endpoint.ts';
import type { JsonMessage } from '../server/transports/channel.ts';
import { connectablePath } from '../server/transports/unix-socket-path.ts';
import { WebSocketChannel } from '../server/transports/websocket-channel.ts';

const log = logger('front.upstream');

const CONNECT_TIMEOUT_MS = 10_000;
const MAX_INCOMING_BYTES = 256 * 1024 * 1024;

interface Waiter {
  method: string;
  resolve(response: JsonMessage): void;
}

/** `ws+unix:///path:/rpc` for unix sockets (the path the TUI asks for), the URL itself for ws://. */
function socketUrl(target: { kind: 'unix'; path: string } | { kind: 'ws'; url: string }): string {
  return target.kind === 'unix' ? `ws+unix://${connectablePath(target.path)}:/rpc` : target.url;
}

export class UpstreamLink {
  readonly label: string;
  private readonly channel: WebSocketChannel;
  private readonly waiting = new Map<number, Waiter>();
  private nextId = 1;
  private serverMessageListener: (m: JsonMessage) => void = () => undefined;
  /** Why the link closed, for the errors of requests still waiting. */
  private readonly closeReason: () => string;

  private constructor(socket: WebSocket, label: string, closeReason: () => string) {
    this.label = label;
    this.closeReason = closeReason;
    this.channel = new WebSocketChannel(socket, label);
    this.channel.onMessage((m) => this.receive(m));
    this.channel.onClose(() => this.finish());
  }

  static open(target: { kind: 'unix'; path: string } | { kind: 'ws'; url: string }, options: { authToken?: string | null; closeReason: () => string }): Promise<UpstreamLink> {
    const url = socketUrl(target);
    const label = target.kind === 'unix' ? `unix://${target.path}` : target.url;
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, {
        perMessageDeflate: false,
        maxPayload: MAX_INCOMING_BYTES,
        handshakeTimeout: CONNECT_TIMEOUT_MS,
        headers: options.authToken ? { authorization: `Bearer ${options.authToken}` } : {},
      });
      const onError = (err: Error): void => {
        socket.off('open', onOpen);
        reject(new Error(`cannot reach the Codex app-server at ${label}: ${err.message}`));
      };
      const onOpen = (): void => {
        socket.off('error', onError);
        resolve(new UpstreamLink(socket, label, options.closeReason));
      };
      socket.once('error', onError);
      socket.once('open', onOpen);
    });
  }

  get closed(): boolean {
    return this.channel.closed;
  }

  onServerMessage(listener: (m: JsonMessage) => void): void {
    this.serverMessageListener = listener;
  }

  onClose(listener: () => void): void {
    this.channel.onClose(listener);
  }

  private receive(message: JsonMessage): void {
    if (typeof message.method !== 'string' && typeof message.id === 'number') {
      const waiter = this.waiting.get(message.id);
      if (waiter) {
        this.waiting.delete(message.id);
        waiter.resolve(message);
        return;
      }
      log.warn('dropped an answer to no request of ours', { connection: this.label, id: message.id });
      return;
    }
    this.serverMessageListener(message);
  }

  private finish(): void {
    for (const [id, waiter] of this.waiting) {
      waiter.resolve(errorResponse(id, ErrorCode.InternalError,
        `the Codex app-server behind threadstate went away before answering ${waiter.method} (${this.closeReason()}); the request may or may not have run; threadstate restarts or reconnects it on the next request`));
    }
    this.waiting.clear();
  }

  /**
   * Sends `request` (its method and params as they are, its id replaced by one of ours) and
   * resolves with the answer, whose id is ours; it never rejects (a lost link answers an error).
   */
  request(request: JsonMessage): Promise<JsonMessage> {
    const id = this.nextId++;
    const method = String(request.method);
    if (this.closed) return Promise.resolve(errorResponse(id, ErrorCode.InternalError, `the Codex app-server behind threadstate is not connected (${this.closeReason()})`));
    return new Promise((resolve) => {
      this.waiting.set(id, { method, resolve });
      void this.channel.send({ ...request, id });
    });
  }

  /** Sends a notification or an answer to a server request, unchanged. */
  send(message: JsonMessage): Promise<void> {
    return this.channel.send(message);
  }

  /** Stops reading from the upstream until `resume` (a slow client holds it back). */
  pause(): void {
    this.channel.pause();
  }

  resume(): void {
    this.channel.resume();
  }

  close(): void {
    this.channel.close();
  }
}
