// ThreadItem: the tagged union of everything a turn can hold (docs/wire-protocol.md §3.4), plus the
// user inputs and action shapes embedded in items. Output objects: optional members are explicit
// nulls, and every item carries `startedAtMs` / `completedAtMs` (Unix ms, null for legacy history).

import Type from 'typebox';
import type { TProperties } from 'typebox';
import { JsonValue, Nullable, OptionalNullable, StringEnum } from './common.ts';

// ---- user input -------------------------------------------------------------------------------

export const ByteRange = Type.Object({ start: Type.Integer(), end: Type.Integer() }, {
  description: 'A UTF-8 byte range inside a text input.',
});
export type ByteRange = Type.Static<typeof ByteRange>;

export const TextElement = Type.Object({
  byteRange: ByteRange,
  placeholder: OptionalNullable(Type.String()),
}, { description: 'A rich element (mention, pasted block) inside a text input.' });
export type TextElement = Type.Static<typeof TextElement>;

const ImageDetail = Type.String({ description: 'Image detail hint, e.g. `auto`, `low`, `high`.' });

export const TextUserInput = Type.Object({
  type: Type.Literal('text'),
  text: Type.String(),
  text_elements: Type.Optional(Type.Array(TextElement, { description: 'snake_case on the wire; defaults to `[]`.' })),
}, { description: 'Plain text typed by the user.' });

export const ImageUserInput = Type.Object({
  type: Type.Literal('image'),
  url: OptionalNullable(Type.String()),
  fileId: OptionalNullable(Type.String()),
  detail: OptionalNullable(ImageDetail),
}, { description: 'An image by URL (or data URL); 0.169 also allows `fileId`.' });

export const LocalImageUserInput = Type.Object({
  type: Type.Literal('localImage'),
  path: Type.String(),
  detail: OptionalNullable(ImageDetail),
}, { description: 'An image file on the local machine.' });

export const SkillUserInput = Type.Object({
  type: Type.Literal('skill'), name: Type.String(), path: Type.String(),
}, { description: 'A skill attached by the user.' });

export const MentionUserInput = Type.Object({
  type: Type.Literal('mention'), name: Type.String(), path: Type.String(),
}, { description: 'A file or resource mentioned by the user.' });

export const AudioUserInput = Type.Object({
  type: Type.Literal('audio'),
  url: OptionalNullable(Type.String()),
  fileId: OptionalNullable(Type.String()),
}, { description: 'Audio by URL (0.169 only; shape partly uncertain).' });

export const LocalAudioUserInput = Type.Object({
  type: Type.Literal('localAudio'), path: Type.String(),
}, { description: 'An audio file on the local machine (0.169 only).' });

export const UserInput = Type.Union([
  TextUserInput, ImageUserInput, LocalImageUserInput, SkillUserInput, MentionUserInput,
  AudioUserInput, LocalAudioUserInput,
], { description: 'One piece of user input, tagged by `type`.' });
export type UserInput = Type.Static<typeof UserInput>;

// ---- embedded shapes --------------------------------------------------------------------------

export const CommandAction = Type.Union([
  Type.Object({ type: Type.Literal('read'), command: Type.String(), name: Type.String(), path: Type.String() }),
  Type.Object({ type: Type.Literal('listFiles'), command: Type.String(), path: Nullable(Type.String()) }),
  Type.Object({
    type: Type.Literal('search'), command: Type.String(),
    query: Nullable(Type.String()), path: Nullable(Type.String()),
  }),
  Type.Object({ type: Type.Literal('unknown'), command: Type.String() }),
], { description: 'What a shell command was parsed to do.' });
export type CommandAction = Type.Static<typeof CommandAction>;

export const WebSearchAction = Type.Union([
  Type.Object({
    type: Type.Literal('search'),
    query: Nullable(Type.String()),
    queries: Nullable(Type.Array(Type.String())),
  }),
  Type.Object({ type: Type.Literal('openPage'), url: Nullable(Type.String()) }),
  Type.Object({ type: Type.Literal('findInPage'), url: Nullable(Type.String()), pattern: Nullable(Type.String()) }),
  Type.Object({ type: Type.Literal('other') }),
], { description: 'The action a web search call performed.' });
export type WebSearchAction = Type.Static<typeof WebSearchAction>;

export const FileChangeKind = Type.Union([
  Type.Object({ type: Type.Literal('add') }),
  Type.Object({ type: Type.Literal('delete') }),
  Type.Object({ type: Type.Literal('update'), move_path: Nullable(Type.String()) }),
], { description: 'How a file changed; `move_path` is snake_case on the wire.' });
export type FileChangeKind = Type.Static<typeof FileChangeKind>;

