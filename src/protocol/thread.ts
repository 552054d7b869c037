// The Thread object and the shapes it embeds (docs/wire-protocol.md §3.1, §3.2, §3.6). Output shape:
// every key is always present, optional values are explicit nulls. Timestamps are Unix seconds.

import Type from 'typebox';
import { JsonValue, Nullable, StringEnum } from './common.ts';
import { Turn } from './turn.ts';

export const ThreadActiveFlag = StringEnum(['waitingOnApproval', 'waitingOnUserInput']);
export type ThreadActiveFlag = Type.Static<typeof ThreadActiveFlag>;

export const ThreadStatus = Type.Union([
  Type.Object({ type: Type.Literal('notLoaded') }),
  Type.Object({ type: Type.Literal('idle') }),
  Type.Object({ type: Type.Literal('systemError') }),
  Type.Object({ type: Type.Literal('active'), activeFlags: Type.Array(ThreadActiveFlag) }),
], { description: 'Runtime status of a thread; stored threads that are not in memory are `notLoaded`.' });
export type ThreadStatus = Type.Static<typeof ThreadStatus>;

export const ThreadSpawnSource = Type.Object({
  parent_thread_id: Type.String(),
  depth: Type.Integer(),
  agent_nickname: Type.Optional(Nullable(Type.String())),
  agent_role: Type.Optional(Nullable(Type.String())),
  agent_path: Type.Optional(Nullable(Type.String())),
}, { description: 'A sub-agent spawned by another thread (snake_case members).' });

export const SubAgentSource = Type.Union([
  StringEnum(['review', 'compact', 'memory_consolidation']),
  Type.Object({ thread_spawn: ThreadSpawnSource }),
  Type.Object({ other: Type.String() }),
], { description: 'What kind of sub-agent created a thread.' });
export type SubAgentSource = Type.Static<typeof SubAgentSource>;

export const SessionSource = Type.Union([
  StringEnum(['cli', 'vscode', 'exec', 'appServer', 'unknown']),
  Type.Object({ subAgent: SubAgentSource }),
  Type.Object({ custom: Type.String() }),
], { description: 'Who created a thread (v2 wire form; the stored `mcp` is `appServer` here).' });
export type SessionSource = Type.Static<typeof SessionSource>;

export const ThreadSourceKind = StringEnum([
  'cli', 'vscode', 'exec', 'appServer', 'subAgent', 'subAgentReview', 'subAgentCompact',
  'subAgentThreadSpawn', 'subAgentOther', 'unknown',
], { description: 'A source filter for `thread/list`; `subAgent` matches every sub-agent kind.' });
export type ThreadSourceKind = Type.Static<typeof ThreadSourceKind>;

export const GitInfo = Type.Object({
  sha: Nullable(Type.String()),
  branch: Nullable(Type.String()),
  originUrl: Nullable(Type.String()),
}, { description: 'Git state recorded for a thread; unknown members are null.' });
export type GitInfo = Type.Static<typeof GitInfo>;

export const ThreadHistoryMode = StringEnum(['legacy', 'paginated'], {
  description: 'How a thread\'s history is stored: whole-file (`legacy`) or paged (`paginated`, 0.169).',
});
export type ThreadHistoryMode = Type.Static<typeof ThreadHistoryMode>;

export const ThreadEnvironment = Type.Object({
  environmentId: Type.String(),
  cwd: Type.String(),
  runtimeWorkspaceRoots: Type.Array(Type.String()),
}, { description: 'An execution environment of a loaded thread.' });
export type ThreadEnvironment = Type.Static<typeof ThreadEnvironment>;

export const ThreadSection = Type.Object({
  id: Type.String(),
  name: Type.String(),
  appearance: JsonValue,
}, { description: 'The user-defined section a thread is filed under.' });
export type ThreadSection = Type.Static<typeof ThreadSection>;

export const Thread = Type.Object({
  id: Type.String(),
  environments: Nullable(Type.Array(ThreadEnvironment)),
  extra: Nullable(Type.Record(Type.String(), JsonValue)),
  sessionId: Type.String({ description: 'Equals `id` for a root thread.' }),
  forkedFromId: Nullable(Type.String()),
  attachedToThreadId: Nullable(Type.String()),
  parentThreadId: Nullable(Type.String()),
  preview: Type.String({ description: 'The first user message, or `""` when unknown.' }),
  ephemeral: Type.Boolean(),
  section: Nullable(ThreadSection),
  sectionEnteredAt: Nullable(Type.Integer()),
  projectId: Nullable(Type.String()),
  historyMode: ThreadHistoryMode,
  modelProvider: Type.String(),
  model: Nullable(Type.String()),
  reasoningEffort: Nullable(Type.String()),
  createdAt: Type.Integer({ description: 'Unix seconds.' }),
  updatedAt: Type.Integer({ description: 'Unix seconds.' }),
  recencyAt: Nullable(Type.Integer({ description: 'Unix seconds.' })),
  status: ThreadStatus,
  path: Nullable(Type.String({ description: 'Absolute rollout path; null for ephemeral threads.' })),
  cwd: Type.String(),
  cliVersion: Type.String({ description: 'Version of the CLI that wrote the thread; may be `""`.' }),
  originator: Nullable(Type.String()),
  source: SessionSource,
  canAcceptDirectInput: Nullable(Type.Boolean()),
  threadSource: Nullable(Type.String()),
  agentNickname: Nullable(Type.String()),
  agentRole: Nullable(Type.String()),
  gitInfo: Nullable(GitInfo),
  name: Nullable(Type.String()),
  daybreakEnabled: Nullable(Type.Boolean()),
  turns: Type.Array(Turn, { description: '`[]` except in resume, fork and read with `includeTurns`.' }),
}, { description: 'A conversation thread. Every key is present; unknown values are null.' });
export type Thread = Type.Static<typeof Thread>;

/** The 33 Thread keys, in the order Codex 0.169 emits them. */
export const THREAD_KEYS = Object.keys(Thread.properties) as (keyof Thread)[];

export const ReadState = Type.Object({
  firstUnread: Nullable(Type.Object({ type: Type.Literal('turn'), turnId: Type.String() })),
  revision: Type.String({ description: '`initial:<threadId>` for threads without stored receipts.' }),
}, { description: 'Durable read state of a thread.' });
export type ReadState = Type.Static<typeof ReadState>;
