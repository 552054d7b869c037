// The `threads` table: one row per rollout file. Rows are written from ThreadMetadata (upsert, one
// cached statement) and read back into it; lists are read by thread-list.ts.

import type { SQLInputValue } from 'node:sqlite';
import type { Database } from '../sqlite/db.ts';
import { isListable } from '../model/list-query.ts';
import { primarySourceKind } from '../model/session-source.ts';
import type { StoredSessionSource, ThreadMetadata } from '../model/thread-metadata.ts';

/** A `threads` row as SQLite returns it. */
export interface ThreadRow {
  id: string;
  rollout_path: string;
  watermark: string;
  created_at: number;
  created_at_ms: number;
  updated_at: number;
  updated_at_ms: number;
  recency_at: number | null;
  source: string;
  source_kind: string;
  model_provider: string | null;
  model: string | null;
  reasoning_effort: string | null;
  cwd: string;
  cli_version: string;
  originator: string | null;
  first_user_message: string;
  preview: string;
  title: string;
  name: string | null;
  git_sha: string | null;
  git_branch: string | null;
  git_origin_url: string | null;
  tokens_used: number;
  archived: number;
  archived_at: number | null;
  forked_from_id: string | null;
  session_id: string | null;
  agent_nickname: string | null;
  agent_role: string | null;
  agent_path: string | null;
  thread_source: string | null;
  history_mode: string;
  approval_mode: string | null;
  sandbox_policy: string | null;
  has_dynamic_tools: number;
  has_session_meta: number;
  has_user_message: number;
  listable: number;
  file_size: number;
  file_mtime_ms: number;
  indexed_at_ms: number;
  /** 1 while the row holds only the list fields of its rollout's head (phase 2 of indexing pending). */
  details_pending: number;
}

/** A stored source: bare string for strings, compact JSON for objects (as Codex stores it). */
export function encodeSource(source: StoredSessionSource): string {
  return typeof source === 'string' ? source : JSON.stringify(source);
}

export function decodeSource(text: string): StoredSessionSource {
  if (text.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // fall through: keep the text as a plain source string
    }
  }
  return text;
}

const COLUMNS = [
  'id', 'rollout_path', 'watermark', 'created_at', 'created_at_ms', 'updated_at', 'updated_at_ms', 'recency_at', 'source',
  'source_kind', 'model_provider', 'model', 'reasoning_effort', 'cwd', 'cli_version', 'originator',
  'first_user_message', 'preview', 'title', 'name', 'git_sha', 'git_branch', 'git_origin_url', 'tokens_used',
  'archived', 'archived_at', 'forked_from_id', 'session_id', 'agent_nickname', 'agent_role', 'agent_path',
  'thread_source', 'history_mode', 'approval_mode', 'sandbox_policy', 'has_dynamic_tools', 'has_session_meta',
  'has_user_message', 'listable', 'file_size', 'file_mtime_ms', 'indexed_at_ms', 'details_pending',
] as const;

// `name` comes from session_index.jsonl when a row is created; an existing row keeps its name (a
// snapshot of the file taken before a batch must not undo a rename committed meanwhile: renames
// reach existing rows through thread/name/set and reconcile's fresh read). Git values
// already stored win, as in Codex: they can be patched after creation and the rollout's first
// session_meta never changes.
const KEEP_EXISTING: Record<string, string> = {
  name: 'COALESCE(threads.name, excluded.name)',
  git_sha: 'COALESCE(threads.git_sha, excluded.git_sha)',
  git_branch: 'COALESCE(threads.git_branch, excluded.git_branch)',
  git_origin_url: 'COALESCE(threads.git_origin_url, excluded.git_origin_url)',
};

const UPSERT_SQL =
  `INSERT INTO threads (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')}) ` +
  `ON CONFLICT(id) DO UPDATE SET ${COLUMNS.filter((c) => c !== 'id')
    .map((c) => `${c} = ${KEEP_EXISTING[c] ?? `excluded.${c}`}`)
    .join(', ')}`;