export const FileUpdateChange = Type.Object({
  path: Type.String(), kind: FileChangeKind, diff: Type.String(),
}, { description: 'One file touched by a patch.' });
export type FileUpdateChange = Type.Static<typeof FileUpdateChange>;

export const DynamicToolCallContentItem = Type.Union([
  Type.Object({ type: Type.Literal('inputText'), text: Type.String() }),
  Type.Object({ type: Type.Literal('inputImage'), imageUrl: Type.String() }),
  Type.Object({ type: Type.Literal('inputAudio'), audioUrl: Type.String() }),
], { description: 'One piece of a dynamic tool result returned by the client.' });
export type DynamicToolCallContentItem = Type.Static<typeof DynamicToolCallContentItem>;

export const MessagePhase = StringEnum(['commentary', 'final_answer', 'partial_answer'], {
  description: 'Where an agent message sits in the turn; `partial_answer` is 0.169 only.',
});
export type MessagePhase = Type.Static<typeof MessagePhase>;

const ToolStatus = StringEnum(['inProgress', 'completed', 'failed']);
const PatchStatus = StringEnum(['inProgress', 'completed', 'failed', 'declined']);

// ---- items ------------------------------------------------------------------------------------

/** Builds one ThreadItem variant: `type` tag, the members, then the lifecycle timestamps. */
function item<K extends string, P extends TProperties>(type: K, members: P, description: string) {
  return Type.Object({
    type: Type.Literal(type),
    ...members,
    startedAtMs: Nullable(Type.Integer()),
    completedAtMs: Nullable(Type.Integer()),
  }, { description });
}

export const UserMessageItem = item('userMessage', {
  id: Type.String(),
  clientId: Nullable(Type.String()),
  content: Type.Array(UserInput),
}, 'A user message.');

export const AgentMessageItem = item('agentMessage', {
  moderation: JsonValue,
  id: Type.String(),
  text: Type.String(),
  phase: OptionalNullable(MessagePhase, { description: 'Null when unknown; threadstate emits an explicit null.' }),
  memoryCitation: JsonValue,
  delivery: Nullable(StringEnum(['async'])),
  questions: JsonValue,
}, 'A message written by the agent.');

export const ReasoningItem = item('reasoning', {
  id: Type.String(),
  summary: Type.Array(Type.String()),
  content: Type.Array(Type.String()),
}, 'Reasoning summary (and raw content, when recorded).');

export const CommandExecutionItem = item('commandExecution', {
  id: Type.String(),
  pluginId: Nullable(Type.String()),
  scriptPath: Nullable(Type.String()),
  command: Type.String({ description: 'The argv, shell-joined.' }),
  cwd: Type.String(),
  processId: Nullable(Type.String()),
  source: StringEnum(['agent', 'userShell', 'unifiedExecStartup', 'unifiedExecInteraction']),
  status: PatchStatus,
  commandActions: Type.Array(CommandAction),
  aggregatedOutput: Nullable(Type.String()),
  exitCode: Nullable(Type.Integer()),
  durationMs: Nullable(Type.Integer()),
}, 'A shell command run by the agent or the user.');

export const FileChangeItem = item('fileChange', {
  id: Type.String(),
  changes: Type.Array(FileUpdateChange),
  status: PatchStatus,
}, 'A patch applied to files.');

export const McpToolCallResult = Type.Object({
  content: Type.Array(JsonValue),
  structuredContent: JsonValue,
  _meta: Type.Optional(JsonValue),
}, { description: 'The result of an MCP tool call.' });

export const McpToolCallItem = item('mcpToolCall', {
  id: Type.String(),
  server: Type.String(),
  tool: Type.String(),
  status: ToolStatus,
  arguments: JsonValue,
  result: Nullable(McpToolCallResult),
  error: Nullable(Type.Object({ message: Type.String() })),
  durationMs: Nullable(Type.Integer()),
  appContext: Type.Optional(JsonValue),
  mcpAppUi: Type.Optional(JsonValue),
  mcpAppResourceUri: OptionalNullable(Type.String()),
  pluginId: OptionalNullable(Type.String()),
  readOnlyHint: OptionalNullable(Type.Boolean()),
}, 'A call to an MCP server tool.');

