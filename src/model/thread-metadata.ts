// The metadata of one thread as derived from its rollout file. This is the contract between the
// rollout reader (which produces it), the SQLite index (which stores it, one row per thread) and
// the thread API (which turns it into the wire `Thread`). Field meanings follow
// docs/rollout-format.md §6. Times are Unix seconds unless the name ends in Ms.

/** `session_meta.source` as stored: a plain string (`cli`, `vscode`, `exec`, `mcp`, `unknown`) or an object (`{subagent: …}`, `{custom: …}`). */
export type StoredSessionSource = string | Record<string, unknown>;

export interface GitMetadata {
  sha: string | null;
  branch: string | null;
  originUrl: string | null;
}

/** A dynamic tool in the canonical tagged form (what `thread/dynamicTools/list` returns). */
export type DynamicToolSpec =
  | { type: 'function'; name: string; description: string; inputSchema: unknown; deferLoading?: boolean }
  | { type: 'namespace'; name: string; description: string; tools: Array<{ type: 'function'; name: string; description: string; inputSchema: unknown; deferLoading?: boolean }> };

/** The flat row shape of one tool as stored in `thread_dynamic_tools` (position = index in the flat list). */
export interface DynamicToolRow {
  position: number;
  name: string;
  description: string;
  inputSchema: unknown;
  namespace: string | null;
  deferLoading: boolean;
}

export interface FileFingerprint {
  size: number;
  mtimeMs: number;
}

export interface ThreadMetadata {
  id: string;
  /** Absolute path of the rollout file. */
  rolloutPath: string;
  createdAt: number;
  createdAtMs: number;
  /** The file's mtime (seconds / ms), which Codex reports as `updatedAt`. */
  updatedAt: number;
  updatedAtMs: number;
  /** Start of the latest turn (`task_started.started_at`), when the rollout records one. */
  recencyAt?: number | null;
  source: StoredSessionSource;
  /** `session_meta.model_provider`; null when the file has none (callers substitute the configured default). */
  modelProvider: string | null;
  model: string | null;
  reasoningEffort: string | null;
  cwd: string;
  cliVersion: string;
  originator: string | null;
  /** First user message, prefix-stripped; `[Image]` for an image-only one; '' when none. */
  firstUserMessage: string;
  /** What lists show; equals firstUserMessage when rebuilt from the file. */
  preview: string;
  /** First user message with non-empty stripped text; '' when none. */
  title: string;
  git: GitMetadata | null;
  tokensUsed: number;
  archived: boolean;
  archivedAt: number | null;
  forkedFromId: string | null;
  sessionId: string | null;
  agentNickname: string | null;
  agentRole: string | null;
  agentPath: string | null;
  threadSource: string | null;
  historyMode: 'legacy' | 'paginated';
  approvalMode: string | null;
  sandboxPolicy: string | null;
  /** Canonical tagged tools from the first session_meta that has `dynamic_tools`; null when none. */
  dynamicTools: DynamicToolSpec[] | null;
  /** True when the file has a canonical session_meta line (files without one are hidden from lists). */
  hasSessionMeta: boolean;
  /** True when a user message exists (required for a thread to be listed). */
  hasUserMessage: boolean;
  fingerprint: FileFingerprint;
}
