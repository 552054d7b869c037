// THE method table. Dispatch, validation, experimental gating, handler typing and schema export
// all derive from `ClientMethods` and `ServerNotifications`; nothing else lists methods.

import type Type from 'typebox';
import type { TSchema } from 'typebox';
import { EmptyResponse } from './common.ts';
import { InitializeParams, InitializeResponse } from './initialize.ts';
import { ThreadMemoryListRecentParams, ThreadMemoryListRecentResponse, ThreadMemoryReadParams, ThreadMemoryReadResponse, ThreadMemoryWriteParams, ThreadMemoryWriteResponse } from './memory.ts';
import {
  DeprecationNoticeNotification, ThreadArchivedNotification, ThreadClosedNotification, ThreadDeletedNotification,
  ThreadNameUpdatedNotification, ThreadStartedNotification, ThreadStatusChangedNotification, ThreadUnarchivedNotification,
} from './notifications.ts';
import { ThreadSearchParams, ThreadSearchResponse } from './search.ts';
import { GetConversationSummaryParams, GetConversationSummaryResponse } from './summary.ts';
import { ThreadForkParams, ThreadForkResponse, ThreadResumeParams, ThreadResumeResponse, ThreadStartParams, ThreadStartResponse } from './thread-lifecycle.ts';
import { ThreadListParams, ThreadListResponse, ThreadLoadedListParams, ThreadLoadedListResponse, ThreadReadParams, ThreadReadResponse } from './thread-list.ts';
import {
  ThreadArchiveParams, ThreadDeleteParams, ThreadInjectItemsParams, ThreadMetadataUpdateParams, ThreadMetadataUpdateResponse,
  ThreadSetNameParams, ThreadUnarchiveParams, ThreadUnarchiveResponse, ThreadUnsubscribeParams, ThreadUnsubscribeResponse,
} from './thread-mutations.ts';
import { ThreadDynamicToolsListParams, ThreadDynamicToolsListResponse } from './tools.ts';
import { ThreadItemsListParams, ThreadItemsListResponse, ThreadTurnsListParams, ThreadTurnsListResponse } from './turn.ts';

/**
 * How requests to a method are ordered: `thread` = one at a time per `params.threadId` (requests on
 * different threads run concurrently), `none` = no ordering constraint.
 */
export type SerializeScope = 'none' | 'thread';

export interface MethodOptions {
  /** Descriptor when the whole method needs `experimentalApi` (e.g. `thread/foo`). */
  experimental?: string;
  /** Params field name → descriptor (`thread/start.dynamicTools`) for fields that need `experimentalApi`. */
  experimentalFields?: Readonly<Record<string, string>>;
  serialize?: SerializeScope;
}

export interface MethodDef<P extends TSchema, R extends TSchema> {
  readonly params: P;
  readonly result: R;
  readonly experimental: string | null;
  readonly experimentalFields: Readonly<Record<string, string>>;
  readonly serialize: SerializeScope;
}

export function method<P extends TSchema, R extends TSchema>(params: P, result: R, options: MethodOptions = {}): MethodDef<P, R> {
  return {
    params,
    result,
    experimental: options.experimental ?? null,
    experimentalFields: options.experimentalFields ?? {},
    serialize: options.serialize ?? 'none',
  };
}

/** Builds `{field: '<method>.<field>'}` for a method's experimental params fields. */
function gated(methodName: string, fields: string[], renamed: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(fields.map((f) => [f, `${methodName}.${renamed[f] ?? f}`]));
}