export const DynamicToolCallItem = item('dynamicToolCall', {
  id: Type.String({ description: 'The call id.' }),
  namespace: Nullable(Type.String()),
  tool: Type.String(),
  arguments: JsonValue,
  status: ToolStatus,
  contentItems: Nullable(Type.Array(DynamicToolCallContentItem)),
  success: Nullable(Type.Boolean()),
  durationMs: Nullable(Type.Integer()),
}, 'A call to a client-provided dynamic tool.');

export const WebSearchItem = item('webSearch', {
  id: Type.String(),
  query: Type.String(),
  action: Nullable(WebSearchAction),
  results: OptionalNullable(Type.Array(JsonValue)),
}, 'A web search.');

export const ContextCompactionItem = item('contextCompaction', { id: Type.String() }, 'The context was compacted.');
export const PlanItem = item('plan', { id: Type.String(), text: Type.String() }, 'A plan written by the agent.');
export const ImageViewItem = item('imageView', { id: Type.String(), path: Type.String() }, 'The agent viewed an image.');
export const EnteredReviewModeItem = item('enteredReviewMode', { id: Type.String(), review: Type.String() }, 'Review mode started.');
export const ExitedReviewModeItem = item('exitedReviewMode', { id: Type.String(), review: Type.String() }, 'Review mode ended.');

export const CollabAgentToolCallItem = item('collabAgentToolCall', {
  id: Type.String(),
  tool: Type.String({ description: '`spawnAgent`, `sendInput`, `resumeAgent`, `wait`, `closeAgent`, …' }),
  status: ToolStatus,
  senderThreadId: Type.String(),
  receiverThreadIds: Type.Array(Type.String()),
  prompt: Nullable(Type.String()),
  agentsStates: JsonValue,
  model: OptionalNullable(Type.String()),
  reasoningEffort: OptionalNullable(Type.String()),
}, 'A multi-agent collaboration tool call.');

export const HookPromptItem = item('hookPrompt', { id: Type.String(), fragments: JsonValue }, 'A hook prompt (0.169 only).');
export const FunctionCallOutputItem = item('functionCallOutput', {
  id: Type.String(), name: Type.String(), namespace: Nullable(Type.String()), output: JsonValue,
}, 'A raw function call output (0.169 only).');
export const SubAgentActivityItem = item('subAgentActivity', {
  id: Type.String(),
  kind: Type.String(),
  agentThreadId: Nullable(Type.String()),
  agentPath: Nullable(Type.String()),
  model: Nullable(Type.String()),
  reasoningEffort: Nullable(Type.String()),
}, 'Activity of a sub-agent (0.169 only).');
export const SleepItem = item('sleep', { id: Type.String(), durationMs: Type.Integer() }, 'The agent slept (0.169 only).');
export const ImageGenerationItem = item('imageGeneration', {
  id: Type.String(), status: Type.String(),
}, 'An image generation call (0.169 only; further members are passed through).');

export const ThreadItem = Type.Union([
  UserMessageItem, AgentMessageItem, ReasoningItem, CommandExecutionItem, FileChangeItem,
  McpToolCallItem, DynamicToolCallItem, WebSearchItem, ContextCompactionItem, PlanItem,
  ImageViewItem, EnteredReviewModeItem, ExitedReviewModeItem, CollabAgentToolCallItem,
  HookPromptItem, FunctionCallOutputItem, SubAgentActivityItem, SleepItem, ImageGenerationItem,
], { description: 'One item of a turn, tagged by `type`. Clients tolerate unknown types.' });
export type ThreadItem = Type.Static<typeof ThreadItem>;
export type UserMessageItem = Type.Static<typeof UserMessageItem>;
export type AgentMessageItem = Type.Static<typeof AgentMessageItem>;
export type ReasoningItem = Type.Static<typeof ReasoningItem>;
export type CommandExecutionItem = Type.Static<typeof CommandExecutionItem>;
export type FileChangeItem = Type.Static<typeof FileChangeItem>;
export type McpToolCallItem = Type.Static<typeof McpToolCallItem>;
export type DynamicToolCallItem = Type.Static<typeof DynamicToolCallItem>;
export type WebSearchItem = Type.Static<typeof WebSearchItem>;
export type ContextCompactionItem = Type.Static<typeof ContextCompactionItem>;
export type PlanItem = Type.Static<typeof PlanItem>;
export type ImageViewItem = Type.Static<typeof ImageViewItem>;
export type CollabAgentToolCallItem = Type.Static<typeof CollabAgentToolCallItem>;
export type ThreadItemType = ThreadItem['type'];
