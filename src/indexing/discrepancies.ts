// Disagreements between the index and the rollouts. The JSONL is the truth: the row is repaired
// from the file, a WARN names the stage and reason, and a per-process counter keeps the tally that
// `doctor` and the API layer can report.

import { logger } from '../logs/logger.ts';
import { isArchivedPath } from '../rollout/paths.ts';
import type { ThreadMetadata } from '../model/thread-metadata.ts';
import { writeExtracted, watermarkOf } from './indexer.ts';
import type { RolloutSource } from './rollout-source.ts';
import { defaultRolloutSource } from './rollout-source.ts';
import type { Database } from '../sqlite/db.ts';
import { getThreadRow, type ThreadRow } from '../state/threads.ts';
import { statSync } from 'node:fs';

const log = logger('indexing.discrepancies');

export interface DiscrepancyCount {
  stage: string;
  reason: string;
  count: number;
}

export class DiscrepancyCounter {
  private readonly counts = new Map<string, DiscrepancyCount>();

  record(stage: string, reason: string, fields: { threadId?: string; path?: string } = {}): void {
    const key = `${stage}\u0000${reason}`;
    const entry = this.counts.get(key);
    if (entry) entry.count++;
    else this.counts.set(key, { stage, reason, count: 1 });
    log.warn(`state discrepancy during ${stage}: ${reason}`, { ...fields });
  }

  snapshot(): DiscrepancyCount[] {
    return [...this.counts.values()].map((c) => ({ ...c })).sort((a, b) => a.stage.localeCompare(b.stage) || a.reason.localeCompare(b.reason));
  }

  total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c.count;
    return n;
  }

  reset(): void {
    this.counts.clear();
  }
}

/** The process-wide tally. */
export const discrepancies = new DiscrepancyCounter();

/** What the API layer needs to repair a row: the database, the home, where files come from. */
export interface RepairTarget {
  db: Database;
  codexHome: string;
  source?: RolloutSource;
  discrepancies?: DiscrepancyCounter;
}

/** The fields that must agree between a row and its file for the row to count as current. */
export function rowDiffers(row: ThreadRow, meta: ThreadMetadata): string | null {
  if (row.rollout_path !== meta.rolloutPath) return 'stale_path';
  if (row.file_size !== meta.fingerprint.size || row.file_mtime_ms !== meta.fingerprint.mtimeMs) return 'fingerprint_changed';
  if (
    row.preview !== meta.preview || row.title !== meta.title || row.first_user_message !== meta.firstUserMessage ||
    row.cwd !== meta.cwd || row.archived !== (meta.archived ? 1 : 0) || row.created_at !== meta.createdAt ||
    row.updated_at_ms !== meta.updatedAtMs || row.tokens_used !== meta.tokensUsed || row.model_provider !== meta.modelProvider
  ) return 'fields_differ';
  return null;
}

/**
 * Re-reads one rollout and makes its row agree with it (read-repair). Returns the file's metadata,
 * or null when the file cannot be read (then the failure is recorded for the next start).
 */
export async function repairThreadFromRollout(target: RepairTarget, path: string, stage = 'read_repair'): Promise<ThreadMetadata | null> {
  const source = target.source ?? defaultRolloutSource;
  const counter = target.discrepancies ?? discrepancies;
  const archived = isArchivedPath(target.codexHome, path);
  const extracted = await source.extract(path, target.codexHome, archived);
  let size = 0;
  let mtimeMs = 0;
  try {
    const st = statSync(path);
    size = st.size;
    mtimeMs = st.mtimeMs;
  } catch {
    // gone: the failure below says so
  }
  const file = { path, watermark: watermarkOf(target.codexHome, path), id: extracted.metadata?.id ?? '', archived, size, mtimeMs };
  const meta = extracted.metadata;
  if (meta === null) {
    target.db.transaction(() => writeExtracted(target.db, { file, extracted }, new Map(), Date.now()));
    return null;
  }
  const row = getThreadRow(target.db, meta.id);
  const reason = row === undefined ? 'missing_row' : rowDiffers(row, meta);
  if (reason === null) return meta;
  // An existing row keeps its name (a NULL name never overwrites); a new row takes session_index's.
  const names = row === undefined ? await source.readNames(target.codexHome) : new Map<string, string>();
  target.db.transaction(() => writeExtracted(target.db, { file, extracted }, names, Date.now()));
  counter.record(stage, reason, { threadId: meta.id, path });
  return meta;
}
