// The handler table's type: one function per method of the protocol table, typed by its params
// and result schemas, so a missing or mistyped handler is a compile error.

import type { MethodName, ParamsOf, ResultOf } from '../../protocol/methods.ts';
import type { HistoryAnswer } from '../answer.ts';
import type { Notifier } from '../notifier.ts';
import type { Session } from '../session.ts';
import type { Services } from '../services.ts';

export interface RequestContext {
  session: Session;
  notifier: Notifier;
  services: Services;
  /** Runs `fn` after this request's response has been written (for notifications that follow it). */
  afterResponse(fn: () => void): void;
}

/** A method's result, or a history answer that holds its rollouts open until it is written (answer.ts). */
export type AnswerOf<M extends MethodName> = ResultOf<M> | HistoryAnswer<ResultOf<M>>;

export type Handler<M extends MethodName> = (params: ParamsOf<M>, ctx: RequestContext) => Promise<AnswerOf<M>> | AnswerOf<M>;

export type Handlers = { [M in MethodName]: Handler<M> };
