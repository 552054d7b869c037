// The stdio app-server: wires the NDJSON transport, vscode-jsonrpc, the dispatcher and the
// services together, and exits cleanly once stdin closes and in-flight work is done.

import type { Readable, Writable } from 'node:stream';
import rpc from './jsonrpc.ts';
import { logger } from '../logs/logger.ts';
import { Dispatcher } from './dispatch.ts';
import { handlers } from './handlers/index.ts';
import { NdjsonMessageReader, NdjsonMessageWriter } from './ndjson.ts';
import type { Services } from './services.ts';
import { Session } from './session.ts';

const log = logger('server.app');

/**
 * Start-up indexing (a reconcile walk, or a backfill) begins once no request has been in flight for
 * INDEXING_QUIET_MS, or INDEXING_MAX_DELAY_MS after the server started listening, whichever comes
 * first: an editor's `initialize` and first `thread/list` are answered before it, not behind it.
 */
export const INDEXING_QUIET_MS = 50;
export const INDEXING_MAX_DELAY_MS = 500;

/** Calls `start` once the server has been quiet for `quietMs` (or `maxDelayMs` have passed); `busy`/`idle` bracket requests. */
function whenQuiet(start: () => void, quietMs: number, maxDelayMs: number): { busy(): void; idle(): void; cancel(): void } {
  let done = false;
  let inFlight = 0;
  let quiet: NodeJS.Timeout | undefined;
  const fire = (): void => {
    if (done) return;
    done = true;
    clearTimeout(quiet);
    clearTimeout(latest);
    start();
  };
  const latest = setTimeout(fire, maxDelayMs);
  latest.unref();
  return {
    busy() {
      inFlight++;
      clearTimeout(quiet);
    },
    idle() {
      if (--inFlight > 0 || done) return;
      quiet = setTimeout(fire, quietMs);
      quiet.unref();
    },
    cancel() {
      done = true;
      clearTimeout(quiet);
      clearTimeout(latest);
    },
  };
}

export interface AppServerOptions {
  input: Readable;
  output: Writable;
  services: Services;
}

/** Serves one stdio connection; resolves when the input has ended and all answers are written. */
export async function serveStdio(options: AppServerOptions): Promise<void> {
  const { input, output, services } = options;
  const reader = new NdjsonMessageReader(input);
  const dispatcher = new Dispatcher(handlers);
  const writer = new NdjsonMessageWriter(output, dispatcher.answers);
  const rpcLogger = {
    error: (m: string) => log.warn(m),
    warn: (m: string) => log.warn(m),
    info: (m: string) => log.debug(m),
    log: (m: string) => log.debug(m),
  };
  const connection = rpc.createMessageConnection(reader, writer, rpcLogger);
  const session = new Session(1);
  const notifier = services.notifier;
  const detach = notifier.add({
    session,
    // Straight to the writer: vscode-jsonrpc refuses to send once stdin has closed, but answers
    // and notifications of in-flight requests must still go out.
    send: (method, params, emittedAtMs) => {
      writer.write({ jsonrpc: '2.0', method, params, emittedAtMs } as rpc.NotificationMessage).catch((err: unknown) => log.warn('failed to send notification', { method, error: String(err) }));
    },
  });

  const indexingStart = whenQuiet(() => services.startIndexing(), INDEXING_QUIET_MS, INDEXING_MAX_DELAY_MS);
  connection.onRequest(async (method, params) => {
    indexingStart.busy();
    try {
      return await dispatcher.dispatch(method, params, session, { notifier, services });
    } finally {
      // After the answer is handed to the writer (this runs first, the write right after).
      setImmediate(() => indexingStart.idle());
    }
  });
  connection.onNotification('initialized', () => log.debug('client sent initialized'));
  connection.onUnhandledNotification((msg) => log.debug('ignored notification', { method: msg.method }));
  connection.onError(([err]) => log.warn('transport error', { error: err.message }));

  const closed = new Promise<void>((resolve) => connection.onClose(() => resolve()));
  connection.listen();
  await closed;
  indexingStart.cancel();
  await dispatcher.idle();
  await writer.flushed();
  detach();
  connection.dispose();
}
