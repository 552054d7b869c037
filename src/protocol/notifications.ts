// Server → client notification payloads (the `params` member). The envelope
// `{method, params, emittedAtMs}` is built by the server, which stamps `emittedAtMs` (Unix ms).

import Type from 'typebox';
import { Nullable } from './common.ts';
import { Thread, ThreadStatus } from './thread.ts';

export const ThreadStartedNotification = Type.Object({ thread: Thread }, {
  description: '`thread/started`: a thread was created (broadcast).',
});
export type ThreadStartedNotification = Type.Static<typeof ThreadStartedNotification>;

export const ThreadArchivedNotification = Type.Object({ threadId: Type.String() }, {
  description: '`thread/archived` (broadcast).',
});
export type ThreadArchivedNotification = Type.Static<typeof ThreadArchivedNotification>;

export const ThreadUnarchivedNotification = Type.Object({ threadId: Type.String() }, {
  description: '`thread/unarchived` (broadcast).',
});
export type ThreadUnarchivedNotification = Type.Static<typeof ThreadUnarchivedNotification>;

export const ThreadDeletedNotification = Type.Object({ threadId: Type.String() }, {
  description: '`thread/deleted` (broadcast).',
});
export type ThreadDeletedNotification = Type.Static<typeof ThreadDeletedNotification>;

export const ThreadNameUpdatedNotification = Type.Object({
  threadId: Type.String(),
  threadName: Type.Optional(Type.String({ description: 'Omitted (not null) when the thread has no name.' })),
}, { description: '`thread/name/updated`.' });
export type ThreadNameUpdatedNotification = Type.Static<typeof ThreadNameUpdatedNotification>;

export const ThreadStatusChangedNotification = Type.Object({
  threadId: Type.String(),
  status: ThreadStatus,
}, { description: '`thread/status/changed` (to subscribers of the thread).' });
export type ThreadStatusChangedNotification = Type.Static<typeof ThreadStatusChangedNotification>;

export const ThreadClosedNotification = Type.Object({ threadId: Type.String() }, {
  description: '`thread/closed`: a loaded thread was unloaded.',
});
export type ThreadClosedNotification = Type.Static<typeof ThreadClosedNotification>;

export const DeprecationNoticeNotification = Type.Object({
  summary: Type.String(),
  details: Nullable(Type.String()),
}, { description: '`deprecationNotice`: the client used something deprecated.' });
export type DeprecationNoticeNotification = Type.Static<typeof DeprecationNoticeNotification>;

export const ThreadIndexChange = Type.Object({
  threadId: Type.String(),
  change: Type.Union([Type.Literal('appeared'), Type.Literal('changed'), Type.Literal('moved'), Type.Literal('disappeared')], {
    description: '`appeared`: a new or restored rollout; `changed`: lines appended, renamed, or rewritten; `moved`: between `sessions/` and `archived_sessions/`; `disappeared`: its rollout is gone.',
  }),
  archived: Nullable(Type.Boolean({ description: 'Where the thread is now (the `archived` value that lists it); null once it disappeared.' })),
}, { description: 'One thread in a `thread/index/changed` notification.' });
export type ThreadIndexChange = Type.Static<typeof ThreadIndexChange>;

export const ThreadIndexChangedNotification = Type.Object({ changes: Type.Array(ThreadIndexChange) }, {
  description: "`thread/index/changed` (threadstate's own): threads whose rollouts changed on disk, by any writer, coalesced (one entry per thread). Sent only to connections that set `capabilities.threadIndexChanges` at `initialize`.",
});
export type ThreadIndexChangedNotification = Type.Static<typeof ThreadIndexChangedNotification>;

export const ServerNotificationEnvelope = Type.Object({
  method: Type.String(),
  params: Type.Unknown(),
  emittedAtMs: Type.Optional(Type.Integer({ description: 'Unix ms, stamped once before fan-out.' })),
}, { description: 'A server notification as written on the wire.' });
export type ServerNotificationEnvelope = Type.Static<typeof ServerNotificationEnvelope>;
