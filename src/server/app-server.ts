// The stdio app-server: one connection (connection.ts) over stdin/stdout; exits cleanly once stdin
// closes (or the client closed stdout) and in-flight work is done.

import type { Readable, Writable } from 'node:stream';
import { serveConnection } from './connection.ts';
import type { Services } from './services.ts';

export interface AppServerOptions {
  input: Readable;
  output: Writable;
  services: Services;
}

/** Serves one stdio connection; resolves when the input has ended and all answers are written. */
export async function serveStdio(options: AppServerOptions): Promise<void> {
  await serveConnection(options);
}
