// The facade the thread API uses: one open index for one Codex home, its thread and tool
// operations, and the background indexing (backfill while incomplete, then reconcile).

import type { ThreadListQuery } from '../rollout/list-query.ts';
import { isArchivedPath } from '../rollout/paths.ts';
import type { DynamicToolRow, DynamicToolSpec, ThreadMetadata } from '../rollout/thread-metadata.ts';
import { readBackfillState, type BackfillState } from './backfill-state.ts';
import { runBackfill, type BackfillOptions, type BackfillResult, type IndexProgress } from './backfill.ts';
import type { Database } from './db.ts';
import { discrepancies, repairThreadFromRollout, type DiscrepancyCounter } from './discrepancies.ts';
import { flattenDynamicTools, groupDynamicTools, insertDynamicTools, readDynamicTools } from './dynamic-tools.ts';
import { watermarkOf } from './indexer.ts';
import { runReconcile, type ReconcileResult } from './reconcile.ts';
import { defaultRolloutSource, type RolloutSource } from './rollout-source.ts';
import * as threads from './threads.ts';

export interface StoredThread {
  metadata: ThreadMetadata;
  /** From `thread/name/set` or session_index.jsonl; null when never named. */
  name: string | null;
}

export interface IndexingResult {
  backfill: BackfillResult;
  reconcile: ReconcileResult | null;
}

export interface IndexingOptions extends Pick<BackfillOptions, 'signal' | 'maxBatches' | 'concurrency' | 'leaseMs'> {
  onProgress?: (phase: 'backfill' | 'reconcile', progress: IndexProgress) => void;
}

export interface StateStoreInfo {
  /** Set when a corrupt file was moved aside at open. */
  recoveredFrom: string | null;
  created: boolean;
  schemaVersion: number;
  newerSchema: boolean;
}

export class StateStore {
  readonly db: Database;
  readonly codexHome: string;
  readonly source: RolloutSource;
  readonly discrepancies: DiscrepancyCounter;
  readonly info: StateStoreInfo;
  private indexing: Promise<IndexingResult> | null = null;

  constructor(db: Database, codexHome: string, info: StateStoreInfo, options: { source?: RolloutSource; discrepancies?: DiscrepancyCounter } = {}) {
    this.db = db;
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
    return threads.listThreads(this.db, query, limit).map((row) => this.stored(row, false) as StoredThread);
  }

  /** Writes a thread's row (and its tools, first list wins). `name` undefined/null keeps the stored name. */
  upsertThread(meta: ThreadMetadata, options: { name?: string | null } = {}): void {
    this.db.transaction(() => {
      threads.upsertThread(this.db, meta, { watermark: watermarkOf(this.codexHome, meta.rolloutPath), name: options.name ?? null });
      if (meta.dynamicTools && meta.dynamicTools.length > 0) insertDynamicTools(this.db, meta.id, flattenDynamicTools(meta.dynamicTools));
    });
  }

  deleteThread(id: string): boolean {
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

  /** Re-reads a rollout and repairs its row (JSONL is the truth); see discrepancies.ts. */
  repairFromRollout(path: string, stage = 'read_repair'): Promise<ThreadMetadata | null> {
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
    const run = async (): Promise<IndexingResult> => {
      const backfill = await runBackfill(this.db, this.codexHome, {
        ...options, source: this.source, onProgress: options.onProgress && ((p) => options.onProgress?.('backfill', p)),
      });
      let reconcile: ReconcileResult | null = null;
      if ((backfill.outcome === 'complete' || backfill.outcome === 'already-complete') && !options.signal?.aborted) {
        reconcile = await runReconcile(this.db, this.codexHome, {
          source: this.source, discrepancies: this.discrepancies, concurrency: options.concurrency, signal: options.signal,
          retryFailures: backfill.outcome !== 'complete',
          onProgress: options.onProgress && ((p) => options.onProgress?.('reconcile', p)),
        });
      }
      return { backfill, reconcile };
    };
    this.indexing = run().finally(() => {
      this.indexing = null;
    });
    return this.indexing;
  }

  close(): void {
    this.db.close();
  }
}
