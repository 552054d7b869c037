// What an incoming line may be, decided as Codex 0.169 decides it (observed with its app-server):
// - request ids are strings or integers in the signed 64-bit range written as integers; anything
//   else (1.5, 1e300, 1.0, 2^63, true) is ignored without an answer. Integers past 2^53 are echoed
//   exactly as sent: they travel through vscode-jsonrpc as a placeholder string (IdEcho) that the
//   writer turns back into the client's digits;
// - a message nested 128 levels deep or more is refused (serde_json's recursion limit);
// - a string holding an unpaired UTF-16 surrogate is refused.
// Codex drops the last two without an answer; threadstate answers them with -32600 (naming the
// field for surrogates) when the request's id can be read, so the client is not left waiting.

import { randomBytes } from 'node:crypto';
import type { Message } from './jsonrpc.ts';
import { rawValueText } from '../rollout/json-locate.ts';

declare global {
  interface String {
    /** ES2024: false when the string holds an unpaired surrogate. */
    isWellFormed(): boolean;
  }
}

/** Levels of nesting (the message object itself is level 1) from which a message is refused. */
export const MAX_NESTING = 128;

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^-?(?:0|[1-9][0-9]*)$/;

/** Request ids that do not survive a JavaScript number, carried as placeholder strings. */
export class IdEcho {
  /** Made at the first hold: such ids are rare, and node:crypto costs a restart several ms. */
  private prefix: string | null = null;
  private readonly uses = new Map<string, number>();

  /** The placeholder for the raw integer text `raw`. */
  hold(raw: string): string {
    this.prefix ??= `\u0000threadstate-id-${randomBytes(8).toString('hex')}:`;
    const key = this.prefix + raw;
    this.uses.set(key, (this.uses.get(key) ?? 0) + 1);
    return key;
  }

  /** The raw digits behind a placeholder (released once per hold), or null for any other id. */
  release(id: unknown): string | null {
    if (this.prefix === null || typeof id !== 'string' || !id.startsWith(this.prefix)) return null;
    const count = this.uses.get(id);
    if (count === undefined) return null;
    if (count <= 1) this.uses.delete(id);
    else this.uses.set(id, count - 1);
    return id.slice(this.prefix.length);
  }
}

export type RequestId = string | number;

export type Inbound =
  | { kind: 'message'; message: Message }
  /** Answer `id` with -32600 `message` and do not handle the request. */
  | { kind: 'reject'; id: RequestId; message: string }
  | { kind: 'drop'; reason: string };

/**
 * A valid id as Codex accepts it (from the parsed value and its raw text), or undefined. Only a
 * request's id is held for echoing: a response's id (to a server request) is never written back.
 */
function acceptedId(value: unknown, line: string, ids: IdEcho, echo: boolean): RequestId | undefined {
  if (typeof value === 'string') return value.isWellFormed() ? value : undefined;
  if (typeof value !== 'number') return undefined;
  const raw = rawValueText(line, ['id']);
  if (raw === null) return Number.isSafeInteger(value) ? value : undefined;
  if (!INTEGER_TEXT.test(raw)) return undefined;
  const big = BigInt(raw);
  if (big < I64_MIN || big > I64_MAX) return undefined;
  return Number.isSafeInteger(value) || !echo ? value : ids.hold(raw);
}

interface Visit {
  value: unknown;
  depth: number;
  parent: Visit | null;
  key: string | number;
}

/** `params.items[0].content` for a visit. */
function fieldPath(visit: Visit | null): string {
  const keys: Array<string | number> = [];
  for (let at = visit; at !== null; at = at.parent) keys.push(at.key);
  let out = '';
  for (const key of keys.reverse()) out += typeof key === 'number' ? `[${key}]` : out === '' ? key : `.${key}`;
  return out;
}

/**
 * Walks the message without recursion: the first problem found (too deep, or a string or key
 * with an unpaired surrogate), or null.
 */
function firstProblem(message: Record<string, unknown>): string | null {
  const stack: Visit[] = [];
  for (const key of Object.keys(message)) {
    if (key === 'id') continue;
    if (!key.isWellFormed()) return 'Invalid request: a member name holds an unpaired UTF-16 surrogate';
    stack.push({ value: message[key], depth: 2, parent: null, key });
  }
  while (stack.length > 0) {
    const visit = stack.pop()!;
    const { value, depth } = visit;
    if (typeof value === 'string') {
      if (!value.isWellFormed()) return `Invalid request: ${fieldPath(visit)} holds an unpaired UTF-16 surrogate`;
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_NESTING) return `Invalid request: the message nests ${MAX_NESTING} levels deep or more (at ${fieldPath(visit.parent)}); the limit is ${MAX_NESTING - 1}`;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], depth: depth + 1, parent: visit, key: i });
    } else {
      const keys = Object.keys(value);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i];
        if (!key.isWellFormed()) return `Invalid request: a member name in ${fieldPath(visit)} holds an unpaired UTF-16 surrogate`;
        stack.push({ value: (value as Record<string, unknown>)[key], depth: depth + 1, parent: visit, key });
      }
    }
  }
  return null;
}

/**
 * Decides what one line (without its newline) is. `anyId`: a relay's reader, which passes ids of
 * any JSON type through unchanged to the server it forwards to.
 */
export function parseInbound(line: string, ids: IdEcho, anyId = false): Inbound {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { kind: 'drop', reason: `not JSON (${(err as Error).message})` };
  }
  if (Array.isArray(value)) return { kind: 'drop', reason: `a JSON-RPC batch (arrays are not supported; ${value.length} entries)` };
  if (value === null || typeof value !== 'object') return { kind: 'drop', reason: 'not a JSON object' };
  const msg = value as Record<string, unknown>;
  const isRequest = typeof msg.method === 'string';
  const isResponse = !isRequest && ('result' in msg || 'error' in msg);
  if (!isRequest && !isResponse) return { kind: 'drop', reason: 'neither a request, a notification nor a response' };
  let id: RequestId | undefined;
  if (anyId) {
    // A relay forwards what it gets as it is; the server behind it decides.
    if (isResponse && !('id' in msg)) return { kind: 'drop', reason: 'a response without an id' };
    return { kind: 'message', message: msg as unknown as Message };
  }
  if (msg.id !== undefined) {
    id = acceptedId(msg.id, line, ids, isRequest);
    if (id === undefined) return { kind: 'drop', reason: 'its id is not a string or a 64-bit integer (Codex ignores such messages)' };
    msg.id = id;
  } else if (isResponse) {
    return { kind: 'drop', reason: 'a response without an id' };
  }
  const problem = firstProblem(msg);
  if (problem !== null) {
    if (id === undefined || !isRequest) return { kind: 'drop', reason: problem };
    return { kind: 'reject', id, message: problem };
  }
  return { kind: 'message', message: msg as unknown as Message };
}
