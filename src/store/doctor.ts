// The health report behind `threadstate doctor`: integrity, schema, counts, backfill state, failed
// files, and how the index differs from the disk right now (computed without writing anything).

import { existsSync } from 'node:fs';
import { findPartialLines, type PartialLine } from '../rollout/partial-lines.ts';
import { readBackfillState, type BackfillState } from '../state/backfill-state.ts';
import { Database } from '../sqlite/db.ts';
import { countDetailsPending } from '../indexing/details.ts';
import type { DiscrepancyCount } from '../indexing/discrepancies.ts';
import { stateDbPath } from '../sqlite/files.ts';
import { openStateDb } from './open.ts';
import { planReconcile } from '../indexing/reconcile.ts';
import { defaultRolloutSource, type RolloutSource } from '../indexing/rollout-source.ts';
import { countThreads } from '../state/threads.ts';

export interface DoctorReport {
  codexHome: string;
  dbPath: string;
  exists: boolean;
  integrity: { ok: boolean; detail: string };
  schemaVersion: number | null;
  newerSchema: boolean;
  counts: { threads: number; archived: number; listable: number; failedFiles: number } | null;
  /** Phase 1 of indexing (every thread's list fields). */
  backfill: BackfillState | null;
  /** Phase 2 (turns and search text): rows still waiting for their full read. */
  details: { pendingThreads: number; pendingBytes: number } | null;
  failedFiles: Array<{ path: string; error: string; attempts: number; lastAttemptAt: number }>;
  disk: {
    rolloutFiles: number;
    unchanged: number;
    missingRows: string[];
    changedFingerprints: string[];
    movedFiles: string[];
    staleRows: Array<{ threadId: string; path: string }>;
    relocated: number;
    duplicateIds: string[];
  } | null;
  /** Lines that are not whole records (session_index.jsonl, the memory journal, rollout ends). */
  partialLines: PartialLine[];
  /** Discrepancies repaired by this process (the CLI's own run; a server keeps its own tally). */
  repaired: DiscrepancyCount[];
  healthy: boolean;
}

export function checkIntegrity(path: string): { ok: boolean; detail: string } {
  let db: Database | null = null;
  try {
    db = new Database(path, { readOnly: true });
    const results = db.all<Record<string, string>>('PRAGMA quick_check').map((r) => Object.values(r)[0]);
    const ok = results.length === 1 && results[0] === 'ok';
    return { ok, detail: ok ? 'ok' : results.slice(0, 5).join('; ') };
  } catch (err) {
    return { ok: false, detail: err instanceof Error ? err.message : String(err) };
  } finally {
    db?.close();
  }
}

export async function buildDoctorReport(
  codexHome: string, options: { source?: RolloutSource; repaired?: DiscrepancyCount[] } = {},
): Promise<DoctorReport> {
  const dbPath = stateDbPath(codexHome);
  const report: DoctorReport = {
    codexHome, dbPath, exists: existsSync(dbPath), integrity: { ok: false, detail: 'no index yet' }, schemaVersion: null,
    newerSchema: false, counts: null, backfill: null, details: null, failedFiles: [], disk: null, repaired: options.repaired ?? [], healthy: false,
    partialLines: [],
  };
  const source = options.source ?? defaultRolloutSource;
  const files = await source.listRollouts(codexHome);
  report.partialLines = findPartialLines(codexHome, files.map((f) => f.path));
  if (!report.exists) return report;
  report.integrity = checkIntegrity(dbPath);
  if (!report.integrity.ok) return report;
  const opened = openStateDb(codexHome);
  try {
    const db = opened.db;
    report.schemaVersion = opened.migration.databaseVersion;
    report.newerSchema = opened.migration.newerThanKnown;
    report.backfill = readBackfillState(db);
    const pending = countDetailsPending(db);
    report.details = { pendingThreads: pending.threads, pendingBytes: pending.bytes };
    report.failedFiles = db
      .all<{ path: string; error: string; attempts: number; last_attempt_at: number }>('SELECT path, error, attempts, last_attempt_at FROM index_failures ORDER BY path')
      .map((r) => ({ path: r.path, error: r.error, attempts: r.attempts, lastAttemptAt: r.last_attempt_at }));
    const counts = countThreads(db);
    report.counts = { threads: counts.total, archived: counts.archived, listable: counts.listable, failedFiles: report.failedFiles.length };
    const plan = planReconcile(db, files, codexHome);
    const failed = new Set(report.failedFiles.map((f) => f.path));
    report.disk = {
      rolloutFiles: plan.files,
      unchanged: plan.unchanged,
      missingRows: plan.toIndex.filter((w) => w.reason === 'new' || (w.reason === 'retry_failed' && !failed.has(w.file.watermark))).map((w) => w.file.watermark),
      changedFingerprints: plan.toIndex.filter((w) => w.reason === 'changed').map((w) => w.file.watermark),
      movedFiles: plan.toIndex.filter((w) => w.reason === 'moved').map((w) => w.file.watermark),
      staleRows: plan.toDrop,
      relocated: plan.toRelocate.length,
      duplicateIds: plan.duplicates.map((d) => d.threadId),
    };
  } finally {
    opened.db.close();
  }
  const d = report.disk;
  report.healthy = report.backfill.status === 'complete' && report.details?.pendingThreads === 0 && report.failedFiles.length === 0 &&
    report.partialLines.length === 0 &&
    d.missingRows.length + d.changedFingerprints.length + d.movedFiles.length + d.staleRows.length === 0;
  return report;
}
