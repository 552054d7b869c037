// Keeps Codex's own databases in step with threadstate's mutations: for each one, the smallest change
// Codex 0.169 makes itself, on the rows of that thread only (docs/codex-databases.md).
//
// Safety rules: a database is opened only when it already exists (SQLite `mode=rw`, which never
// creates a file), with a busy timeout, one short IMMEDIATE transaction per change; its schema is
// checked inside that transaction, and anything not exactly as verified skips the change with a WARN.
// The connection stays open between changes (it holds no lock while idle).
// Nothing here creates, migrates, vacuums or deletes a database. A failure never fails the mutation:
// the rollout is the truth, and Codex read-repairs paths and archive state from the files itself.

import { statSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { pathToFileURL } from 'node:url';
import { errorMessage } from '../errors.ts';
import { logger } from '../logs/logger.ts';
import type { ThreadMetadata } from '../model/thread-metadata.ts';
import { CODEX_HISTORY_DB, CODEX_STATE_DB, codexSqliteHome } from './files.ts';
import { HISTORY_DB_SCHEMA, STATE_DB_SCHEMA, schemaMismatch, type VerifiedSchema } from './schema.ts';
import { threadRowFor } from './thread-row.ts';

const log = logger('codex-db.sync');

/** What happened to Codex's side of one mutation. */
export type CodexDbOutcome =
  | 'applied' // the rows were changed
  | 'no-row' // Codex keeps no row for this thread (it adds one from the rollout when it meets it)
  | 'absent' // the home has no such Codex database
  | 'skipped' // the database is not the verified schema: left alone, with a WARN
  | 'failed'; // busy past the timeout or another error: left alone, with a WARN

export interface GitPatch {
  sha?: string | null;
  branch?: string | null;
  originUrl?: string | null;
}

export interface CodexDbSyncOptions {
  /** How long a write waits for Codex's own writers (ms). Short: the server waits with it. */
  busyTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

interface OpenDb {
  db: DatabaseSync;
  dev: number;
  ino: number;
}

export class CodexDbSync {
  readonly sqliteHome: string;
  private readonly busyTimeoutMs: number;
  /** One connection per database, kept while the file is the same one (device and inode). */
  private readonly connections = new Map<string, OpenDb>();

  constructor(codexHome: string, options: CodexDbSyncOptions = {}) {
    this.sqliteHome = codexSqliteHome(codexHome, options.env);
    this.busyTimeoutMs = options.busyTimeoutMs ?? 2000;
  }

  /**
   * The connection to an existing database, or null when there is no file. Kept open between
   * changes: closing the last connection checkpoints the WAL, which cost ~8 ms per mutation when
   * Codex is not running. A file replaced since (Codex's recovery moves a damaged one aside) gets a
   * new connection.
   */
  private connection(path: string): DatabaseSync | null {
    let st;
    try {
      st = statSync(path);
    } catch {
      this.forget(path);
      return null;
    }
    const cached = this.connections.get(path);
    if (cached && cached.dev === st.dev && cached.ino === st.ino) return cached.db;
    this.forget(path);
    const url = pathToFileURL(path);
    url.searchParams.set('mode', 'rw'); // never creates the file
    const db = new DatabaseSync(url, { timeout: this.busyTimeoutMs, enableForeignKeyConstraints: true });
    // Codex's own setting in WAL mode; it applies to this connection only, never to the file.
    db.exec('PRAGMA synchronous = NORMAL');
    this.connections.set(path, { db, dev: st.dev, ino: st.ino });
    return db;
  }

  private forget(path: string): void {
    const cached = this.connections.get(path);
    if (!cached) return;
    this.connections.delete(path);
    try {
      cached.db.close();
    } catch {
      // already unusable: nothing to release
    }
  }

  /** Closes the connections (the server's shutdown). */
  close(): void {
    for (const path of [...this.connections.keys()]) this.forget(path);
  }

  private write(file: string, schema: VerifiedSchema, threadId: string, action: string, change: (db: DatabaseSync) => boolean): CodexDbOutcome {
    const path = join(this.sqliteHome, file);
    try {
      const db = this.connection(path);
      if (!db) return 'absent';
      db.exec('BEGIN IMMEDIATE');
      try {
        const mismatch = schemaMismatch(db, schema);
        if (mismatch !== null) {
          db.exec('ROLLBACK');
          log.warn(`left Codex's ${file} unchanged: it is not the schema threadstate verified`, { threadId, action, path, reason: mismatch, verified: schema.label });
          return 'skipped';
        }
        const changed = change(db);
        db.exec('COMMIT');
        return changed ? 'applied' : 'no-row';
      } catch (err) {
        if (db.isTransaction) db.exec('ROLLBACK');
        throw err;
      }
    } catch (err) {
      this.forget(path);
      log.warn(`could not update Codex's ${file}; left as it was (the rollout stays authoritative)`, { threadId, action, path, error: errorMessage(err) });
      return 'failed';
    }
  }

  private updateThread(threadId: string, action: string, set: Record<string, string | number | null>): CodexDbOutcome {
    const columns = Object.keys(set);
    const sql = `UPDATE threads SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`;
    return this.write(CODEX_STATE_DB, STATE_DB_SCHEMA, threadId, action, (db) => Number(db.prepare(sql).run(...columns.map((c) => set[c]), threadId).changes) > 0);
  }

  /**
   * A thread threadstate just wrote to disk for the first time (`thread/start` materialized by its
   * first items): Codex inserts its row then. An existing row is left as it is.
   */
  threadCreated(meta: ThreadMetadata, settings: { defaultModelProvider: string; name?: string | null }): CodexDbOutcome {
    return this.insertThread(meta, 'create', settings.defaultModelProvider, settings.name ?? null, null);
  }

  /**
   * A fork threadstate wrote (`thread/fork`): Codex inserts the fork's row carrying the parent's
   * name (the one written for the fork in session_index.jsonl, else the parent row's), sandbox policy
   * and approval mode (not its git metadata). A paginated fork also gets the
   * projection state Codex gives its own forks (offset = the fork file's size, ordinal = its next
   * line ordinal): Codex serves such a fork's turns through the parent's projection only when it has
   * one. Call once the fork's rollout is on disk and indexed (`recordForkInCodexDb`).
   */
  threadForked(meta: ThreadMetadata, parentId: string, settings: { defaultModelProvider: string; name?: string | null; projection?: { byteOffset: number; nextOrdinal: number } | null }): CodexDbOutcome {
    const row = this.insertThread(meta, 'fork', settings.defaultModelProvider, settings.name ?? null, parentId);
    const projection = settings.projection;
    if (row !== 'applied' || !projection) return row;
    this.write(CODEX_HISTORY_DB, HISTORY_DB_SCHEMA, meta.id, 'fork', (db) => Number(db.prepare(
      'INSERT INTO thread_history_projection_state (thread_id, next_rollout_byte_offset, next_rollout_ordinal) VALUES (?, ?, ?) ON CONFLICT(thread_id) DO NOTHING',
    ).run(meta.id, projection.byteOffset, projection.nextOrdinal).changes) > 0);
    return row;
  }

  private insertThread(meta: ThreadMetadata, action: string, defaultModelProvider: string, name: string | null, parentId: string | null): CodexDbOutcome {
    return this.write(CODEX_STATE_DB, STATE_DB_SCHEMA, meta.id, action, (db) => {
      let parent: { sandbox_policy: string; approval_mode: string; name: string | null } | undefined;
      if (parentId) parent = db.prepare('SELECT sandbox_policy, approval_mode, name FROM threads WHERE id = ?').get(parentId) as typeof parent;
      const row = threadRowFor(meta, {
        defaultModelProvider, name: name ?? parent?.name ?? null, sandboxPolicy: parent?.sandbox_policy, approvalMode: parent?.approval_mode,
      });
      const columns = Object.keys(row);
      const sql = `INSERT INTO threads (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ON CONFLICT(id) DO NOTHING`;
      return Number(db.prepare(sql).run(...columns.map((c) => row[c])).changes) > 0;
    });
  }

  /**
   * Items appended to a thread's rollout: Codex moves `updated_at` (and its ms twin) to the write,
   * and takes the first user message as title/preview when the row had none. For a thread whose
   * history Codex projects, Codex's own injection moves the projection past the new lines without
   * adding turns; so does this, but only when the projection had reached the old end of the file
   * (`append.sizeBefore`), so lines Codex has not projected yet are never skipped.
   */
  threadAppended(meta: ThreadMetadata, append: { sizeBefore: number; sizeAfter: number; lines: number } | null = null): CodexDbOutcome {
    const updatedAtMs = Math.floor(meta.fingerprint.mtimeMs > 0 ? meta.fingerprint.mtimeMs : Date.now());
    const state = this.write(CODEX_STATE_DB, STATE_DB_SCHEMA, meta.id, 'append', (db) => {
      const result = db.prepare(
        `UPDATE threads SET updated_at = ?, updated_at_ms = ?,
           title = CASE WHEN title = '' THEN ? ELSE title END,
           first_user_message = CASE WHEN first_user_message = '' THEN ? ELSE first_user_message END,
           preview = CASE WHEN preview = '' THEN ? ELSE preview END
         WHERE id = ?`,
      ).run(Math.floor(updatedAtMs / 1000), updatedAtMs, meta.title, meta.firstUserMessage, meta.preview, meta.id);
      return Number(result.changes) > 0;
    });
    if (!append || state !== 'applied') return state;
    this.write(CODEX_HISTORY_DB, HISTORY_DB_SCHEMA, meta.id, 'append', (db) => Number(db.prepare(
      `UPDATE thread_history_projection_state SET next_rollout_byte_offset = ?, next_rollout_ordinal = next_rollout_ordinal + ?
       WHERE thread_id = ? AND next_rollout_byte_offset = ?`,
    ).run(append.sizeAfter, append.lines, meta.id, append.sizeBefore).changes) > 0);
    return state;
  }

  /** The rollout moved to `archived_sessions/`: path, archived flag and time, and `updated_at` from the file's mtime. */
  threadArchived(threadId: string, rolloutPath: string, archivedAt: number, mtimeMs: number): CodexDbOutcome {
    const ms = Math.floor(mtimeMs);
    return this.updateThread(threadId, 'archive', { rollout_path: rolloutPath, archived: 1, archived_at: archivedAt, updated_at: Math.floor(ms / 1000), updated_at_ms: ms });
  }

  /** The rollout moved back to `sessions/` (and was touched): path, archived flag cleared, `updated_at` from the new mtime. */
  threadUnarchived(threadId: string, rolloutPath: string, mtimeMs: number): CodexDbOutcome {
    const ms = Math.floor(mtimeMs);
    return this.updateThread(threadId, 'unarchive', { rollout_path: rolloutPath, archived: 0, archived_at: null, updated_at: Math.floor(ms / 1000), updated_at_ms: ms });
  }

  threadRenamed(threadId: string, name: string): CodexDbOutcome {
    return this.updateThread(threadId, 'rename', { name });
  }

  /** `thread/metadata/update`: omitted fields stay, null clears, a string replaces. */
  threadGitUpdated(threadId: string, patch: GitPatch): CodexDbOutcome {
    const set: Record<string, string | null> = {};
    if (patch.sha !== undefined) set.git_sha = patch.sha;
    if (patch.branch !== undefined) set.git_branch = patch.branch;
    if (patch.originUrl !== undefined) set.git_origin_url = patch.originUrl;
    if (Object.keys(set).length === 0) return 'no-row';
    return this.updateThread(threadId, 'git', set);
  }

  /**
   * The thread row goes (Codex's foreign keys cascade to its dynamic tools, attachments and review
   * feedback) with its read receipt, and so does the history projection of that thread.
   */
  threadDeleted(threadId: string): CodexDbOutcome {
    const state = this.write(CODEX_STATE_DB, STATE_DB_SCHEMA, threadId, 'delete', (db) => {
      const receipts = Number(db.prepare('DELETE FROM thread_read_receipts WHERE thread_id = ?').run(threadId).changes);
      return Number(db.prepare('DELETE FROM threads WHERE id = ?').run(threadId).changes) + receipts > 0;
    });
    const history = this.write(CODEX_HISTORY_DB, HISTORY_DB_SCHEMA, threadId, 'delete', (db) => {
      let changes = 0;
      for (const table of ['thread_items', 'thread_turns', 'thread_history_projection_state']) {
        changes += Number(db.prepare(`DELETE FROM ${table} WHERE thread_id = ?`).run(threadId).changes);
      }
      return changes > 0;
    });
    if (state === 'applied' || history === 'applied') return 'applied';
    return state === 'absent' && history !== 'absent' ? history : state;
  }
}
