// Params/result/notification validators, each compiled on first use (compiling all of them at
// module load cost about a second of start-up), and the -32600 messages Codex gives for bad requests.

import { Compile } from 'typebox/compile';
import type { TSchema } from 'typebox';
import { explain } from './explain.ts';
import { ClientMethods, METHOD_NAMES, ServerNotifications, type MethodName, type NotificationName, type ParamsOf } from './methods.ts';

type Validator = ReturnType<typeof Compile<TSchema>>;

const paramsValidators = new Map<MethodName, Validator>();
const resultValidators = new Map<MethodName, Validator>();
const notificationValidators = new Map<NotificationName, Validator>();

function compiled<K>(cache: Map<K, Validator>, key: K, schema: TSchema): Validator {
  let validator = cache.get(key);
  if (!validator) {
    validator = Compile(schema);
    cache.set(key, validator);
  }
  return validator;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; message: string };

function check<T>(validator: Validator, schema: TSchema, value: unknown): Validation<T> {
  if (validator.Check(value)) return { ok: true, value: value as T };
  const problem = explain(schema as unknown as Record<string, unknown>, value)
    // The explainer and TypeBox disagree only on keywords the explainer does not model.
    ?? validator.Errors(value).map((e) => `${e.instancePath || '/'} ${e.message}`)[0] ?? 'invalid value';
  return { ok: false, message: `Invalid request: ${problem}` };
}

/** Checks a request's params. The failure message is the full -32600 message. */
export function validateParams<M extends MethodName>(method: M, params: unknown): Validation<ParamsOf<M>> {
  if (params === undefined) return { ok: false, message: 'Invalid request: missing field `params`' };
  const schema = ClientMethods[method].params as TSchema;
  return check(compiled(paramsValidators, method, schema), schema, params);
}

/** Checks a handler's result against the method's result schema (contract tests, debug builds). */
export function validateResult(method: MethodName, result: unknown): Validation<unknown> {
  const schema = ClientMethods[method].result as TSchema;
  return check(compiled(resultValidators, method, schema), schema, result);
}

/** Checks a server notification's params against its schema. */
export function validateNotification(name: NotificationName, params: unknown): Validation<unknown> {
  const schema = ServerNotifications[name] as TSchema;
  return check(compiled(notificationValidators, name, schema), schema, params);
}

/** Codex's message for an unknown method: it lists every method the server accepts. */
export function unknownMethodMessage(method: string): string {
  const expected = METHOD_NAMES.map((m) => `\`${m}\``).join(', ');
  return `Invalid request: unknown variant \`${method}\`, expected one of ${expected}`;
}
