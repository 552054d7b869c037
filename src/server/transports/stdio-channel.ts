// stdin/stdout as a message channel (one JSON message per line), for serving a relay over stdio.
// The plain stdio app-server keeps its own vscode-jsonrpc path (server/app-server.ts); this one
// passes ids of any JSON type through.

import type { Readable, Writable } from 'node:stream';
import { logger } from '../../logs/logger.ts';
import { NdjsonMessageReader, NdjsonMessageWriter, MAX_LINE_BYTES } from '../ndjson.ts';
import type { JsonMessage, MessageChannel } from './channel.ts';

const log = logger('server.stdio');

export class StdioChannel implements MessageChannel {
  readonly label = 'stdio';
  private readonly writer: NdjsonMessageWriter;
  private readonly messageListeners: Array<(m: JsonMessage) => void> = [];
  private readonly closeListeners: Array<() => void> = [];
  private isClosed = false;

  constructor(input: Readable, output: Writable) {
    this.writer = new NdjsonMessageWriter(output);
    const reader = new NdjsonMessageReader(input, MAX_LINE_BYTES, { anyId: true });
    reader.onClose(() => this.finish());
    reader.onError((err) => log.warn('stdin error', { error: String(err) }));
    reader.listen((message) => {
      for (const listener of this.messageListeners) listener(message as unknown as JsonMessage);
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  private finish(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const listener of this.closeListeners.splice(0)) listener();
  }

  send(message: JsonMessage): Promise<void> {
    return this.writer.write(message as never).catch((err: unknown) => log.warn('failed to write a message', { error: String(err) }));
  }

  /** Resolves once every message handed to `send` is written. */
  flushed(): Promise<void> {
    return this.writer.flushed();
  }

  onMessage(listener: (m: JsonMessage) => void): void {
    this.messageListeners.push(listener);
  }

  onClose(listener: () => void): void {
    if (this.isClosed) listener();
    else this.closeListeners.push(listener);
  }

  close(): void {
    this.finish();
  }
}
