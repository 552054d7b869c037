// The facade the thread API uses: one open index for one Codex home, its thread, tool and memory
// operations, and the background indexing: phase 1 (the backfill of every thread's list fields)
// while incomplete, then reconcile, the memory journal replay when the index was rebuilt, and
// phase 2 (turns and search text of the rows phase 1 wrote).

import { setTimeout as sleep } from 'node:timers/promises';
import { logger } from '../logs/logger.ts';
import type { ThreadListQuery } from '../model/list-query.ts';
import { isArchivedPath } from '../rollout/paths.ts';
import type { DynamicToolRow, DynamicToolSpec, ThreadMetadata } from '../model/thread-metadata.ts';
import { readBackfillState, type BackfillState } from '../state/backfill-state.ts';
import { writeCleanMark } from '../sqlite/clean-mark.ts';
import { capYoungGeneration } from '../heap.ts';
import { runBackfill, type BackfillOptions, type BackfillResult, type IndexProgress } from '../indexing/backfill.ts';
import type { Database } from '../sqlite/db.ts';
import { countDetailsPending, runDetailsPass, type DetailsResult } from '../indexing/details.ts';
import { discrepancies, repairThreadFromRollout, type DiscrepancyCounter } from '../indexing/discrepancies.ts';
import { flattenDynamicTools, groupDynamicTools, insertDynamicTools, readDynamicTools } from '../state/dynamic-tools.ts';
import { watermarkOf } from '../indexing/indexer.ts';
import { deleteMemory, getMemory, listRecentMemories, nextMemoryTime, upsertMemory, type StoredMemory } from '../state/memory.ts';
import { appendMemoryJournal, restoreMemoriesFromJournal, type MemoryRestoreResult } from './memory-journal.ts';
import { runReconcile, type ReconcileResult } from '../indexing/reconcile.ts';
import { LiveIndex, type LiveIndexOptions } from '../indexing/live-index.ts';
import { itemMatches, replaceSearchText, searchIndex, type HighlightedMatch, type SearchIndexQuery } from '../state/search-index.ts';
import type { ThreadSearchText } from '../rollout/search-text.ts';
import { defaultRolloutSource, type RolloutSource } from '../indexing/rollout-source.ts';
import { listThreads } from '../state/thread-list.ts';
import * as threads from '../state/threads.ts';

const log = logger('store.store');

export interface StoredThread {
  metadata: ThreadMetadata;
  /** From `thread/name/set` or session_index.jsonl; null when never named. */
  name: string | null;
}

export interface IndexingResult {
  backfill: BackfillResult;
  reconcile: ReconcileResult | null;
  /** Set when this run backfilled (a new or rebuilt index): the memories replayed from the journal. */
  memories: MemoryRestoreResult | null;
  /** Phase 2, when rows were waiting for it. */
  details: DetailsResult | null;
}

/** `backfill`: phase 1 (list fields); `details`: phase 2 (turns and search text). */
export type IndexingPhase = 'backfill' | 'reconcile' | 'details';

export const DEFAULT_LEASE_RETRY_MS = 5000;

export interface IndexingOptions extends Pick<BackfillOptions, 'signal' | 'maxBatches' | 'concurrency' | 'leaseMs'> {
  /** While another process holds the backfill lease, try again this often (0: give up at once). */
  leaseRetryMs?: number;
  onProgress?: (phase: IndexingPhase, progress: IndexProgress) => void;
  /** Called once every thread is listable from the index (phase 1 and the reconcile done), before phase 2. */
  onListable?: (result: Pick<IndexingResult, 'backfill' | 'reconcile'>) => void;
}

export interface StateStoreInfo {
  /** Set when a corrupt file was moved aside at open. */
  recoveredFrom: string | null;
  created: boolean;
  schemaVersion: number;
  newerSchema: boolean;
  /** Opened read-only (a read-only home): reads only; repairs are answered from the files and not stored. */
  readOnly?: boolean;
  /**
   * The previous process closed the index cleanly (src/sqlite/clean-mark.ts). False after a crash
   * or kill (or while another process has it open): what that process wrote last may be on disk
   * and not in the index until the start-up reconcile has run.
   */
  closedCleanly?: boolean;
}

export class StateStore {
  readonly db: Database;
  readonly codexHome: string;
  readonly source: RolloutSource;
  readonly discrepancies: DiscrepancyCounter;
  readonly info: StateStoreInfo;
  private indexing: Promise<IndexingResult> | null = null;

  /** Written into the clean mark at close (open.ts: the stamp of the migration files). */
  private readonly cleanMarkNote: string;

  constructor(db: Database, codexHome: string, info: StateStoreInfo, options: { source?: RolloutSource; discrepancies?: DiscrepancyCounter; cleanMarkNote?: string } = {}) {
    this.db = db;
    this.cleanMarkNote = options.cleanMarkNote ?? '';
    this.codexHome = codexHome;
    this.info = info;
    this.source = options.source ?? defaultRolloutSource;
    this.discrepancies = options.discrepancies ?? discrepancies;
  }

