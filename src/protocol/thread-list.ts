// `thread/list`, `thread/loaded/list` and `thread/read` (docs/wire-protocol.md §2.5, §2.6, §2.13).

import Type from 'typebox';
import { Nullable, OptionalNullable, SortDirection, StringEnum } from './common.ts';
import { ReadState, Thread, ThreadSourceKind } from './thread.ts';

export const ThreadSortKey = StringEnum(['created_at', 'updated_at', 'recency_at', 'section_position'], {
  description: 'Sort key of `thread/list` (snake_case values). Default `created_at`.',
});
export type ThreadSortKey = Type.Static<typeof ThreadSortKey>;

export const ThreadListParams = Type.Object({
  cursor: OptionalNullable(Type.String({ description: 'Opaque cursor from a previous page.' })),
  limit: OptionalNullable(Type.Integer({ description: 'Default 25, clamped to 1..100.' })),
  sortKey: OptionalNullable(ThreadSortKey),
  sortDirection: OptionalNullable(SortDirection),
  modelProviders: OptionalNullable(Type.Array(Type.String(), {
    description: 'Omitted or null: the configured default provider only. `[]`: every provider.',
  })),
  sourceKinds: OptionalNullable(Type.Array(ThreadSourceKind, {
    description: 'Omitted, null or `[]`: interactive sources only (`cli`, `vscode`).',
  })),
  archived: OptionalNullable(Type.Boolean({ description: '`true`: archived threads only; otherwise active ones.' })),
  cwd: OptionalNullable(Type.Union([Type.String(), Type.Array(Type.String())], {
    description: 'Exact match against the recorded cwd; an array matches any entry.',
  })),
  searchTerm: OptionalNullable(Type.String({ description: 'Case-sensitive substring of the title or preview.' })),
  currentAccountOnly: OptionalNullable(Type.Boolean()),
  excludedThreadIds: OptionalNullable(Type.Array(Type.String())),
  originators: OptionalNullable(Type.Array(Type.String())),
  sectionId: OptionalNullable(Type.String()),
  useStateDbOnly: OptionalNullable(Type.Boolean()),
  parentThreadId: OptionalNullable(Type.String({ description: 'Experimental.' })),
  ancestorThreadId: OptionalNullable(Type.String({ description: 'Experimental.' })),
  attachedToThreadId: OptionalNullable(Type.String({ description: 'Experimental.' })),
  includeAttachedThreads: OptionalNullable(Type.Boolean({ description: 'Experimental.' })),
  projectId: OptionalNullable(Type.String({ description: 'Experimental.' })),
}, { description: 'Params of `thread/list`: every field is optional.' });
export type ThreadListParams = Type.Static<typeof ThreadListParams>;

export const ThreadListResponse = Type.Object({
  data: Type.Array(Thread),
  readStates: Nullable(Type.Record(Type.String(), ReadState, {
    description: 'Keyed by thread id; null when durable read state is unavailable.',
  })),
  nextCursor: Nullable(Type.String()),
  backwardsCursor: Nullable(Type.String()),
}, { description: 'Result of `thread/list`.' });
export type ThreadListResponse = Type.Static<typeof ThreadListResponse>;

export const ThreadLoadedListParams = Type.Object({
  cursor: OptionalNullable(Type.String({ description: 'The last id of the previous page.' })),
  limit: OptionalNullable(Type.Integer({ description: 'No limit when omitted.' })),
}, { description: 'Params of `thread/loaded/list`.' });
export type ThreadLoadedListParams = Type.Static<typeof ThreadLoadedListParams>;

export const ThreadLoadedListResponse = Type.Object({
  data: Type.Array(Type.String(), { description: 'Thread ids held in memory, sorted.' }),
  nextCursor: Nullable(Type.String()),
}, { description: 'Result of `thread/loaded/list`.' });
export type ThreadLoadedListResponse = Type.Static<typeof ThreadLoadedListResponse>;

export const ThreadReadParams = Type.Object({
  threadId: Type.String(),
  includeTurns: OptionalNullable(Type.Boolean({ description: 'Rebuild turns from history; default false.' })),
}, { description: 'Params of `thread/read`.' });
export type ThreadReadParams = Type.Static<typeof ThreadReadParams>;

export const ThreadReadResponse = Type.Object({
  thread: Thread,
  readState: Nullable(ReadState),
}, { description: 'Result of `thread/read`.' });
export type ThreadReadResponse = Type.Static<typeof ThreadReadResponse>;
