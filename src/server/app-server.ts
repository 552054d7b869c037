// The stdio app-server: one connection (connection.ts) over stdin/stdout, and the start of the
// background indexing once the client's first requests are answered; exits cleanly once stdin
// closes (or the client closed stdout) and in-flight work is done.

import type { Readable, Writable } from 'node:stream';
import { serveConnection } from './connection.ts';
import type { Services } from './services.ts';

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
  const indexingStart = whenQuiet(() => options.services.startIndexing(), INDEXING_QUIET_MS, INDEXING_MAX_DELAY_MS);
  try {
    await serveConnection({ ...options, activity: indexingStart });
  } finally {
    indexingStart.cancel();
  }
}
