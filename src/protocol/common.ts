// Shared primitives and schema helpers for the protocol folder. Pure data: no I/O.

import Type from 'typebox';
import type { TSchema, TSchemaOptions, TEnumValue } from 'typebox';

/** A value that is always present on output but may be `null`. */
export function Nullable<T extends TSchema>(schema: T, options?: TSchemaOptions) {
  return Type.Union([schema, Type.Null()], options);
}

/**
 * Codex's `optional = nullable`: the property may be omitted or sent as `null`, and both mean
 * "unset". Used for inputs; outputs emit explicit nulls (see `Nullable`).
 */
export function OptionalNullable<T extends TSchema>(schema: T, options?: TSchemaOptions) {
  return Type.Optional(Nullable(schema, options));
}

/** A closed set of string values (JSON Schema `enum`), e.g. snake_case sort keys. */
export function StringEnum<const V extends TEnumValue[]>(values: readonly [...V], options?: TSchemaOptions) {
  return Type.Enum(values, options);
}

/** JSON-RPC request id: a string or an integer, echoed back exactly as sent. */
export const RequestId = Type.Union([Type.String(), Type.Integer()], {
  description: 'JSON-RPC request id: a string or an integer, echoed back exactly as sent.',
});
export type RequestId = Type.Static<typeof RequestId>;

/** Any JSON value (tool arguments, raw Responses-API items, config overrides). */
export const JsonValue = Type.Unknown({ description: 'Any JSON value.' });
export type JsonValue = Type.Static<typeof JsonValue>;

/** A result with no members: always `{}`, never `null`. */
export const EmptyResponse = Type.Object({}, { description: 'An empty result: always `{}`.' });
export type EmptyResponse = Type.Static<typeof EmptyResponse>;

/** Params that carry only a thread id. */
export function ThreadIdParams(description: string) {
  return Type.Object({ threadId: Type.String() }, { description });
}

export const SortDirection = StringEnum(['asc', 'desc'], {
  description: 'Sort direction. Most lists default to `desc` (newest first).',
});
export type SortDirection = Type.Static<typeof SortDirection>;