  private stored(row: threads.ThreadRow | undefined, withTools = true): StoredThread | null {
    if (!row) return null;
    const metadata = threads.rowToMetadata(row);
    if (withTools && row.has_dynamic_tools === 1) metadata.dynamicTools = groupDynamicTools(readDynamicTools(this.db, row.id));
    return { metadata, name: row.name };
  }

  getThread(id: string): StoredThread | null {
    return this.stored(threads.getThreadRow(this.db, id.toLowerCase()));
  }

  getThreadByPath(rolloutPath: string): StoredThread | null {
    return this.stored(threads.getThreadRowByPath(this.db, rolloutPath));
  }

  /** One page in query order: `limit` rows (default page size + 1). Tools are not loaded. */
  listThreads(query: ThreadListQuery, limit?: number): StoredThread[] {
    return listThreads(this.db, query, limit).map((row) => this.stored(row, false) as StoredThread);
  }

  /**
   * Writes a thread's row (and its tools, first list wins). `name` undefined/null keeps the stored
   * name; `searchText` replaces the thread's search document (undefined keeps it, null drops it).
   */
  upsertThread(meta: ThreadMetadata, options: { name?: string | null; searchText?: ThreadSearchText | null } = {}): void {
    this.db.transaction(() => {
      threads.upsertThread(this.db, meta, { watermark: watermarkOf(this.codexHome, meta.rolloutPath), name: options.name ?? null });
      if (meta.dynamicTools && meta.dynamicTools.length > 0) insertDynamicTools(this.db, meta.id, flattenDynamicTools(meta.dynamicTools));
      if (options.searchText !== undefined) replaceSearchText(this.db, meta, options.searchText);
    });
  }

  /** One page of full-text hits, best first (src/state/search-index.ts). */
  search(query: SearchIndexQuery): Array<StoredThread & { rank: number; key: number }> {
    return searchIndex(this.db, query).map((hit) => ({ ...(this.stored(hit.row, false) as StoredThread), rank: hit.rank, key: hit.key }));
  }

  /** The matched item, snippet and highlights of each hit of a page, by document key (absent when the document is gone). */
  searchItems(match: string, keys: readonly number[], seek = false): Map<number, HighlightedMatch> {
    return itemMatches(this.db, match, keys, seek);
  }

  deleteThread(id: string): boolean {
    if (this.info.readOnly) return false;
    return threads.deleteThread(this.db, id);
  }

  setName(id: string, name: string | null): boolean {
    return threads.setThreadName(this.db, id, name);
  }

  /** After the file moved (archive / unarchive). `archivedAt` in seconds. */
  setArchived(id: string, change: { archived: boolean; archivedAt: number | null; rolloutPath: string; fingerprint?: { size: number; mtimeMs: number } }): boolean {
    return threads.setThreadArchived(this.db, id, { ...change, watermark: watermarkOf(this.codexHome, change.rolloutPath) });
  }

  setGit(id: string, git: { sha?: string | null; branch?: string | null; originUrl?: string | null }): boolean {
    return threads.setThreadGit(this.db, id, git);
  }

  insertDynamicTools(threadId: string, tools: DynamicToolSpec[] | DynamicToolRow[]): number {
    const rows = tools.length > 0 && 'position' in tools[0] ? (tools as DynamicToolRow[]) : flattenDynamicTools(tools as DynamicToolSpec[]);
    return insertDynamicTools(this.db, threadId, rows);
  }

  readDynamicToolRows(threadId: string): DynamicToolRow[] {
    return readDynamicTools(this.db, threadId);
  }

  readDynamicTools(threadId: string): DynamicToolSpec[] {
    return groupDynamicTools(readDynamicTools(this.db, threadId));
  }

  getMemory(threadId: string): StoredMemory | null {
    return getMemory(this.db, threadId);
  }

  /**
   * Journals then stores a thread's memory; null (and nothing journaled) when the thread has no
   * row. The journal line comes first so a crash between the two leaves the durable copy ahead.
   */
  async writeMemory(memory: { threadId: string; traceSummary: string; memorySummary: string }): Promise<StoredMemory | null> {
    if (!threads.getThreadRow(this.db, memory.threadId)) return null;
    const updatedAt = nextMemoryTime(this.db, memory.threadId);
    await appendMemoryJournal(this.codexHome, { op: 'write', ...memory, updatedAt });
    return upsertMemory(this.db, { ...memory, updatedAt });
  }

  /** Before a thread is deleted: a tombstone in the journal (when it has a memory) so a rebuild does not bring it back. */
  async forgetMemory(threadId: string): Promise<boolean> {
    if (!getMemory(this.db, threadId)) return false;
    await appendMemoryJournal(this.codexHome, { op: 'delete', threadId, at: Date.now() });
    return deleteMemory(this.db, threadId);
  }

