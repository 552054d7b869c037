// Types for rollout JSONL lines of both eras (docs/rollout-format.md §2–§4). Everything is optional and
// loosely typed on purpose: readers must tolerate unknown types and keys, so derivation code reads
// fields defensively through the small helpers at the bottom.

/** The line envelope. `ordinal` and `metadata` only exist in 0.169 files. */
export interface RolloutLine {
  timestamp?: string;
  ordinal?: number;
  type: string;
  payload: unknown;
  metadata?: unknown;
}

export const KNOWN_LINE_TYPES: ReadonlySet<string> = new Set([
  'session_meta', 'response_item', 'event_msg', 'turn_context', 'compacted', 'world_state', 'token_usage_record',
]);

export interface GitPayload {
  commit_hash?: string;
  branch?: string;
  repository_url?: string;
}

export interface HistoryBase {
  thread_id: string;
  end_ordinal_exclusive?: number;
  end_byte_offset?: number;
}

export interface SessionMetaPayload {
  id: string;
  session_id?: string;
  forked_from_id?: string;
  timestamp?: string;
  cwd?: string;
  originator?: string;
  cli_version?: string;
  source?: string | Record<string, unknown>;
  thread_source?: string;
  agent_nickname?: string;
  agent_role?: string;
  agent_type?: string;
  agent_path?: string;
  model_provider?: string | null;
  base_instructions?: { text: string } | null;
  dynamic_tools?: unknown[];
  history_mode?: string;
  history_base?: HistoryBase;
  forked_from_ordinal_exclusive?: number;
  git?: GitPayload;
  [key: string]: unknown;
}

export interface TurnContextPayload {
  turn_id?: string;
  cwd?: string;
  approval_policy?: unknown;
  sandbox_policy?: unknown;
  model?: string;
  effort?: string | null;
  summary?: string;
  collaboration_mode?: { mode?: string; settings?: { model?: string; reasoning_effort?: string | null } };
  [key: string]: unknown;
}

export interface TokenUsage {
  input_tokens?: number;
  cached_input_tokens?: number;
  output_tokens?: number;
  reasoning_output_tokens?: number;
  total_tokens?: number;
}

// ---- event_msg payloads (Feb 2026 and 0.169) ----

export interface UserMessageEvent { type: 'user_message'; message: string; images?: string[] | null; local_images?: string[]; text_elements?: unknown[] }
export interface AgentMessageEvent { type: 'agent_message'; message: string; phase?: string | null }
export interface AgentReasoningEvent { type: 'agent_reasoning' | 'agent_reasoning_raw_content'; text: string }
export interface TokenCountEvent { type: 'token_count'; info: { total_token_usage?: TokenUsage; last_token_usage?: TokenUsage; model_context_window?: number | null } | null }
export interface TaskStartedEvent { type: 'task_started' | 'turn_started'; turn_id?: string; root_turn_id?: string; started_at?: number; model_context_window?: number | null; collaboration_mode_kind?: string }
export interface TaskCompleteEvent {
  type: 'task_complete' | 'turn_complete';
  turn_id?: string; last_agent_message?: string | null;
  started_at?: number; completed_at?: number; duration_ms?: number;
  error?: { message?: string; codex_error_info?: unknown };
}
export interface TurnAbortedEvent { type: 'turn_aborted'; turn_id?: string | null; reason?: string; started_at?: number; completed_at?: number; duration_ms?: number }
export interface ThreadSettingsAppliedEvent { type: 'thread_settings_applied'; thread_id?: string; thread_settings?: { model?: string; model_provider_id?: string; approval_policy?: unknown; cwd?: string; [key: string]: unknown } }
export interface ItemCompletedEvent { type: 'item_completed' | 'item_started'; thread_id?: string; turn_id?: string; item: { type: string; id?: string; [key: string]: unknown }; started_at_ms?: number; completed_at_ms?: number }
export interface ExecCommandEndEvent {
  type: 'exec_command_end' | 'exec_command_begin'; call_id: string; process_id?: string | null; turn_id?: string;
  command?: string[]; cwd?: string; parsed_cmd?: unknown[]; source?: string; aggregated_output?: string;
  exit_code?: number; duration?: unknown; status?: string;
}

/** The event_msg payload types threadstate derives something from; any other type is ignored. */
export type EventPayload =
  | UserMessageEvent | AgentMessageEvent | AgentReasoningEvent | TokenCountEvent | TaskStartedEvent
  | TaskCompleteEvent | TurnAbortedEvent | ThreadSettingsAppliedEvent | ItemCompletedEvent | ExecCommandEndEvent
  | { type: string; [key: string]: unknown };

/** `compacted` line payload. */
export interface CompactedPayload { message?: string; replacement_history?: unknown[] }

/** `response_item` payload: a Responses-API item tagged by `type`. */
export interface ResponseItemPayload {
  type: string;
  role?: string;
  content?: Array<{ type: string; text?: string; image_url?: string }> | null;
  phase?: string;
  [key: string]: unknown;
}

// ---- defensive accessors ----

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The payload as an object, or null when the line's payload is not one. */
export function payloadOf(line: RolloutLine): Record<string, unknown> | null {
  return isObject(line.payload) ? line.payload : null;
}

/** The `type` of an event_msg payload, or undefined. */
export function eventType(line: RolloutLine): string | undefined {
  if (line.type !== 'event_msg') return undefined;
  return str(payloadOf(line)?.type);
}

/** A JSON value that is a rollout line: an object with a string `type`. */
export function asRolloutLine(value: unknown): RolloutLine | null {
  if (!isObject(value) || typeof value.type !== 'string') return null;
  return value as unknown as RolloutLine;
}

/** True for a line Codex would decode (a known line type); only those count toward `rollout-<k>` ids. */
export function isKnownLine(line: RolloutLine): boolean {
  return KNOWN_LINE_TYPES.has(line.type);
}

/** A user event: Feb `user_message`, or a 0.169 `item_completed` UserMessage item. */
export function isUserEvent(line: RolloutLine): boolean {
  const t = eventType(line);
  if (t === 'user_message') return true;
  if (t === 'item_completed') {
    const item = payloadOf(line)?.item;
    return isObject(item) && item.type === 'UserMessage';
  }
  return false;
}
