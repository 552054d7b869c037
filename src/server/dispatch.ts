// Turns one incoming request into one result or one clean error: the handshake gate, method
// lookup, params validation and experimental gating (all from the method table,
// protocol/methods.ts), per-thread ordering (the table's `serialize`), then the handler. Every
// thrown value is mapped here (rpc-error.ts), so vscode-jsonrpc never formats an error itself and
// no stack trace reaches stdout.

import rpc from './jsonrpc.ts';
import { errorMessage } from '../errors.ts';
import { logger } from '../logs/logger.ts';
import { ClientMethods, experimentalDescriptor, isMethodName, type MethodName } from '../protocol/methods.ts';
import { unknownMethodMessage, validateParams } from '../protocol/validate.ts';
import { parseThreadId } from '../threads/thread-id.ts';
import { HeldAnswers, HistoryAnswer } from './answer.ts';
import type { Handlers, RequestContext } from './handlers/types.ts';
import { invalidRequest, toWireError } from './rpc-error.ts';
import type { Session } from './session.ts';
import { threadOrder, type KeyedQueue } from './thread-order.ts';

const log = logger('server.dispatch');

type BaseContext = Omit<RequestContext, 'session' | 'afterResponse'>;
type AnyHandler = (params: unknown, ctx: RequestContext) => unknown;

/** The queue key of a thread-scoped request: its canonical thread id (a malformed one is refused by the handler). */
function threadKey(params: unknown): string {
  const text = (params as { threadId: string }).threadId;
  try {
    return parseThreadId(text);
  } catch {
    return text;
  }
}

export class Dispatcher {
  private readonly handlers: Handlers;
  private readonly order: KeyedQueue;
  /** History answers of this connection not yet written (the writer's hooks). */
  readonly answers = new HeldAnswers();
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(handlers: Handlers, order: KeyedQueue = threadOrder) {
    this.handlers = handlers;
    this.order = order;
  }

  async dispatch(method: string, rawParams: unknown, session: Session, ctx: BaseContext): Promise<unknown> {
    this.inFlight++;
    try {
      return await this.run(method, rawParams, session, ctx);
    } catch (err) {
      const wire = toWireError(err, method);
      if (wire.unexpected) log.error('request failed', { method, error: errorMessage(err), stack: err instanceof Error ? err.stack : undefined });
      throw new rpc.ResponseError(wire.code, wire.message, wire.data);
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  private async run(method: string, rawParams: unknown, session: Session, ctx: BaseContext): Promise<unknown> {
    if (!session.initialized && method !== 'initialize') throw invalidRequest('Not initialized');
    if (!isMethodName(method)) throw invalidRequest(unknownMethodMessage(method));
    if (method === 'initialize' && session.initialized) throw invalidRequest('Already initialized');
    if (rawParams === undefined) throw invalidRequest('Invalid request: missing field `params`');
    const checked = validateParams(method, rawParams);
    if (!checked.ok) throw invalidRequest(checked.message);
    if (!session.experimentalApi && method !== 'initialize') {
      const descriptor = experimentalDescriptor(method, rawParams);
      if (descriptor !== null) throw invalidRequest(`${descriptor} requires experimentalApi capability`);
    }
    const afterResponse: Array<() => void> = [];
    const call = (): Promise<unknown> => this.call(method, checked.value, { ...ctx, session, afterResponse: (fn) => afterResponse.push(fn) });
    const answer = ClientMethods[method].serialize === 'thread' ? await this.order.run(threadKey(checked.value), call) : await call();
    // The response is written once this promise settles; notifications that must follow it
    // (e.g. `thread/started` after the `thread/start` answer) run on the next turn.
    if (afterResponse.length > 0) setImmediate(() => { for (const fn of afterResponse) fn(); });
    if (answer instanceof HistoryAnswer) return this.answers.hold(answer);
    return answer === undefined ? {} : answer;
  }

  private async call(method: MethodName, params: unknown, ctx: RequestContext): Promise<unknown> {
    const handler = this.handlers[method] as AnyHandler;
    return handler(params, ctx);
  }

  /** Requests being handled now. */
  get pending(): number {
    return this.inFlight;
  }

  /** Resolves when no request is being handled (used to finish in-flight work before exiting). */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
