// The `threads` row Codex 0.169 writes for a rollout, built from threadstate's metadata of the same
// file. The values follow what Codex itself stored when it read a threadstate rollout (read-repair,
// docs/codex-databases.md): seconds and ms twins, the source as a bare string or compact JSON, ''
// for "no message", and Codex's defaults for what a rollout without a turn_context does not say.

import type { ThreadMetadata } from '../model/thread-metadata.ts';

/** What 0.169 stores for a thread whose rollout has no turn_context (its read-only default profile). */
export const DEFAULT_SANDBOX_POLICY = '{"type":"managed","file_system":{"type":"restricted","entries":[{"path":{"type":"special","value":{"kind":"root"}},"access":"read"}]},"network":"restricted"}';
export const DEFAULT_APPROVAL_MODE = 'on-request';

export type ThreadRow = Record<string, string | number | null>;

export interface RowSettings {
  /** The provider Codex records when the rollout names none (config.toml's `model_provider`). */
  defaultModelProvider: string;
  /** `sandbox_policy` / `approval_mode` to record (e.g. a fork's parent's); Codex's defaults otherwise. */
  sandboxPolicy?: string | null;
  approvalMode?: string | null;
  name?: string | null;
}

function storedSource(source: ThreadMetadata['source']): string {
  return typeof source === 'string' ? source : JSON.stringify(source);
}

/** The full row for a thread Codex has no row for yet; recency_at is left to Codex's insert trigger. */
export function threadRowFor(meta: ThreadMetadata, settings: RowSettings): ThreadRow {
  const updatedAtMs = Math.floor(meta.fingerprint.mtimeMs > 0 ? meta.fingerprint.mtimeMs : meta.updatedAtMs);
  return {
    id: meta.id,
    rollout_path: meta.rolloutPath,
    created_at: meta.createdAt,
    updated_at: Math.floor(updatedAtMs / 1000),
    source: storedSource(meta.source),
    model_provider: meta.modelProvider ?? settings.defaultModelProvider,
    cwd: meta.cwd,
    title: meta.title,
    sandbox_policy: settings.sandboxPolicy ?? DEFAULT_SANDBOX_POLICY,
    approval_mode: settings.approvalMode ?? DEFAULT_APPROVAL_MODE,
    tokens_used: meta.tokensUsed,
    archived: meta.archived ? 1 : 0,
    archived_at: meta.archived ? (meta.archivedAt ?? Math.floor(updatedAtMs / 1000)) : null,
    git_sha: meta.git?.sha ?? null,
    git_branch: meta.git?.branch ?? null,
    git_origin_url: meta.git?.originUrl ?? null,
    cli_version: meta.cliVersion,
    first_user_message: meta.firstUserMessage,
    agent_nickname: meta.agentNickname,
    agent_role: meta.agentRole,
    model: meta.model,
    reasoning_effort: meta.reasoningEffort,
    agent_path: meta.agentPath,
    created_at_ms: meta.createdAtMs,
    updated_at_ms: updatedAtMs,
    thread_source: meta.threadSource,
    preview: meta.preview,
    history_mode: meta.historyMode,
    name: settings.name ?? null,
    originator: meta.originator,
  };
}