export interface UpsertOptions {
  /** Home-relative `/` path of the rollout (the backfill watermark). */
  watermark: string;
  /** The thread name from session_index.jsonl; null keeps whatever the row has. */
  name?: string | null;
  nowMs?: number;
  /** The metadata comes from the rollout's head only: the full read (phase 2) is still to do. */
  detailsPending?: boolean;
}

function b(value: boolean): number {
  return value ? 1 : 0;
}

function columnValues(meta: ThreadMetadata, options: UpsertOptions): SQLInputValue[] {
  return [
    meta.id, meta.rolloutPath, options.watermark, meta.createdAt, meta.createdAtMs, meta.updatedAt, meta.updatedAtMs, meta.recencyAt ?? null,
    encodeSource(meta.source), primarySourceKind(meta.source), meta.modelProvider, meta.model, meta.reasoningEffort,
    meta.cwd, meta.cliVersion, meta.originator, meta.firstUserMessage, meta.preview, meta.title, options.name ?? null,
    meta.git?.sha ?? null, meta.git?.branch ?? null, meta.git?.originUrl ?? null, Math.max(0, meta.tokensUsed),
    b(meta.archived), meta.archivedAt, meta.forkedFromId, meta.sessionId, meta.agentNickname, meta.agentRole,
    meta.agentPath, meta.threadSource, meta.historyMode, meta.approvalMode, meta.sandboxPolicy,
    b(meta.dynamicTools !== null), b(meta.hasSessionMeta), b(meta.hasUserMessage), b(isListable(meta)),
    meta.fingerprint.size, meta.fingerprint.mtimeMs, options.nowMs ?? Date.now(), b(options.detailsPending === true),
  ];
}

export function upsertThread(db: Database, meta: ThreadMetadata, options: UpsertOptions): void {
  db.run(UPSERT_SQL, ...columnValues(meta, options));
}

/**
 * upsertThread over a row already read (`row`, the same id): the same result, but only the columns
 * whose value changes are written. Every index of `threads` holding a column that an UPDATE sets
 * is rewritten, changed or not: when phase 2 completes a row (its turn-derived fields, none of
 * them indexed) the full upsert rewrote six list and path indexes, most of the pages a 10k home's
 * phase 2 wrote to the WAL.
 */
export function updateThreadRow(db: Database, row: ThreadRow, meta: ThreadMetadata, options: UpsertOptions): void {
  const values = columnValues(meta, options);
  const stored = row as unknown as Record<string, SQLInputValue>;
  const sets: string[] = [];
  const params: SQLInputValue[] = [];
  for (let i = 1; i < COLUMNS.length; i++) {
    const column = COLUMNS[i];
    const value = KEEP_EXISTING[column] !== undefined ? stored[column] ?? values[i] : values[i];
    if (stored[column] === value) continue;
    sets.push(`${column} = ?`);
    params.push(value);
  }
  // Statements are cached per text: the sets of columns that change are few (turn-derived fields).
  if (sets.length > 0) db.run(`UPDATE threads SET ${sets.join(', ')} WHERE id = ?`, ...params, row.id);
}

export function getThreadRow(db: Database, id: string): ThreadRow | undefined {
  return db.get<ThreadRow>('SELECT * FROM threads WHERE id = ?', id);
}

export function getThreadRowByPath(db: Database, rolloutPath: string): ThreadRow | undefined {
  return db.get<ThreadRow>('SELECT * FROM threads WHERE rollout_path = ?', rolloutPath);
}

export function getThreadRowByWatermark(db: Database, watermark: string): ThreadRow | undefined {
  return db.get<ThreadRow>('SELECT * FROM threads WHERE watermark = ?', watermark);
}

/** Deletes the row (tools and memory cascade). True when a row existed. */
export function deleteThread(db: Database, id: string): boolean {
  return db.run('DELETE FROM threads WHERE id = ?', id).changes > 0;
}

export function setThreadName(db: Database, id: string, name: string | null): boolean {
  return db.run('UPDATE threads SET name = ? WHERE id = ?', name, id).changes > 0;
}

