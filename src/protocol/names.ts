// Registry of the exported schema objects and their exported names. Schema generation uses it to
// emit `$ref`s instead of inlining a named type: a method's params and result are found here by
// identity, a schema embedded in another by its canonical JSON (scripts/write-schema.ts).

import type { TSchema } from 'typebox';
import * as common from './common.ts';
import * as initialize from './initialize.ts';
import * as item from './item.ts';
import * as memory from './memory.ts';
import * as notifications from './notifications.ts';
import * as search from './search.ts';
import * as summary from './summary.ts';
import * as threadLifecycle from './thread-lifecycle.ts';
import * as threadList from './thread-list.ts';
import * as threadMutations from './thread-mutations.ts';
import * as thread from './thread.ts';
import * as tools from './tools.ts';
import * as turn from './turn.ts';

// `common` first so that aliases such as `ThreadArchiveResponse = EmptyResponse` keep the shared name.
const MODULES: Record<string, unknown>[] = [
  common, initialize, item, turn, thread, threadLifecycle, threadList, threadMutations, tools, memory,
  search, summary, notifications,
];

function isSchema(value: unknown): value is TSchema {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && '~kind' in value;
}

const byObject = new Map<TSchema, string>();
for (const mod of MODULES) {
  for (const [name, value] of Object.entries(mod)) {
    if (isSchema(value) && !byObject.has(value)) byObject.set(value, name);
  }
}

/** Each exported schema object → its exported name (an alias keeps the first name seen). */
export const SchemaNames: ReadonlyMap<TSchema, string> = byObject;

/** `[name, schema]` for every named schema, sorted by name. */
export const NamedSchemas: readonly (readonly [string, TSchema])[] = [...byObject]
  .map(([schema, name]) => [name, schema] as const)
  .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

export function schemaName(schema: TSchema): string | undefined {
  return byObject.get(schema);
}
