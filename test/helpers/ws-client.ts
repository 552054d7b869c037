// A WebSocket client for the listener tests: sends raw frames (text, binary, fragmented) and
// waits for messages, like the Codex TUI does over unix:// and ws://.

import WebSocket from 'ws';
import type { Json } from './app-server.ts';

export type Target = { kind: 'unix'; path: string } | { kind: 'ws'; url: string };

export function targetUrl(target: Target, path = '/rpc'): string {
  return target.kind === 'unix' ? `ws+unix://${target.path}:${path}` : `${target.url}${path === '/rpc' ? '/' : path}`;
}

export class WsClient {
  readonly socket: WebSocket;
  readonly messages: Json[] = [];
  private readonly waiters: Array<{ match: (m: Json) => boolean; resolve: (m: Json) => void }> = [];
  private nextId = 1;
  readonly closed: Promise<void>;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data, isBinary) => {
      if (isBinary) throw new Error('the server sent a binary frame');
      const msg = JSON.parse((data as Buffer).toString('utf8'));
      this.messages.push(msg);
      const index = this.waiters.findIndex((w) => w.match(msg));
      if (index >= 0) this.waiters.splice(index, 1)[0].resolve(msg);
    });
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  static connect(target: Target, options: { headers?: Record<string, string>; path?: string } = {}): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(targetUrl(target, options.path), { headers: options.headers, perMessageDeflate: false });
      socket.once('open', () => resolve(new WsClient(socket)));
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  sendText(text: string, options: { fin?: boolean } = {}): void {
    this.socket.send(text, { binary: false, fin: options.fin ?? true });
  }

  send(msg: Json): void {
    this.sendText(JSON.stringify(msg));
  }

  waitFor(match: (m: Json) => boolean, timeoutMs = 15000): Promise<Json> {
    const already = this.messages.find(match);
    if (already) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for a message')), timeoutMs);
      this.waiters.push({ match, resolve: (m) => { clearTimeout(timer); resolve(m); } });
    });
  }

  /** Resolves with the answer to `id` (any JSON value, compared by its JSON text). */
  answerTo(id: Json, timeoutMs?: number): Promise<Json> {
    const key = JSON.stringify(id);
    return this.waitFor((m) => m.method === undefined && JSON.stringify(m.id) === key, timeoutMs);
  }

  async request(method: string, params: Json = {}, id: Json = this.nextId++): Promise<Json> {
    this.send(params === undefined ? { id, method } : { id, method, params });
    return this.answerTo(id);
  }

  async call(method: string, params: Json = {}): Promise<Json> {
    const answer = await this.request(method, params);
    if (answer.error) throw new Error(`${method} failed: ${JSON.stringify(answer.error)}`);
    return answer.result;
  }

  async initialize(name = 'threadstate_test'): Promise<Json> {
    const result = await this.call('initialize', { clientInfo: { name, title: null, version: '1.0.0' }, capabilities: { experimentalApi: true } });
    this.send({ method: 'initialized' });
    return result;
  }

  close(): Promise<void> {
    this.socket.close();
    return this.closed;
  }
}

/** Sends a raw HTTP request over the target and returns the status line. */
export async function httpStatus(target: Target, request: string): Promise<string> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = target.kind === 'unix' ? net.connect(target.path) : net.connect(Number(new URL(target.url).port), '127.0.0.1');
    let data = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: string) => { data += chunk; });
    socket.on('close', () => resolve(data.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy());
  });
}

export interface RawFrame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/** Masks a client frame (RFC 6455 5.3), FIN set, payload under 64 KiB. */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const mask = Buffer.from([1, 2, 3, 4]);
  const header = payload.length < 126 ? Buffer.from([0x80 | opcode, 0x80 | payload.length]) : Buffer.from([0x80 | opcode, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
  return Buffer.concat([header, mask, masked]);
}

/**
 * Upgrades a raw socket by hand, sends `messages` as text frames, and collects the server's
 * frames as they are on the wire until `until` says enough.
 */
export async function rawExchange(target: Target, messages: Json[], until: (frames: RawFrame[]) => boolean, timeoutMs = 15000): Promise<RawFrame[]> {
  const net = await import('node:net');
  const socket = target.kind === 'unix' ? net.connect(target.path) : net.connect(Number(new URL(target.url).port), '127.0.0.1');
  const frames: RawFrame[] = [];
  let buffer = Buffer.alloc(0);
  let upgraded = false;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`timed out; ${frames.length} frames`)); }, timeoutMs);
    socket.on('connect', () => socket.write('GET /rpc HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'));
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!upgraded) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!buffer.subarray(0, end).toString().startsWith('HTTP/1.1 101')) return reject(new Error(buffer.toString()));
        upgraded = true;
        buffer = buffer.subarray(end + 4);
        for (const m of messages) socket.write(clientFrame(1, Buffer.from(JSON.stringify(m))));
      }
      for (;;) {
        if (buffer.length < 2) break;
        let length = buffer[1] & 0x7f;
        let offset = 2;
        if (length === 126) { if (buffer.length < 4) break; length = buffer.readUInt16BE(2); offset = 4; } else if (length === 127) { if (buffer.length < 10) break; length = Number(buffer.readBigUInt64BE(2)); offset = 10; }
        if (buffer.length < offset + length) break;
        frames.push({ fin: (buffer[0] & 0x80) !== 0, opcode: buffer[0] & 0x0f, payload: buffer.subarray(offset, offset + length) });
        buffer = buffer.subarray(offset + length);
      }
      if (until(frames)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(frames);
      }
    });
  });
}
