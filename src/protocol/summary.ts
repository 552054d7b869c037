// Legacy v1 `getConversationSummary` (docs/wire-protocol.md §2.16). Note the snake_case `origin_url`
// and the lower-case core session source: this result predates the v2 conventions.

import Type from 'typebox';
import { JsonValue, Nullable } from './common.ts';

export const GetConversationSummaryParams = Type.Union([
  Type.Object({ rolloutPath: Type.String({ description: 'Absolute, or relative to CODEX_HOME.' }) }),
  Type.Object({ conversationId: Type.String() }),
], { description: 'Params of `getConversationSummary`: either `{rolloutPath}` or `{conversationId}`.' });
export type GetConversationSummaryParams = Type.Static<typeof GetConversationSummaryParams>;

export const ConversationGitInfo = Type.Object({
  sha: Nullable(Type.String()),
  branch: Nullable(Type.String()),
  origin_url: Nullable(Type.String()),
}, { description: 'Git state in the legacy summary (snake_case `origin_url`).' });

export const ConversationSummary = Type.Object({
  conversationId: Type.String(),
  path: Type.String(),
  preview: Type.String(),
  timestamp: Nullable(Type.String({ description: 'Creation time, RFC3339.' })),
  updatedAt: Nullable(Type.String({ description: 'RFC3339.' })),
  modelProvider: Type.String(),
  cwd: Type.String(),
  cliVersion: Type.String(),
  source: Type.Union([Type.String(), Type.Record(Type.String(), JsonValue)], {
    description: 'The core session source in lower case: `cli`, `vscode`, `exec`, `mcp`, `{"subagent": …}`, …',
  }),
  gitInfo: Nullable(ConversationGitInfo),
}, { description: 'A thread summary in the legacy v1 shape.' });
export type ConversationSummary = Type.Static<typeof ConversationSummary>;

export const GetConversationSummaryResponse = Type.Object({ summary: ConversationSummary }, {
  description: 'Result of `getConversationSummary`.',
});
export type GetConversationSummaryResponse = Type.Static<typeof GetConversationSummaryResponse>;
