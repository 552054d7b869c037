// The `unix://` and `ws://` listeners: an HTTP server that upgrades to WebSocket on any path (the
// Codex TUI asks for `/rpc` on unix sockets and `/` over TCP), refuses upgrades that carry a
// browser `Origin` (403) or lack the configured bearer token (401), and answers `/readyz` and
// `/healthz` over TCP. Compression is never negotiated, so frames stay plain text.

import { timingSafeEqual } from 'node:crypto';
import { chmodSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { logger } from '../../logs/logger.ts';
import { DEFAULT_FLOW_LIMITS, type FlowLimits } from '../flow.ts';
import type { MessageChannel } from './channel.ts';
import { formatAddress, isLoopbackHost, type ListenAddress } from './listen-address.ts';
import { claimSocketPath, type ClaimedSocket } from './unix-socket-path.ts';
import { WebSocketChannel } from './websocket-channel.ts';

const log = logger('server.listener');

/** Codex 0.169 advertises this on unix sockets; messages up to it travel unfragmented. */
const MAX_UNFRAGMENTED_BYTES = 16 * 1024 * 1024;
/** Incoming messages bigger than this close the connection (1009), like an oversized stdio line. */
const MAX_INCOMING_BYTES = 32 * 1024 * 1024;

export interface ListenerOptions {
  address: Exclude<ListenAddress, { kind: 'stdio' }>;
  /** When set, every upgrade must carry `Authorization: Bearer <token>`. */
  authToken?: string | null;
  /** `ws://` on a non-loopback host only when this is set. */
  allowNonLoopback?: boolean;
  onConnection(channel: MessageChannel): void;
  /** Flow control of every connection (flow.ts). */
  flow?: FlowLimits;
}

function tokenMatches(header: string | undefined, token: string): boolean {
  if (!header) return false;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!match) return false;
  const given = Buffer.from(match[1]);
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

export class WebSocketListener {
  /** The address actually bound (the port filled in when 0 was asked for). */
  readonly address: Exclude<ListenAddress, { kind: 'stdio' }>;
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly claimed: ClaimedSocket | null;
  private closing: Promise<void> | null = null;

  private constructor(address: Exclude<ListenAddress, { kind: 'stdio' }>, server: Server, wss: WebSocketServer, claimed: ClaimedSocket | null) {
    this.address = address;
    this.server = server;
    this.wss = wss;
    this.claimed = claimed;
  }

  static async open(options: ListenerOptions): Promise<WebSocketListener> {
    const { address } = options;
    if (address.kind === 'ws' && !isLoopbackHost(address.host) && !options.allowNonLoopback) {
      throw new Error(`refusing to listen on ${formatAddress(address)}: not a loopback address (pass --allow-non-loopback to do it anyway, ideally with a token)`);
    }
    const isUnix = address.kind === 'unix';
    const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_INCOMING_BYTES, perMessageDeflate: false });
    if (isUnix) wss.on('headers', (headers) => headers.push(`x-codex-websocket-max-unfragmented-message-bytes: ${MAX_UNFRAGMENTED_BYTES}`));
    let connections = 0;
    const server = createServer((req, res) => {
      if (isUnix) {
        req.socket.destroy();
        return;
      }
      if (req.method === 'GET' && (req.url === '/readyz' || req.url === '/healthz')) {
        res.writeHead(200, { 'content-length': '0' }).end();
        return;
      }
      res.writeHead(400, { 'content-type': 'text/plain' }).end("Connection header did not include 'upgrade'");
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (req.headers.origin !== undefined) {
        log.warn('refused an upgrade with a browser Origin', { origin: req.headers.origin });
        refuse(socket, 403, 'Forbidden');
        return;
      }
      if (options.authToken && !tokenMatches(req.headers.authorization, options.authToken)) {
        log.warn('refused an upgrade without the bearer token', { path: req.url });
        refuse(socket, 401, 'Unauthorized');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        const label = `${formatAddress(listener.address)}#${++connections}`;
        log.info('client connected', { connection: label, path: req.url });
        options.onConnection(new WebSocketChannel(ws, label, { flow: options.flow ?? DEFAULT_FLOW_LIMITS }));
      });
    });
    server.on('clientError', (err, socket) => {
      log.debug('bad HTTP request', { error: err.message });
      socket.destroy();
    });

    let claimed: ClaimedSocket | null = null;
    if (isUnix) {
      claimed = await claimSocketPath(address.path);
      const bindPath = claimed.bindPath;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(bindPath, () => {
          server.off('error', reject);
          resolve();
        });
      });
      chmodSync(bindPath, 0o600);
    } else {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(address.port, address.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    }
    const bound = isUnix ? address : { ...address, port: (server.address() as AddressInfo).port };
    const listener = new WebSocketListener(bound, server, wss, claimed);
    log.info('listening', { address: formatAddress(bound), token: options.authToken ? 'required' : 'none' });
    return listener;
  }

  /** Stops accepting, closes every connection, and removes the socket file. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      for (const client of this.wss.clients) client.close(1001);
      this.server.close(() => resolve());
      // Clients that ignore the close frame do not hold the exit up.
      setTimeout(() => {
        for (const client of this.wss.clients) client.terminate();
        this.server.closeAllConnections();
      }, 1000).unref();
    }).finally(() => this.claimed?.release());
    return this.closing;
  }
}
