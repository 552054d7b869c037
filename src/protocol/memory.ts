// Thread memory summaries: `thread/memory/read`, `thread/memory/write`, `thread/memory/listRecent`.

import Type from 'typebox';
import { Nullable, OptionalNullable } from './common.ts';

export const ThreadMemory = Type.Object({
  threadId: Type.String(),
  traceSummary: Type.String(),
  memorySummary: Type.String(),
  updatedAt: Type.Integer({ description: 'Unix seconds.' }),
}, { description: 'The memory summaries stored for a thread.' });
export type ThreadMemory = Type.Static<typeof ThreadMemory>;

export const ThreadMemoryReadParams = Type.Object({ threadId: Type.String() }, {
  description: 'Params of `thread/memory/read`.',
});
export type ThreadMemoryReadParams = Type.Static<typeof ThreadMemoryReadParams>;

export const ThreadMemoryReadResponse = Type.Object({ memory: Nullable(ThreadMemory) }, {
  description: 'Result of `thread/memory/read`: null when nothing is stored.',
});
export type ThreadMemoryReadResponse = Type.Static<typeof ThreadMemoryReadResponse>;

export const ThreadMemoryWriteParams = Type.Object({
  threadId: Type.String(),
  traceSummary: Type.String(),
  memorySummary: Type.String(),
}, { description: 'Params of `thread/memory/write`.' });
export type ThreadMemoryWriteParams = Type.Static<typeof ThreadMemoryWriteParams>;

export const ThreadMemoryWriteResponse = Type.Object({ memory: ThreadMemory }, {
  description: 'Result of `thread/memory/write`: the stored memory.',
});
export type ThreadMemoryWriteResponse = Type.Static<typeof ThreadMemoryWriteResponse>;

export const ThreadMemoryListRecentParams = Type.Object({
  cwd: Type.String(),
  limit: OptionalNullable(Type.Integer()),
}, { description: 'Params of `thread/memory/listRecent`: the newest memories of threads in this cwd.' });
export type ThreadMemoryListRecentParams = Type.Static<typeof ThreadMemoryListRecentParams>;

export const ThreadMemoryListRecentResponse = Type.Object({ data: Type.Array(ThreadMemory) }, {
  description: 'Result of `thread/memory/listRecent`, newest first.',
});
export type ThreadMemoryListRecentResponse = Type.Static<typeof ThreadMemoryListRecentResponse>;
