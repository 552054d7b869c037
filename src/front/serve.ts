// Serving clients on a listener (unix:// or ws://) or on stdio through the front: one
// FrontSession per connection, each with its own threadstate session and, when an upstream is
// configured, its own link to the Codex app-server.

import { logger } from '../logs/logger.ts';
import { LocalEndpoint } from '../server/local-endpoint.ts';
import type { Services } from '../server/services.ts';
import type { MessageChannel } from '../server/transports/channel.ts';
import type { ListenAddress } from '../server/transports/listen-address.ts';
import { StdioChannel } from '../server/transports/stdio-channel.ts';
import { WebSocketListener } from '../server/transports/websocket-listener.ts';
import { FrontSession, type FrontSessionOptions } from './front-session.ts';
import { UpstreamWrites } from './upstream-writes.ts';
import type { Upstream } from './upstream.ts';

const log = logger('front.serve');

export function attachFront(channel: MessageChannel, services: Services, upstream: Upstream | null, options: FrontSessionOptions = {}): FrontSession {
  const local = new LocalEndpoint(services, (message) => void channel.send(message));
  return new FrontSession(channel, local, upstream, options);
}

export interface ListenOptions {
  address: Exclude<ListenAddress, { kind: 'stdio' }>;
  services: Services;
  upstream: Upstream | null;
  authToken?: string | null;
  allowNonLoopback?: boolean;
}

export function listen(options: ListenOptions): Promise<WebSocketListener> {
  const writes = new UpstreamWrites(options.services.threads);
  return WebSocketListener.open({
    address: options.address,
    authToken: options.authToken,
    allowNonLoopback: options.allowNonLoopback,
    onConnection: (channel) => {
      attachFront(channel, options.services, options.upstream, { writes });
      channel.onClose(() => log.info('client disconnected', { connection: channel.label }));
    },
  });
}

/** The front over stdin/stdout; resolves once stdin has ended and every answer is written. */
export async function serveFrontOnStdio(services: Services, upstream: Upstream | null): Promise<void> {
  let channel: StdioChannel | null = null;
  const local = new LocalEndpoint(services, (message) => void channel?.send(message));
  channel = new StdioChannel(process.stdin, process.stdout, local.answers);
  const session = new FrontSession(channel, local, upstream, { drainOnClose: true, writes: new UpstreamWrites(services.threads) });
  const stdio = channel;
  await new Promise<void>((resolve) => stdio.onClose(resolve));
  await session.settled();
  await stdio.flushed();
}
