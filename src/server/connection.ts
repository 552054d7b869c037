// One client connection over any pair of streams (stdio today; a socket later): the NDJSON
// transport, vscode-jsonrpc, the dispatcher, the notifier, and the flow control that keeps the
// connection's memory bounded whatever the client does.
//
// Flow control, per connection, is flow.ts's (the same for every transport): no message is
// handed to the dispatcher while the output is congested, at most 32 requests in flight, -32001
// past that. Here the in-flight requests are the dispatcher's plus the answers not yet written.
// A client that goes away (EPIPE, ECONNRESET) ends the session: one log line, in-flight work
// finishes (nothing half-written), nothing more is read or written.

import type { Readable, Writable } from 'node:stream';
import rpc from './jsonrpc.ts';
import { logger } from '../logs/logger.ts';
import { Dispatcher } from './dispatch.ts';
import { handlers } from './handlers/index.ts';
import { IdEcho, type RequestId } from './inbound.ts';
import { DEFAULT_FLOW_LIMITS, flowGate, type FlowLimits } from './flow.ts';
import { NdjsonMessageReader, NdjsonMessageWriter } from './ndjson.ts';
import type { Services } from './services.ts';
import { Session } from './session.ts';

const log = logger('server.connection');

export interface ConnectionOptions {
  input: Readable;
  output: Writable;
  services: Services;
  /** Session number (for logs). */
  sessionId?: number;
  limits?: Partial<FlowLimits>;
  /** Told when a request starts and when its answer has been handed to the writer. */
  activity?: { busy(): void; idle(): void };
}

/** Serves one connection; resolves when its input has ended (or the client went away) and all answers are written. */
export async function serveConnection(options: ConnectionOptions): Promise<void> {
  const { input, output, services } = options;
  const limits = { ...DEFAULT_FLOW_LIMITS, ...options.limits };
  const ids = new IdEcho();
  const dispatcher = new Dispatcher(handlers);
  const writer = new NdjsonMessageWriter(output, dispatcher.answers, ids);
  const answer = (id: RequestId, code: number, message: string): void => {
    writer.write({ jsonrpc: '2.0', id, error: { code, message } } as rpc.ResponseMessage).catch(() => undefined);
  };
  const reader = new NdjsonMessageReader(input, { ids, gate: flowGate(writer, () => dispatcher.pending + writer.pendingResponses, limits), reject: answer });
  const rpcLogger = {
    error: (m: string) => log.warn(m),
    warn: (m: string) => log.warn(m),
    info: (m: string) => log.debug(m),
    log: (m: string) => log.debug(m),
  };
  const connection = rpc.createMessageConnection(reader, writer, rpcLogger);
  const session = new Session(options.sessionId ?? 1);
  const notifier = services.notifier;
  const detach = notifier.add({
    session,
    // Straight to the writer: vscode-jsonrpc refuses to send once the input has closed, but
    // answers and notifications of in-flight requests must still go out.
    send: (method, params, emittedAtMs) => {
      writer.write({ jsonrpc: '2.0', method, params, emittedAtMs } as rpc.NotificationMessage).catch((err: unknown) => log.warn('failed to send notification', { method, error: String(err) }));
    },
  });

  const activity = options.activity;
  connection.onRequest(async (method, params) => {
    activity?.busy();
    try {
      return await dispatcher.dispatch(method, params, session, { notifier, services });
    } finally {
      // After the answer is handed to the writer (this runs first, the write right after).
      if (activity) setImmediate(() => activity.idle());
    }
  });
  connection.onNotification('initialized', () => log.debug('client sent initialized'));
  connection.onUnhandledNotification((msg) => log.debug('ignored notification', { method: msg.method }));
  connection.onError(([err]) => log.warn('transport error', { error: err.message }));

  const closed = new Promise<void>((resolve) => connection.onClose(() => resolve()));
  connection.listen();
  await Promise.race([closed, writer.whenGone()]);
  if (writer.closed) reader.stop();
  await dispatcher.idle();
  await writer.flushed();
  detach();
  connection.dispose();
}
