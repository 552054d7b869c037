// Turns one incoming request into one result or one clean error: the handshake gate, method
// lookup, params validation, experimental gating, then the handler. Every thrown value is mapped
// here, so vscode-jsonrpc never formats an error itself and no stack trace reaches stdout.

import rpc from 'vscode-jsonrpc/node.js';
import { ErrorCode, RpcError, errorMessage, invalidRequest, methodNotFound } from '../errors.ts';
import { logger } from '../logs/logger.ts';
import { ClientMethods, type MethodName } from '../protocol/methods.ts';
import { unknownMethodMessage, validateParams } from '../protocol/validate.ts';
import type { Handlers, RequestContext } from './handlers/types.ts';
import type { Session } from './session.ts';

const log = logger('server.dispatch');

function isMethodName(method: string): method is MethodName {
  return Object.prototype.hasOwnProperty.call(ClientMethods, method);
}

/** `<method>.<field> requires experimentalApi capability` when a gated field is used without the capability. */
function experimentalViolation(method: MethodName, params: Record<string, unknown>): string | null {
  const entry = ClientMethods[method] as { experimental?: string; experimentalFields?: Record<string, string> };
  if (entry.experimental) return `${entry.experimental} requires experimentalApi capability`;
  for (const [field, descriptor] of Object.entries(entry.experimentalFields ?? {})) {
    // Codex 0.169 counts any non-null value as use, including an empty list.
    if (params[field] !== undefined && params[field] !== null) return `${descriptor} requires experimentalApi capability`;
  }
  return null;
}

type BaseContext = Omit<RequestContext, 'session' | 'afterResponse'>;

export class Dispatcher {
  private readonly handlers: Partial<Handlers>;
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(handlers: Partial<Handlers>) {
    this.handlers = handlers;
  }

  async dispatch(method: string, rawParams: unknown, session: Session, ctx: BaseContext): Promise<unknown> {
    this.inFlight++;
    try {
      return await this.run(method, rawParams, session, ctx);
    } catch (err) {
      throw toResponseError(err, method);
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
      const violation = experimentalViolation(method, rawParams as Record<string, unknown>);
      if (violation) throw invalidRequest(violation);
    }
    const handler = this.handlers[method] as ((params: unknown, ctx: RequestContext) => unknown) | undefined;
    if (!handler) throw methodNotFound(`${method} is not implemented by this server`);
    const afterResponse: Array<() => void> = [];
    const result = await handler(checked.value, { ...ctx, session, afterResponse: (fn) => afterResponse.push(fn) });
    // The response is written once this promise settles; notifications that must follow it
    // (e.g. `thread/started` after the `thread/start` answer) run on the next turn.
    if (afterResponse.length > 0) setImmediate(() => { for (const fn of afterResponse) fn(); });
    return result === undefined ? {} : result;
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

function toResponseError(err: unknown, method: string): InstanceType<typeof rpc.ResponseError> {
  if (err instanceof RpcError) {
    return new rpc.ResponseError(err.code, err.message, err.data);
  }
  log.error('request failed', { method, error: errorMessage(err), stack: err instanceof Error ? err.stack : undefined });
  return new rpc.ResponseError(ErrorCode.InternalError, `internal error while handling ${method}: ${errorMessage(err)}`);
}
