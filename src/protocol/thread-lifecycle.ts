// `thread/start`, `thread/resume` and `thread/fork` (docs/wire-protocol.md §2.3, §2.4, §2.17). Params are open objects:
// unknown fields are ignored, optional fields accept null.

import Type from 'typebox';
import { JsonValue, Nullable, OptionalNullable, StringEnum } from './common.ts';
import { Thread, ThreadHistoryMode } from './thread.ts';
import { DynamicToolSpec } from './tools.ts';

export const AskForApproval = Type.Union([
  StringEnum(['untrusted', 'on-failure', 'on-request', 'never']),
  Type.Record(Type.String(), JsonValue),
], { description: 'Approval policy: a kebab-case mode, or an object such as `{"granular": {…}}`.' });
export type AskForApproval = Type.Static<typeof AskForApproval>;

export const SandboxMode = StringEnum(['read-only', 'workspace-write', 'danger-full-access'], {
  description: 'Requested sandbox mode (kebab-case).',
});
export type SandboxMode = Type.Static<typeof SandboxMode>;

export const SandboxPolicy = Type.Union([
  Type.Object({ type: Type.Literal('dangerFullAccess') }),
  Type.Object({ type: Type.Literal('readOnly'), networkAccess: Type.Optional(Type.Boolean()) }),
  Type.Object({ type: Type.Literal('externalSandbox'), networkAccess: JsonValue }),
  Type.Object({
    type: Type.Literal('workspaceWrite'),
    writableRoots: Type.Array(Type.String()),
    networkAccess: Type.Boolean(),
    excludeTmpdirEnvVar: Type.Boolean(),
    excludeSlashTmp: Type.Boolean(),
  }),
], { description: 'The effective sandbox policy.' });
export type SandboxPolicy = Type.Static<typeof SandboxPolicy>;

export const Personality = StringEnum(['none', 'friendly', 'pragmatic']);
export const ApprovalsReviewer = StringEnum(['user', 'auto_review', 'guardian_subagent']);

/** Overrides shared by `thread/start` and `thread/resume`. */
const configOverrides = {
  model: OptionalNullable(Type.String()),
  modelProvider: OptionalNullable(Type.String()),
  cwd: OptionalNullable(Type.String()),
  approvalPolicy: OptionalNullable(AskForApproval),
  sandbox: OptionalNullable(SandboxMode),
  config: OptionalNullable(Type.Record(Type.String(), JsonValue, { description: 'Dotted config overrides.' })),
  baseInstructions: OptionalNullable(Type.String()),
  developerInstructions: OptionalNullable(Type.String()),
  personality: OptionalNullable(Personality),
  serviceTier: OptionalNullable(Type.String({ description: 'Tri-state: omitted leaves it unset, null clears it.' })),
  approvalsReviewer: OptionalNullable(ApprovalsReviewer),
};

export const ThreadStartParams = Type.Object({
  ...configOverrides,
  serviceName: OptionalNullable(Type.String()),
  ephemeral: OptionalNullable(Type.Boolean({ description: 'In-memory thread: `path: null`, no rollout.' })),
  sessionStartSource: OptionalNullable(StringEnum(['startup', 'clear'])),
  threadSource: OptionalNullable(Type.String()),
  dynamicTools: OptionalNullable(Type.Array(DynamicToolSpec, { description: 'Experimental.' })),
  experimentalRawEvents: OptionalNullable(Type.Boolean({ description: 'Experimental.' })),
  persistExtendedHistory: OptionalNullable(Type.Boolean({ description: 'Experimental (Feb 2026 only).' })),
  historyMode: OptionalNullable(ThreadHistoryMode),
  environments: OptionalNullable(JsonValue),
  permissions: OptionalNullable(JsonValue),
  runtimeWorkspaceRoots: OptionalNullable(Type.Array(Type.String())),
  projectId: OptionalNullable(Type.String()),
  daybreakEnabled: OptionalNullable(Type.Boolean()),
  allowProviderModelFallback: OptionalNullable(Type.Boolean()),
  selectedCapabilityRoots: OptionalNullable(JsonValue),
  multiAgentMode: OptionalNullable(Type.String()),
}, { description: 'Params of `thread/start`: every field is optional.' });
export type ThreadStartParams = Type.Static<typeof ThreadStartParams>;

export const ActivePermissionProfile = Type.Object({
  id: Type.String(),
  extends: Nullable(Type.String()),
}, { description: 'The permission profile in force, e.g. `{"id": ":read-only", "extends": null}`.' });

const sessionConfiguration = {
  thread: Thread,
  model: Type.String(),
  modelProvider: Type.String(),
  serviceTier: Nullable(Type.String()),
  disabledPluginIds: Type.Array(Type.String()),
  cwd: Type.String(),
  runtimeWorkspaceRoots: Type.Array(Type.String()),
  instructionSources: Type.Array(JsonValue),
  approvalPolicy: AskForApproval,
  approvalsReviewer: ApprovalsReviewer,
  sandbox: SandboxPolicy,
  activePermissionProfile: Nullable(ActivePermissionProfile),
  reasoningEffort: Nullable(Type.String()),
  multiAgentMode: Type.String(),
};

export const ThreadStartResponse = Type.Object(sessionConfiguration, {
  description: 'Result of `thread/start`: the new thread and the effective session configuration.',
});
export type ThreadStartResponse = Type.Static<typeof ThreadStartResponse>;

export const ThreadResumeParams = Type.Object({
  threadId: Type.String(),
  ...configOverrides,
  excludeTurns: OptionalNullable(Type.Boolean({ description: 'Leave `thread.turns` empty.' })),
  path: OptionalNullable(Type.String({ description: 'Experimental: resume from this rollout path.' })),
  history: OptionalNullable(Type.Array(JsonValue, { description: 'Experimental: resume from these raw items.' })),
  initialTurnsPage: OptionalNullable(JsonValue),
}, { description: 'Params of `thread/resume`.' });
export type ThreadResumeParams = Type.Static<typeof ThreadResumeParams>;

export const ThreadResumeResponse = Type.Object({
  ...sessionConfiguration,
  collaborationMode: Nullable(JsonValue),
  initialTurnsPage: Nullable(JsonValue),
  turnsBackwardsCursor: Nullable(Type.String()),
  itemsBackwardsCursor: Nullable(Type.String()),
}, { description: 'Result of `thread/resume`: like `thread/start`, with `thread.turns` populated.' });
export type ThreadResumeResponse = Type.Static<typeof ThreadResumeResponse>;

export const ThreadForkParams = Type.Object({
  threadId: Type.String({ description: 'The thread to fork; it need not be loaded.' }),
  ...configOverrides,
  excludeTurns: OptionalNullable(Type.Boolean({ description: 'Leave `thread.turns` of the result empty.' })),
}, { description: 'Params of `thread/fork`: a new thread that continues the history of `threadId`.' });
export type ThreadForkParams = Type.Static<typeof ThreadForkParams>;

export const ThreadForkResponse = Type.Object(sessionConfiguration, {
  description: 'Result of `thread/fork`: the new thread (`forkedFromId` = the parent, the parent\'s turns unless excluded) and its session configuration.',
});
export type ThreadForkResponse = Type.Static<typeof ThreadForkResponse>;
