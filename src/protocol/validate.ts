// Params/result/notification validators from the method table, each compiled on first use
// (compiling all of them at module load cost about a second of start-up), and the -32600 messages
// Codex gives for bad requests.

import type { TSchema } from 'typebox';
import { checkAgainst, type Validation } from './check.ts';
import { ClientMethods, METHOD_NAMES, ServerNotifications, type MethodName, type NotificationName, type ParamsOf } from './methods.ts';

export type { Validation } from './check.ts';

/** Checks a request's params. The failure message is the full -32600 message. */
export function validateParams<M extends MethodName>(method: M, params: unknown): Validation<ParamsOf<M>> {
  if (params === undefined) return { ok: false, message: 'Invalid request: missing field `params`' };
  return checkAgainst(ClientMethods[method].params as TSchema, params);
}

/** Checks a handler's result against the method's result schema (contract tests, debug builds). */
export function validateResult(method: MethodName, result: unknown): Validation<unknown> {
  return checkAgainst(ClientMethods[method].result as TSchema, result);
}

/** Checks a server notification's params against its schema. */
export function validateNotification(name: NotificationName, params: unknown): Validation<unknown> {
  return checkAgainst(ServerNotifications[name] as TSchema, params);
}

/** Codex's message for an unknown method: it lists every method the server accepts. */
export function unknownMethodMessage(method: string): string {
  const expected = METHOD_NAMES.map((m) => `\`${m}\``).join(', ');
  return `Invalid request: unknown variant \`${method}\`, expected one of ${expected}`;
}
