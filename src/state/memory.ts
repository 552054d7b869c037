// `thread_memory`: one pair of summaries per thread. `updated_at` is Unix milliseconds and strictly
// increases per thread: a write stores max(now, previous + 1), so two writes in the same
// millisecond still order. Rows go with their thread (ON DELETE CASCADE).

import type { Database } from '../sqlite/db.ts';

export interface StoredMemory {
  threadId: string;
  traceSummary: string;
  memorySummary: string;
  /** Unix milliseconds. */
  updatedAt: number;
}

interface MemoryRow {
  thread_id: string;
  trace_summary: string;
  memory_summary: string;
  updated_at: number;
}

function fromRow(row: MemoryRow): StoredMemory {
  return { threadId: row.thread_id, traceSummary: row.trace_summary, memorySummary: row.memory_summary, updatedAt: row.updated_at };
}

export function getMemory(db: Database, threadId: string): StoredMemory | null {
  const row = db.get<MemoryRow>('SELECT thread_id, trace_summary, memory_summary, updated_at FROM thread_memory WHERE thread_id = ?', threadId);
  return row ? fromRow(row) : null;
}

/** The `updated_at` the next write of this thread's memory gets. */
export function nextMemoryTime(db: Database, threadId: string, nowMs: number = Date.now()): number {
  const row = db.get<{ updated_at: number }>('SELECT updated_at FROM thread_memory WHERE thread_id = ?', threadId);
  return row ? Math.max(nowMs, row.updated_at + 1) : nowMs;
}

// The SELECT … WHERE EXISTS makes "no thread row" a zero-row insert instead of a foreign-key
// error; the DO UPDATE keeps the time strictly increasing even if the caller's value is older.
const UPSERT_SQL =
  'INSERT INTO thread_memory (thread_id, trace_summary, memory_summary, updated_at) ' +
  'SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM threads WHERE id = ?) ' +
  'ON CONFLICT(thread_id) DO UPDATE SET trace_summary = excluded.trace_summary, memory_summary = excluded.memory_summary, ' +
  'updated_at = max(excluded.updated_at, thread_memory.updated_at + 1) ' +
  'RETURNING thread_id, trace_summary, memory_summary, updated_at';

/**
 * Inserts or replaces a thread's memory. `updatedAt` defaults to `nextMemoryTime`; the stored
 * value is never below previous + 1. Null when the thread has no row.
 */
export function upsertMemory(
  db: Database,
  memory: { threadId: string; traceSummary: string; memorySummary: string; updatedAt?: number },
): StoredMemory | null {
  return db.transaction(() => {
    const at = memory.updatedAt ?? nextMemoryTime(db, memory.threadId);
    const row = db.get<MemoryRow>(UPSERT_SQL, memory.threadId, memory.traceSummary, memory.memorySummary, at, memory.threadId);
    return row ? fromRow(row) : null;
  });
}

export function deleteMemory(db: Database, threadId: string): boolean {
  return db.run('DELETE FROM thread_memory WHERE thread_id = ?', threadId).changes > 0;
}

// CROSS JOIN keeps thread_memory the outer loop, so rows come in index order
// (thread_memory_recent) and the LIMIT stops the scan; each thread is a primary-key probe.
export const LIST_RECENT_SQL =
  'SELECT m.thread_id, m.trace_summary, m.memory_summary, m.updated_at FROM thread_memory AS m ' +
  'CROSS JOIN threads AS t ON t.id = m.thread_id WHERE t.cwd = ? ' +
  'ORDER BY m.updated_at DESC, m.thread_id DESC LIMIT ?';

/** The newest memories of threads whose cwd is exactly `cwd`, newest first, ties by thread id (descending). */
export function listRecentMemories(db: Database, cwd: string, limit: number): StoredMemory[] {
  return db.all<MemoryRow>(LIST_RECENT_SQL, cwd, limit).map(fromRow);
}

/**
 * Sets rows exactly as a journal recorded them (rebuild): a memory is written with its recorded
 * time, a `null` memory deletes. Threads without a row are skipped. Returns what was applied.
 */
export function applyMemories(db: Database, entries: Array<{ threadId: string; memory: StoredMemory | null }>): { restored: number; deleted: number; skipped: number } {
  const counts = { restored: 0, deleted: 0, skipped: 0 };
  if (entries.length === 0) return counts;
  db.transaction(() => {
    for (const { threadId, memory } of entries) {
      if (memory === null) {
        if (deleteMemory(db, threadId)) counts.deleted++;
        continue;
      }
      const changes = db.run(
        'INSERT INTO thread_memory (thread_id, trace_summary, memory_summary, updated_at) ' +
          'SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM threads WHERE id = ?) ' +
          'ON CONFLICT(thread_id) DO UPDATE SET trace_summary = excluded.trace_summary, memory_summary = excluded.memory_summary, updated_at = excluded.updated_at',
        threadId, memory.traceSummary, memory.memorySummary, memory.updatedAt, threadId,
      ).changes;
      if (changes > 0) counts.restored++;
      else counts.skipped++;
    }
  });
  return counts;
}
