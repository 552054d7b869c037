// Checking a value against one schema: the validator is compiled on first use and kept with the
// schema object, and a failure becomes the -32600 message Codex gives for bad requests. Knows no
// method table, so a request can be checked before the table is built (`initialize`, dispatch.ts).

import { Compile } from 'typebox/compile';
import type { TSchema } from 'typebox';
import { Check, Errors } from 'typebox/value';
import { explain } from './explain.ts';

type Validator = ReturnType<typeof Compile<TSchema>>;

const validators = new WeakMap<TSchema, Validator>();
const interpretedChecks = new WeakMap<TSchema, number>();

/**
 * A schema's first checks run TypeBox's interpreter; from the next one on, its compiled validator.
 * Compiling (code generation) costs a few ms per schema: worth it for the methods a client calls
 * again and again, not on the path to a restart's first answers (`initialize`, the first list).
 */
const INTERPRETED_CHECKS = 2;

export type Validation<T> = { ok: true; value: T } | { ok: false; message: string };

function validatorOf(schema: TSchema): Validator | null {
  let validator = validators.get(schema);
  if (validator) return validator;
  const interpreted = interpretedChecks.get(schema) ?? 0;
  if (interpreted < INTERPRETED_CHECKS) {
    interpretedChecks.set(schema, interpreted + 1);
    return null;
  }
  validator = Compile(schema);
  validators.set(schema, validator);
  return validator;
}

/** Checks `value` against `schema`; the failure message is the full -32600 message. */
export function checkAgainst<T>(schema: TSchema, value: unknown): Validation<T> {
  const validator = validatorOf(schema);
  if (validator ? validator.Check(value) : Check(schema, value)) return { ok: true, value: value as T };
  const problem = explain(schema as unknown as Record<string, unknown>, value)
    // The explainer and TypeBox disagree only on keywords the explainer does not model.
    ?? (validator ? validator.Errors(value) : Errors(schema, value)).map((e) => `${e.instancePath || '/'} ${e.message}`)[0] ?? 'invalid value';
  return { ok: false, message: `Invalid request: ${problem}` };
}
