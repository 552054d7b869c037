// Turns one incoming request into one result or one clean error: the handshake gate, method
// lookup, params validation and experimental gating (all from the method table,
// protocol/methods.ts), per-thread ordering (the table's `serialize`), then the handler. Every
// thrown value is mapped here (rpc-error.ts), so vscode-jsonrpc never formats an error itself and
// no stack trace reaches stdout. The table (every method's schemas, ~5 ms to build) is loaded by
// the first request other than `initialize`, which is checked against its own schema alone: a
// restart answers `initialize` without building the rest.

import rpc from './jsonrpc.ts';
import { errorMessage } from '../errors.ts';
import { logger } from '../logs/logger.ts';
import { checkAgainst } from '../protocol/check.ts';
import { InitializeParams } from '../protocol/initialize.ts';
import type { MethodName } from '../protocol/methods.ts';
import { parseThreadId } from '../threads/thread-id.ts';
import { HeldAnswers, HistoryAnswer } from './answer.ts';
import type { Handlers, RequestContext } from './handlers/types.ts';
import { invalidRequest, toWireError } from './rpc-error.ts';
import type { Session } from './session.ts';
import { threadOrder, type KeyedQueue } from './thread-order.ts';

const log = logger('server.dispatch');

type MethodTable = typeof import('../protocol/methods.ts') & typeof import('../protocol/validate.ts');

let methodTable: MethodTable | null = null;
let methodTableLoad: Promise<MethodTable> | null = null;

/** The method table and its validators, built on first use; later calls return it without a turn of the event loop. */
function loadMethodTable(): MethodTable | Promise<MethodTable> {
  if (methodTable) return methodTable;
  methodTableLoad ??= Promise.all([import('../protocol/methods.ts'), import('../protocol/validate.ts')])
    .then(([methods, validate]) => (methodTable = { ...methods, ...validate }));
  return methodTableLoad;
}

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
    // `initialize` is in the table with exactly this schema (test/unit/server/dispatch.test.ts).
    const table = method === 'initialize' ? null : await loadMethodTable();
    if (table && !table.isMethodName(method)) throw invalidRequest(table.unknownMethodMessage(method));
    if (method === 'initialize' && session.initialized) throw invalidRequest('Already initialized');
    if (rawParams === undefined) throw invalidRequest('Invalid request: missing field `params`');
    const checked = table ? table.validateParams(method as MethodName, rawParams) : checkAgainst(InitializeParams, rawParams);
    if (!checked.ok) throw invalidRequest(checked.message);
    if (table && !session.experimentalApi) {
      const descriptor = table.experimentalDescriptor(method as MethodName, rawParams);
      if (descriptor !== null) throw invalidRequest(`${descriptor} requires experimentalApi capability`);
    }
    const afterResponse: Array<() => void> = [];
    const call = (): Promise<unknown> => this.call(method as MethodName, checked.value, { ...ctx, session, afterResponse: (fn) => afterResponse.push(fn) });
    const answer = table?.ClientMethods[method as MethodName].serialize === 'thread' ? await this.order.run(threadKey(checked.value), call) : await call();
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

  /** Resolves when no request is being handled (used to finish in-flight work before exiting). */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
