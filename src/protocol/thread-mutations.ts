// Thread methods that change state: archive, unarchive, delete, name/set, metadata/update,
// unsubscribe, inject_items (docs/wire-protocol.md §2.8-§2.15).

import Type from 'typebox';
import { EmptyResponse, JsonValue, OptionalNullable, StringEnum, ThreadIdParams } from './common.ts';
import { Thread } from './thread.ts';

export const ThreadArchiveParams = ThreadIdParams('Params of `thread/archive`.');
export type ThreadArchiveParams = Type.Static<typeof ThreadArchiveParams>;
export const ThreadArchiveResponse = EmptyResponse;

export const ThreadUnarchiveParams = ThreadIdParams('Params of `thread/unarchive`.');
export type ThreadUnarchiveParams = Type.Static<typeof ThreadUnarchiveParams>;
export const ThreadUnarchiveResponse = Type.Object({ thread: Thread }, {
  description: 'Result of `thread/unarchive`: the restored thread.',
});
export type ThreadUnarchiveResponse = Type.Static<typeof ThreadUnarchiveResponse>;

export const ThreadDeleteParams = ThreadIdParams('Params of `thread/delete`.');
export type ThreadDeleteParams = Type.Static<typeof ThreadDeleteParams>;
export const ThreadDeleteResponse = EmptyResponse;

export const ThreadSetNameParams = Type.Object({
  threadId: Type.String(),
  name: Type.String({ description: 'Trimmed before storing; must not be blank.' }),
}, { description: 'Params of `thread/name/set`.' });
export type ThreadSetNameParams = Type.Static<typeof ThreadSetNameParams>;
export const ThreadSetNameResponse = EmptyResponse;

export const GitInfoPatch = Type.Object({
  sha: OptionalNullable(Type.String()),
  branch: OptionalNullable(Type.String()),
  originUrl: OptionalNullable(Type.String()),
}, { description: 'Per field: omitted keeps the stored value, null clears it, a non-empty string replaces it.' });
export type GitInfoPatch = Type.Static<typeof GitInfoPatch>;

export const ThreadMetadataUpdateParams = Type.Object({
  threadId: Type.String(),
  gitInfo: OptionalNullable(GitInfoPatch),
  daybreakEnabled: OptionalNullable(Type.Boolean({ description: 'Experimental.' })),
  projectId: OptionalNullable(Type.String({ description: 'Experimental.' })),
}, { description: 'Params of `thread/metadata/update`.' });
export type ThreadMetadataUpdateParams = Type.Static<typeof ThreadMetadataUpdateParams>;
export const ThreadMetadataUpdateResponse = Type.Object({ thread: Thread }, {
  description: 'Result of `thread/metadata/update`: the refreshed thread.',
});
export type ThreadMetadataUpdateResponse = Type.Static<typeof ThreadMetadataUpdateResponse>;

export const ThreadUnsubscribeParams = ThreadIdParams('Params of `thread/unsubscribe`.');
export type ThreadUnsubscribeParams = Type.Static<typeof ThreadUnsubscribeParams>;
export const ThreadUnsubscribeStatus = StringEnum(['unsubscribed', 'notSubscribed', 'notLoaded']);
export const ThreadUnsubscribeResponse = Type.Object({ status: ThreadUnsubscribeStatus }, {
  description: 'Result of `thread/unsubscribe`.',
});
export type ThreadUnsubscribeResponse = Type.Static<typeof ThreadUnsubscribeResponse>;

export const ThreadInjectItemsParams = Type.Object({
  threadId: Type.String(),
  items: Type.Array(JsonValue, { description: 'Raw Responses-API items, appended without a turn.' }),
}, { description: 'Params of `thread/inject_items`.' });
export type ThreadInjectItemsParams = Type.Static<typeof ThreadInjectItemsParams>;
export const ThreadInjectItemsResponse = EmptyResponse;