export const ClientMethods = {
  'initialize': method(InitializeParams, InitializeResponse),
  'thread/start': method(ThreadStartParams, ThreadStartResponse, {
    experimentalFields: gated('thread/start', [
      'dynamicTools', 'experimentalRawEvents', 'persistExtendedHistory', 'historyMode', 'environments',
      'permissions', 'runtimeWorkspaceRoots', 'projectId', 'daybreakEnabled', 'allowProviderModelFallback',
      'selectedCapabilityRoots', 'multiAgentMode',
    ], { persistExtendedHistory: 'persistFullHistory' }),
  }),
  'thread/resume': method(ThreadResumeParams, ThreadResumeResponse, {
    experimentalFields: gated('thread/resume', ['path', 'history', 'initialTurnsPage']),
    serialize: 'thread',
  }),
  'thread/fork': method(ThreadForkParams, ThreadForkResponse, { serialize: 'thread' }),
  'thread/list': method(ThreadListParams, ThreadListResponse, {
    experimentalFields: gated('thread/list', [
      'parentThreadId', 'ancestorThreadId', 'attachedToThreadId', 'includeAttachedThreads', 'projectId',
    ]),
  }),
  'thread/read': method(ThreadReadParams, ThreadReadResponse),
  'thread/turns/list': method(ThreadTurnsListParams, ThreadTurnsListResponse),
  'thread/items/list': method(ThreadItemsListParams, ThreadItemsListResponse),
  'thread/archive': method(ThreadArchiveParams, EmptyResponse, { serialize: 'thread' }),
  'thread/unarchive': method(ThreadUnarchiveParams, ThreadUnarchiveResponse, { serialize: 'thread' }),
  'thread/delete': method(ThreadDeleteParams, EmptyResponse, { serialize: 'thread' }),
  'thread/name/set': method(ThreadSetNameParams, EmptyResponse, { serialize: 'thread' }),
  'thread/metadata/update': method(ThreadMetadataUpdateParams, ThreadMetadataUpdateResponse, {
    experimentalFields: gated('thread/metadata/update', ['daybreakEnabled', 'projectId']),
    serialize: 'thread',
  }),
  'thread/loaded/list': method(ThreadLoadedListParams, ThreadLoadedListResponse),
  'thread/unsubscribe': method(ThreadUnsubscribeParams, ThreadUnsubscribeResponse, { serialize: 'thread' }),
  'thread/inject_items': method(ThreadInjectItemsParams, EmptyResponse, { serialize: 'thread' }),
  'thread/dynamicTools/list': method(ThreadDynamicToolsListParams, ThreadDynamicToolsListResponse),
  'thread/memory/read': method(ThreadMemoryReadParams, ThreadMemoryReadResponse),
  'thread/memory/write': method(ThreadMemoryWriteParams, ThreadMemoryWriteResponse, { serialize: 'thread' }),
  'thread/memory/listRecent': method(ThreadMemoryListRecentParams, ThreadMemoryListRecentResponse),
  'thread/search': method(ThreadSearchParams, ThreadSearchResponse),
  'getConversationSummary': method(GetConversationSummaryParams, GetConversationSummaryResponse),
} as const;

export const ServerNotifications = {
  'thread/started': ThreadStartedNotification,
  'thread/archived': ThreadArchivedNotification,
  'thread/unarchived': ThreadUnarchivedNotification,
  'thread/deleted': ThreadDeletedNotification,
  'thread/name/updated': ThreadNameUpdatedNotification,
  'thread/status/changed': ThreadStatusChangedNotification,
  'thread/closed': ThreadClosedNotification,
  'deprecationNotice': DeprecationNoticeNotification,
} as const;

export type MethodName = keyof typeof ClientMethods;
export type ParamsOf<M extends MethodName> = Type.Static<(typeof ClientMethods)[M]['params']>;
export type ResultOf<M extends MethodName> = Type.Static<(typeof ClientMethods)[M]['result']>;
export type NotificationName = keyof typeof ServerNotifications;
export type NotificationParamsOf<N extends NotificationName> = Type.Static<(typeof ServerNotifications)[N]>;

/** Every method name, in table order (the order Codex-style error messages list them). */
export const METHOD_NAMES = Object.keys(ClientMethods) as MethodName[];

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(ClientMethods, name);
}

/**
 * The experimental descriptor a request needs, or null. A field counts as used when it is present
 * and not null; as in Codex 0.169, an empty list (`dynamicTools: []`) counts.
 */
export function experimentalDescriptor(name: MethodName, params: unknown): string | null {
  const def: MethodDef<TSchema, TSchema> = ClientMethods[name];
  if (def.experimental !== null) return def.experimental;
  if (params === null || typeof params !== 'object') return null;
  const record = params as Record<string, unknown>;
  for (const [field, descriptor] of Object.entries(def.experimentalFields)) {
    if (record[field] !== undefined && record[field] !== null) return descriptor;
  }
  return null;
}
