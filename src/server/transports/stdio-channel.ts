// stdin/stdout as a message channel (one JSON message per line), for serving a relay over stdio.
// The plain stdio app-server keeps its own vscode-jsonrpc path (server/app-server.ts); this one
// passes ids of any JSON type through. Same flow control as every transport (flow.ts).

import type { Readable, Writable } from 'node:stream';
import { logger } from '../../logs/logger.ts';
import { DEFAULT_FLOW_LIMITS, flowGate, type FlowGate, type FlowLimits } from '../flow.ts';
import { NdjsonMessageReader, NdjsonMessageWriter, type WriteHooks } from '../ndjson.ts';
import { ChannelBase, type JsonMessage, type MessageChannel } from './channel.ts';

const log = logger('server.stdio');

export class StdioChannel extends ChannelBase implements MessageChannel {
  readonly label = 'stdio';
  protected readonly flow: FlowGate;
  private readonly writer: NdjsonMessageWriter;

  /** `hooks`: the local answers' writer hooks (big history answers go out in chunks). */
  constructor(input: Readable, output: Writable, hooks?: WriteHooks, limits: FlowLimits = DEFAULT_FLOW_LIMITS) {
    super();
    this.writer = new NdjsonMessageWriter(output, hooks);
    this.flow = flowGate(this.writer, () => this.inFlight, limits);
    // A client that closed its end (EPIPE) ends the channel; the writer logs it once.
    void this.writer.whenGone().then(() => this.finish());
    const reader = new NdjsonMessageReader(input, {
      anyId: true,
      gate: this.flow,
      reject: (id, code, message) => void this.writer.write({ id, error: { code, message } } as never).catch(() => undefined),
    });
    reader.onClose(() => this.finish());
    reader.onError((err) => log.warn('stdin error', { error: String(err) }));
    reader.listen((message) => {
      this.deliver(message as unknown as JsonMessage);
    });
  }

  send(message: JsonMessage): Promise<void> {
    return this.writer.write(message as never)
      .catch((err: unknown) => log.warn('failed to write a message', { error: String(err) }))
      .finally(() => this.sent(message));
  }

  /** Resolves once every message handed to `send` is written. */
  flushed(): Promise<void> {
    return this.writer.flushed();
  }

  close(): void {
    this.finish();
  }
}
