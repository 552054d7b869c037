// stdin/stdout as a message channel (one JSON message per line), for serving a relay over stdio.
// The plain stdio app-server keeps its own vscode-jsonrpc path (server/app-server.ts); this one
// passes ids of any JSON type through.

import type { Readable, Writable } from 'node:stream';
import { logger } from '../../logs/logger.ts';
import { NdjsonMessageReader, NdjsonMessageWriter, MAX_LINE_BYTES, type WriteHooks } from '../ndjson.ts';
import { ChannelBase, type JsonMessage, type MessageChannel } from './channel.ts';

const log = logger('server.stdio');

export class StdioChannel extends ChannelBase implements MessageChannel {
  readonly label = 'stdio';
  private readonly writer: NdjsonMessageWriter;
  private readonly output: Writable;

  /** `hooks`: the local answers' writer hooks (big history answers go out in chunks). */
  constructor(input: Readable, output: Writable, hooks?: WriteHooks) {
    super();
    this.output = output;
    this.writer = new NdjsonMessageWriter(output, hooks);
    const reader = new NdjsonMessageReader(input, MAX_LINE_BYTES, { anyId: true });
    reader.onClose(() => this.finish());
    reader.onError((err) => log.warn('stdin error', { error: String(err) }));
    reader.listen((message) => {
      this.deliver(message as unknown as JsonMessage);
    });
  }

  send(message: JsonMessage): Promise<void> {
    return this.writer.write(message as never).catch((err: unknown) => log.warn('failed to write a message', { error: String(err) }));
  }

  /** Resolves once every message handed to `send` is written. */
  flushed(): Promise<void> {
    return this.writer.flushed();
  }

  bufferedBytes(): number {
    return this.output.writableLength;
  }

  close(): void {
    this.finish();
  }
}
