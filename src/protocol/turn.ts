// Turn and the paged turn/item lists (docs/wire-protocol.md §2.7, §3.3). Turn timestamps are Unix
// seconds; item timestamps are Unix ms.

import Type from 'typebox';
import { JsonValue, Nullable, OptionalNullable, SortDirection, StringEnum } from './common.ts';
import { ThreadItem } from './item.ts';

export const TurnStatus = StringEnum(['completed', 'interrupted', 'failed', 'inProgress'], {
  description: 'Turn status. An in-progress turn on a thread that is not running is reported as `interrupted`.',
});
export type TurnStatus = Type.Static<typeof TurnStatus>;

export const TurnItemsView = StringEnum(['notLoaded', 'summary', 'full'], {
  description: 'How much of each turn\'s items a list returns: none, the user message and final answer, or all.',
});
export type TurnItemsView = Type.Static<typeof TurnItemsView>;

export const CodexErrorInfo = Type.Union([Type.String(), Type.Record(Type.String(), JsonValue)], {
  description: 'A camelCase error class such as `other` or `contextWindowExceeded`, or an object such as `{"httpConnectionFailed": {…}}`.',
});
export type CodexErrorInfo = Type.Static<typeof CodexErrorInfo>;

export const TurnError = Type.Object({
  message: Type.String(),
  codexErrorInfo: Nullable(CodexErrorInfo),
  additionalDetails: Nullable(Type.String()),
  misalignment: OptionalNullable(JsonValue),
}, { description: 'Why a turn failed.' });
export type TurnError = Type.Static<typeof TurnError>;

export const Turn = Type.Object({
  id: Type.String(),
  rootTurnId: Nullable(Type.String()),
  items: Type.Array(ThreadItem),
  itemsView: TurnItemsView,
  status: TurnStatus,
  error: Nullable(TurnError),
  startedAt: Nullable(Type.Integer({ description: 'Unix seconds; null for legacy history.' })),
  completedAt: Nullable(Type.Integer({ description: 'Unix seconds; null for legacy history.' })),
  durationMs: Nullable(Type.Integer()),
}, { description: 'One turn of a thread: a user request and everything that answered it.' });
export type Turn = Type.Static<typeof Turn>;

export const ThreadTurnsListParams = Type.Object({
  threadId: Type.String(),
  cursor: OptionalNullable(Type.String({ description: 'Opaque cursor from a previous page.' })),
  limit: OptionalNullable(Type.Integer({ description: 'Default 25, at most 100.' })),
  sortDirection: OptionalNullable(SortDirection),
  itemsView: OptionalNullable(TurnItemsView),
}, { description: 'Params of `thread/turns/list`: a page of a thread\'s turns (default newest first, `summary` items).' });
export type ThreadTurnsListParams = Type.Static<typeof ThreadTurnsListParams>;

export const ThreadTurnsListResponse = Type.Object({
  data: Type.Array(Turn),
  nextCursor: Nullable(Type.String()),
  backwardsCursor: Nullable(Type.String()),
}, { description: 'Result of `thread/turns/list`.' });
export type ThreadTurnsListResponse = Type.Static<typeof ThreadTurnsListResponse>;

export const ThreadItemsListParams = Type.Object({
  threadId: Type.String(),
  turnId: OptionalNullable(Type.String({ description: 'Only the items of this turn.' })),
  cursor: OptionalNullable(Type.String({ description: 'Opaque cursor from a previous page.' })),
  limit: OptionalNullable(Type.Integer()),
  sortDirection: OptionalNullable(SortDirection),
}, { description: 'Params of `thread/items/list`: a page of a thread\'s items, across turns or within one.' });
export type ThreadItemsListParams = Type.Static<typeof ThreadItemsListParams>;

export const ThreadItemEntry = Type.Object({
  turnId: Type.String({ description: 'The turn the item belongs to.' }),
  item: ThreadItem,
  startedAtMs: Nullable(Type.Integer({ description: 'Unix ms; null for legacy history.' })),
  completedAtMs: Nullable(Type.Integer({ description: 'Unix ms; null for legacy history and unfinished items.' })),
}, { description: 'One item of `thread/items/list`, with its turn and lifecycle times.' });
export type ThreadItemEntry = Type.Static<typeof ThreadItemEntry>;

export const ThreadItemsListResponse = Type.Object({
  data: Type.Array(ThreadItemEntry),
  nextCursor: Nullable(Type.String()),
  backwardsCursor: Nullable(Type.String()),
}, { description: 'Result of `thread/items/list`.' });
export type ThreadItemsListResponse = Type.Static<typeof ThreadItemsListResponse>;