  listRecentMemories(cwd: string, limit: number): StoredMemory[] {
    return listRecentMemories(this.db, cwd, limit);
  }

  /** Re-reads a rollout and repairs its row (JSONL is the truth); see discrepancies.ts. */
  async repairFromRollout(path: string, stage = 'read_repair'): Promise<ThreadMetadata | null> {
    if (this.info.readOnly) return (await this.source.extract(path, this.codexHome, this.isArchivedPath(path))).metadata;
    return repairThreadFromRollout(this, path, stage);
  }

  isArchivedPath(path: string): boolean {
    return isArchivedPath(this.codexHome, path);
  }

  backfillState(): BackfillState {
    return readBackfillState(this.db);
  }

  /** True once every rollout has been imported at least once (the index answers lists). */
  isComplete(): boolean {
    return this.backfillState().status === 'complete';
  }

  /** Threads whose turns and search text are not indexed yet (phase 2 still to read them). */
  detailsPending(): { threads: number; bytes: number } {
    return countDetailsPending(this.db);
  }

  /** True while this process is backfilling or reconciling. */
  isIndexing(): boolean {
    return this.indexing !== null;
  }

  /**
   * Backfill while incomplete, then reconcile with the disk. Concurrent calls share one run. The
   * promise rejects only on database errors; per-file problems are recorded, not thrown.
   */
  startBackgroundIndexing(options: IndexingOptions = {}): Promise<IndexingResult> {
    if (this.indexing) return this.indexing;
    // Indexing is what grows the young generation (heap.ts); capping it here rather than at open
    // keeps node:v8 off a restart's path to its first answers.
    capYoungGeneration();
    const run = async (): Promise<IndexingResult> => {
      const backfillOnce = (): Promise<BackfillResult> => runBackfill(this.db, this.codexHome, {
        ...options, source: this.source, onProgress: options.onProgress && ((p) => options.onProgress?.('backfill', p)),
      });
      let backfill = await backfillOnce();
      // Another process holds the lease: check again now and then, so this process finishes the
      // job if that one dies, and reconciles once it has completed.
      const retryMs = options.leaseRetryMs ?? DEFAULT_LEASE_RETRY_MS;
      while (backfill.outcome === 'lease-held' && retryMs > 0 && !options.signal?.aborted) {
        try {
          await sleep(retryMs, undefined, { signal: options.signal, ref: false });
        } catch {
          break; // aborted
        }
        backfill = await backfillOnce();
      }
      let reconcile: ReconcileResult | null = null;
      if ((backfill.outcome === 'complete' || backfill.outcome === 'already-complete') && !options.signal?.aborted) {
        reconcile = await runReconcile(this.db, this.codexHome, {
          source: this.source, discrepancies: this.discrepancies, concurrency: options.concurrency, signal: options.signal,
          retryFailures: backfill.outcome !== 'complete',
          onProgress: options.onProgress && ((p) => options.onProgress?.('reconcile', p)),
        });
      }
      const memories = await this.restoreMemories(backfill.outcome);
      let details: DetailsResult | null = null;
      if (reconcile && !options.signal?.aborted) {
        options.onListable?.({ backfill, reconcile });
        details = await runDetailsPass(this.db, this.codexHome, {
          source: this.source, signal: options.signal,
          onProgress: options.onProgress && ((p) => options.onProgress?.('details', p)),
        });
      }
      return { backfill, reconcile, memories, details };
    };
    this.indexing = run().finally(() => {
      this.indexing = null;
    });
    return this.indexing;
  }

  /**
   * A backfill that finished in this run means the index is new or rebuilt: refill the memories,
   * which only the journal holds (after reconcile, so every thread row exists). An empty memory
   * table is refilled too, which covers a crash between the backfill and this step. A failure is
   * logged, never fatal: the journal stays and the next rebuild replays it.
   */
  private async restoreMemories(outcome: BackfillResult['outcome']): Promise<MemoryRestoreResult | null> {
    const empty = this.db.get<{ one: number }>('SELECT 1 AS one FROM thread_memory LIMIT 1') === undefined;
    if (outcome !== 'complete' && !(outcome === 'already-complete' && empty)) return null;
    try {
      return await restoreMemoriesFromJournal(this.db, this.codexHome);
    } catch (err) {
      log.error('could not restore thread memories from the journal', { error: String(err) });
      return null;
    }
  }

  /** Follows changes of the home while serving (src/indexing/live-index.ts); the caller starts and closes it. */
  followHome(options: LiveIndexOptions = {}): LiveIndex {
    return new LiveIndex({ db: this.db, codexHome: this.codexHome, source: this.source, discrepancies: this.discrepancies }, options);
  }

  /** Closes the index; a clean close leaves the mark that spares the next start its integrity check. */
  close(): void {
    this.db.close();
    if (!this.info.readOnly) writeCleanMark(this.db.path, this.cleanMarkNote);
  }
}
