// The append-only journal of memory writes (`<home>/threadstate-memory.jsonl`). Memories are not in
// Codex rollouts, so this file is their durable copy: every write (and every delete, as a
// tombstone) is appended before SQLite is touched, and a rebuilt index is refilled from it.

import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { MEMORY_JOURNAL_FILE } from '../config.ts';
import { appendWholeLines } from '../files/append.ts';
import { openRegularForRead } from '../files/regular.ts';
import { logger } from '../logs/logger.ts';
import type { Database } from '../sqlite/db.ts';
import { applyMemories, type StoredMemory } from '../state/memory.ts';

const log = logger('store.memory-journal');

export type MemoryJournalEntry =
  | { op: 'write'; threadId: string; traceSummary: string; memorySummary: string; updatedAt: number }
  | { op: 'delete'; threadId: string; at: number };

export function memoryJournalPath(codexHome: string): string {
  return join(codexHome, MEMORY_JOURNAL_FILE);
}

/**
 * Appends one entry as one all-or-nothing, synced line (mode 0600 on creation). When a crash left
 * the file without a final newline, the new line starts on a line of its own, so only the torn
 * fragment is lost.
 */
export async function appendMemoryJournal(codexHome: string, entry: MemoryJournalEntry): Promise<void> {
  await appendWholeLines(memoryJournalPath(codexHome), `${JSON.stringify(entry)}\n`, { home: codexHome, create: true });
}

function isString(v: unknown): v is string {
  return typeof v === 'string';
}

/** One line → an entry, or null for anything that is not a complete, well-formed entry. */
export function parseJournalLine(line: string): MemoryJournalEntry | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  if (!isString(v.threadId) || v.threadId === '') return null;
  if (v.op === 'write' && isString(v.traceSummary) && isString(v.memorySummary) && Number.isSafeInteger(v.updatedAt)) {
    return { op: 'write', threadId: v.threadId, traceSummary: v.traceSummary, memorySummary: v.memorySummary, updatedAt: v.updatedAt as number };
  }
  if (v.op === 'delete' && Number.isSafeInteger(v.at)) return { op: 'delete', threadId: v.threadId, at: v.at as number };
  return null;
}

export interface JournalContents {
  /** The last entry of each thread: its memory, or null after a tombstone. */
  latest: Map<string, StoredMemory | null>;
  lines: number;
  /** Lines that were not entries (garbage, a torn last write). */
  skipped: number;
}

/** Reads the whole journal; a missing file is an empty journal. */
export async function readMemoryJournal(codexHome: string): Promise<JournalContents> {
  const contents: JournalContents = { latest: new Map(), lines: 0, skipped: 0 };
  let fh: FileHandle;
  try {
    fh = await openRegularForRead(memoryJournalPath(codexHome));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return contents;
    throw err;
  }
  const stream = fh.createReadStream({ encoding: 'utf8', autoClose: false });
  try {
    for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
      if (line.trim() === '') continue;
      contents.lines++;
      const entry = parseJournalLine(line);
      if (!entry) {
        contents.skipped++;
        continue;
      }
      contents.latest.set(entry.threadId, entry.op === 'write'
        ? { threadId: entry.threadId, traceSummary: entry.traceSummary, memorySummary: entry.memorySummary, updatedAt: entry.updatedAt }
        : null);
    }
  } finally {
    stream.destroy();
    await fh.close();
  }
  return contents;
}

export interface MemoryRestoreResult {
  lines: number;
  skipped: number;
  restored: number;
  deleted: number;
  /** Memories of threads the index does not have. */
  missingThreads: number;
}

/** Replays the journal into `thread_memory`: the last entry of each thread wins. */
export async function restoreMemoriesFromJournal(db: Database, codexHome: string): Promise<MemoryRestoreResult> {
  const journal = await readMemoryJournal(codexHome);
  const applied = applyMemories(db, [...journal.latest].map(([threadId, memory]) => ({ threadId, memory })));
  const result = { lines: journal.lines, skipped: journal.skipped, restored: applied.restored, deleted: applied.deleted, missingThreads: applied.skipped };
  if (journal.lines > 0) log.info('restored thread memories from the journal', { ...result });
  if (journal.skipped > 0) log.warn('skipped unreadable lines in the memory journal', { skipped: journal.skipped, path: memoryJournalPath(codexHome) });
  return result;
}
