// threadstate's own answers for one connection that is not vscode-jsonrpc-driven (WebSocket
// clients, the Codex front): a Session, the dispatcher, and the notifier channel, with requests
// and answers as plain message objects so ids of any JSON type come back as they were sent.

import rpc from './jsonrpc.ts';
import { errorMessage } from '../errors.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { Dispatcher } from './dispatch.ts';
import { handlers } from './handlers/index.ts';
import type { Services } from './services.ts';
import { Session } from './session.ts';
import type { WriteHooks } from './ndjson.ts';
import type { JsonMessage } from './transports/channel.ts';

/** Session ids for these connections; the stdio server uses 1. */
let nextSessionId = 1000;

export function errorResponse(id: unknown, code: number, message: string, data?: unknown): JsonMessage {
  return { id, error: data === undefined ? { code, message } : { code, message, data } };
}

export class LocalEndpoint {
  readonly session = new Session(nextSessionId++);
  private readonly dispatcher = new Dispatcher(handlers);
  private readonly services: Services;
  private readonly detach: () => void;

  /** `notify` receives the server notifications this connection should see. */
  constructor(services: Services, notify: (message: JsonMessage) => void) {
    this.services = services;
    this.detach = services.notifier.add({
      session: this.session,
      send: (method, params, emittedAtMs) => notify({ method, params, emittedAtMs }),
    });
  }

  /** The response message for one request; never throws. */
  async answer(id: unknown, method: string, params: unknown): Promise<JsonMessage> {
    try {
      const result = await this.dispatcher.dispatch(method, params, this.session, { notifier: this.services.notifier, services: this.services });
      return { id, result };
    } catch (err) {
      if (err instanceof rpc.ResponseError) return errorResponse(id, err.code, err.message, err.data);
      return errorResponse(id, ErrorCode.InternalError, `internal error while handling ${method}: ${errorMessage(err)}`);
    }
  }

  /** What the writer asks about an answer (big history answers are written in chunks). */
  get answers(): WriteHooks {
    return this.dispatcher.answers;
  }

  /** The answer has been written (or dropped): release the rollouts a history answer reads from. */
  written(answer: JsonMessage): void {
    this.dispatcher.answers.written(answer as never);
  }

  /** Resolves once no request of this connection is being handled. */
  idle(): Promise<void> {
    return this.dispatcher.idle();
  }

  dispose(): void {
    this.detach();
  }
}
