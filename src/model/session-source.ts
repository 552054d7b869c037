// A stored `session_meta.source` (a string or a `{subagent: …}` / `{custom: …}` object) and the two
// things it maps to: the source kinds `thread/list` filters on, and the wire `SessionSource`. Both
// mappings live here, side by side, so a new source value is handled once for lists and threads.

import type { SessionSource, ThreadSourceKind } from '../protocol/thread.ts';
import type { StoredSessionSource } from './thread-metadata.ts';

/** A `thread/list` source filter value, as the protocol declares it. */
export type SourceKind = ThreadSourceKind;
/** What an omitted, null or empty `sourceKinds` means: interactive sources only. */
export const DEFAULT_SOURCE_KINDS: readonly SourceKind[] = ['cli', 'vscode'];

/** The source kinds a stored `session_meta.source` answers to (docs/rollout-format.md §4.1, docs/wire-protocol.md §2.5.2). */
export function sourceKindsOf(source: StoredSessionSource): SourceKind[] {
  if (typeof source === 'string') {
    switch (source) {
      case 'cli': return ['cli'];
      case 'vscode': return ['vscode'];
      case 'exec': return ['exec'];
      case 'mcp': return ['appServer'];
      default: return ['unknown'];
    }
  }
  const sub = (source as Record<string, unknown>).subagent ?? (source as Record<string, unknown>).subAgent;
  if (sub === undefined) return ['unknown'];
  if (sub === 'review') return ['subAgent', 'subAgentReview'];
  if (sub === 'compact') return ['subAgent', 'subAgentCompact'];
  if (sub !== null && typeof sub === 'object' && 'thread_spawn' in sub) return ['subAgent', 'subAgentThreadSpawn'];
  return ['subAgent', 'subAgentOther'];
}

/** The single source kind stored in the index's `source_kind` column (the most specific one). */
export function primarySourceKind(source: StoredSessionSource): SourceKind {
  const kinds = sourceKindsOf(source);
  return kinds[kinds.length - 1];
}

/** The stored source kinds that a requested kind list matches, for SQL `source_kind IN (…)`. */
export function expandSourceKinds(requested: readonly SourceKind[]): SourceKind[] {
  const out = new Set<SourceKind>();
  for (const kind of requested) {
    out.add(kind);
    if (kind === 'subAgent') {
      for (const k of ['subAgentReview', 'subAgentCompact', 'subAgentThreadSpawn', 'subAgentOther'] as const) out.add(k);
    }
  }
  return [...out];
}

/** The v2 wire form of a stored `session_meta.source` (docs/wire-protocol.md §3.6). */
export function wireSource(source: StoredSessionSource): SessionSource {
  if (typeof source === 'string') {
    switch (source) {
      case 'cli':
      case 'vscode':
      case 'exec':
      case 'unknown':
        return source;
      case 'mcp':
        return 'appServer';
      default:
        return 'unknown';
    }
  }
  const record = source as Record<string, unknown>;
  if ('subagent' in record) return { subAgent: record.subagent } as SessionSource;
  if ('subAgent' in record) return { subAgent: record.subAgent } as SessionSource;
  if (typeof record.custom === 'string') return { custom: record.custom };
  return 'unknown';
}
