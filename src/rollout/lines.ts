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
