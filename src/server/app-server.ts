// The stdio app-server: wires the NDJSON transport, vscode-jsonrpc, the dispatcher and the
// services together, and exits cleanly once stdin closes and in-flight work is done.

import type { Readable, Writable } from 'node:stream';
import rpc from 'vscode-jsonrpc/node.js';
import { logger } from '../logs/logger.ts';
import { Dispatcher } from './dispatch.ts';
import { handlers } from './handlers/index.ts';
import { NdjsonMessageReader, NdjsonMessageWriter } from './ndjson.ts';
import type { Services } from './services.ts';
import { Session } from './session.ts';

const log = logger('server.app');

export interface AppServerOptions {
  input: Readable;
  output: Writable;
  services: Services;
}

/** Serves one stdio connection; resolves when the input has ended and all answers are written. */
export async function serveStdio(options: AppServerOptions): Promise<void> {
  const { input, output, services } = options;
  const reader = new NdjsonMessageReader(input);
  const writer = new NdjsonMessageWriter(output);
  const rpcLogger = {
    error: (m: string) => log.warn(m),
    warn: (m: string) => log.warn(m),
    info: (m: string) => log.debug(m),
    log: (m: string) => log.debug(m),
  };
  const connection = rpc.createMessageConnection(reader, writer, rpcLogger);
  const session = new Session(1);
  const notifier = services.notifier;
  const dispatcher = new Dispatcher(handlers);
  const detach = notifier.add({
    session,
    // Straight to the writer: vscode-jsonrpc refuses to send once stdin has closed, but answers
    // and notifications of in-flight requests must still go out.
    send: (method, params) => {
      writer.write({ jsonrpc: '2.0', method, params } as rpc.NotificationMessage).catch((err: unknown) => log.warn('failed to send notification', { method, error: String(err) }));
    },
  });

  connection.onRequest((method, params) => dispatcher.dispatch(method, params, session, { notifier, services }));
  connection.onNotification('initialized', () => log.debug('client sent initialized'));
  connection.onUnhandledNotification((msg) => log.debug('ignored notification', { method: msg.method }));
  connection.onError(([err]) => log.warn('transport error', { error: err.message }));

  const closed = new Promise<void>((resolve) => connection.onClose(() => resolve()));
  connection.listen();
  await closed;
  await dispatcher.idle();
  await writer.flushed();
  detach();
  connection.dispose();
}