export interface ArchiveChange {
  archived: boolean;
  /** Seconds; null when unarchiving. */
  archivedAt: number | null;
  rolloutPath: string;
  watermark: string;
  /** The moved file's fingerprint (a move changes the mtime on some paths). */
  fingerprint?: { size: number; mtimeMs: number };
}

export function setThreadArchived(db: Database, id: string, change: ArchiveChange): boolean {
  const fp = change.fingerprint;
  const result = db.run(
    `UPDATE threads SET archived = ?, archived_at = ?, rollout_path = ?, watermark = ?,
       file_size = COALESCE(?, file_size), file_mtime_ms = COALESCE(?, file_mtime_ms),
       updated_at_ms = COALESCE(?, updated_at_ms), updated_at = COALESCE(?, updated_at)
     WHERE id = ?`,
    b(change.archived), change.archived ? change.archivedAt : null, change.rolloutPath, change.watermark,
    fp?.size ?? null, fp?.mtimeMs ?? null, fp ? Math.floor(fp.mtimeMs) : null, fp ? Math.floor(fp.mtimeMs / 1000) : null, id,
  );
  return result.changes > 0;
}

export function setThreadGit(db: Database, id: string, git: { sha?: string | null; branch?: string | null; originUrl?: string | null }): boolean {
  // Only the keys given are changed; an explicit null clears a value.
  const sets: string[] = [];
  const params: SQLInputValue[] = [];
  if (git.sha !== undefined) { sets.push('git_sha = ?'); params.push(git.sha); }
  if (git.branch !== undefined) { sets.push('git_branch = ?'); params.push(git.branch); }
  if (git.originUrl !== undefined) { sets.push('git_origin_url = ?'); params.push(git.originUrl); }
  if (sets.length === 0) return getThreadRow(db, id) !== undefined;
  return db.run(`UPDATE threads SET ${sets.join(', ')} WHERE id = ?`, ...params, id).changes > 0;
}

export function countThreads(db: Database): { total: number; archived: number; listable: number } {
  const row = db.get<{ total: number; archived: number | null; listable: number | null }>(
    'SELECT COUNT(*) AS total, SUM(archived) AS archived, SUM(listable) AS listable FROM threads',
  );
  return { total: row?.total ?? 0, archived: row?.archived ?? 0, listable: row?.listable ?? 0 };
}

/**
 * The row as ThreadMetadata. `dynamicTools` is filled by the caller from thread_dynamic_tools
 * (store.ts does); here it is null. `name` is not part of ThreadMetadata: read `row.name`.
 */
export function rowToMetadata(row: ThreadRow): ThreadMetadata {
  const hasGit = row.git_sha !== null || row.git_branch !== null || row.git_origin_url !== null;
  return {
    id: row.id,
    rolloutPath: row.rollout_path,
    createdAt: row.created_at,
    createdAtMs: row.created_at_ms,
    updatedAt: row.updated_at,
    updatedAtMs: row.updated_at_ms,
    recencyAt: row.recency_at,
    source: decodeSource(row.source),
    modelProvider: row.model_provider,
    model: row.model,
    reasoningEffort: row.reasoning_effort,
    cwd: row.cwd,
    cliVersion: row.cli_version,
    originator: row.originator,
    firstUserMessage: row.first_user_message,
    preview: row.preview,
    title: row.title,
    git: hasGit ? { sha: row.git_sha, branch: row.git_branch, originUrl: row.git_origin_url } : null,
    tokensUsed: row.tokens_used,
    archived: row.archived === 1,
    archivedAt: row.archived_at,
    forkedFromId: row.forked_from_id,
    sessionId: row.session_id,
    agentNickname: row.agent_nickname,
    agentRole: row.agent_role,
    agentPath: row.agent_path,
    threadSource: row.thread_source,
    historyMode: row.history_mode === 'paginated' ? 'paginated' : 'legacy',
    approvalMode: row.approval_mode,
    sandboxPolicy: row.sandbox_policy,
    dynamicTools: null,
    hasSessionMeta: row.has_session_meta === 1,
    hasUserMessage: row.has_user_message === 1,
    fingerprint: { size: row.file_size, mtimeMs: row.file_mtime_ms },
  };
}
