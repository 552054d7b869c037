// Checking a value against one schema: the validator is compiled on first use and kept with the
// schema object, and a failure becomes the -32600 message Codex gives for bad requests. Knows no
// method table, so a request can be checked before the table is built (`initialize`, dispatch.ts).

import { Compile } from 'typebox/compile';
import type { TSchema } from 'typebox';
import { explain } from './explain.ts';

type Validator = ReturnType<typeof Compile<TSchema>>;

const validators = new WeakMap<TSchema, Validator>();

export type Validation<T> = { ok: true; value: T } | { ok: false; message: string };

/** Checks `value` against `schema`; the failure message is the full -32600 message. */
export function checkAgainst<T>(schema: TSchema, value: unknown): Validation<T> {
  let validator = validators.get(schema);
  if (!validator) {
    validator = Compile(schema);
    validators.set(schema, validator);
  }
  if (validator.Check(value)) return { ok: true, value: value as T };
  const problem = explain(schema as unknown as Record<string, unknown>, value)
    // The explainer and TypeBox disagree only on keywords the explainer does not model.
    ?? validator.Errors(value).map((e) => `${e.instancePath || '/'} ${e.message}`)[0] ?? 'invalid value';
  return { ok: false, message: `Invalid request: ${problem}` };
}
