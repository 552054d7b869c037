// Dynamic tool specs (docs/wire-protocol.md §4.2) and `thread/dynamicTools/list`.

import Type from 'typebox';
import { JsonValue, OptionalNullable } from './common.ts';

export const LegacyDynamicToolSpec = Type.Object({
  name: Type.String(),
  description: Type.String(),
  inputSchema: JsonValue,
  namespace: OptionalNullable(Type.String()),
  deferLoading: OptionalNullable(Type.Boolean()),
  exposeToContext: OptionalNullable(Type.Boolean({ description: 'Legacy inverse of `deferLoading`.' })),
}, { description: 'Legacy flat tool spec (no `type`); the only form in Feb 2026, still accepted.' });
export type LegacyDynamicToolSpec = Type.Static<typeof LegacyDynamicToolSpec>;

export const DynamicToolFunctionSpec = Type.Object({
  type: Type.Literal('function'),
  name: Type.String(),
  description: Type.String(),
  inputSchema: JsonValue,
  deferLoading: OptionalNullable(Type.Boolean()),
}, { description: 'Canonical tagged function tool.' });
export type DynamicToolFunctionSpec = Type.Static<typeof DynamicToolFunctionSpec>;

export const DynamicToolNamespaceSpec = Type.Object({
  type: Type.Literal('namespace'),
  name: Type.String(),
  description: Type.String(),
  tools: Type.Array(DynamicToolFunctionSpec),
}, { description: 'Canonical tagged namespace grouping function tools.' });
export type DynamicToolNamespaceSpec = Type.Static<typeof DynamicToolNamespaceSpec>;

export const CanonicalDynamicToolSpec = Type.Union([DynamicToolFunctionSpec, DynamicToolNamespaceSpec], {
  description: 'A tool spec in canonical tagged form.',
});
export type CanonicalDynamicToolSpec = Type.Static<typeof CanonicalDynamicToolSpec>;

export const DynamicToolSpec = Type.Union([DynamicToolFunctionSpec, DynamicToolNamespaceSpec, LegacyDynamicToolSpec], {
  description: 'A client-provided tool: tagged function, tagged namespace, or legacy flat. A list must use one form throughout.',
});
export type DynamicToolSpec = Type.Static<typeof DynamicToolSpec>;

export const ThreadDynamicToolsListParams = Type.Object({ threadId: Type.String() }, {
  description: 'Params of `thread/dynamicTools/list`.',
});
export type ThreadDynamicToolsListParams = Type.Static<typeof ThreadDynamicToolsListParams>;

export const ThreadDynamicToolsListResponse = Type.Object({
  data: Type.Array(CanonicalDynamicToolSpec),
}, { description: 'Result of `thread/dynamicTools/list`: the thread\'s tools in canonical form.' });
export type ThreadDynamicToolsListResponse = Type.Static<typeof ThreadDynamicToolsListResponse>;
