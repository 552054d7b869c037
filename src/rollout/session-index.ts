// Thread names in `session_index.jsonl` (docs/rollout-format.md §5.1): an append-only log where the
// last non-empty entry for an id wins.

import { closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDir } from '../config.ts';
import { appendWholeLines } from '../files/append.ts';
import { NotRegularFileError, openRegularForRead, openRegularForReadSync } from '../files/regular.ts';
import { logger } from '../logs/logger.ts';
import { isObject } from './lines.ts';

const log = logger('rollout.session-index');

export const SESSION_INDEX_FILE = 'session_index.jsonl';

export interface ThreadNameEntry {
  id: string;
  thread_name: string;
  updated_at: string;
}

export function sessionIndexPath(codexHome: string): string {
  return join(codexHome, SESSION_INDEX_FILE);
}

/** Appends one entry as an all-or-nothing, synced line (files/append.ts). */
export async function appendThreadName(codexHome: string, id: string, name: string, now: Date = new Date()): Promise<ThreadNameEntry> {
  ensureDir(codexHome);
  const entry: ThreadNameEntry = { id, thread_name: name, updated_at: now.toISOString() };
  await appendWholeLines(sessionIndexPath(codexHome), `${JSON.stringify(entry)}\n`, { home: codexHome, create: true });
  return entry;
}

/** One line of the index: its id and name, or null for a blank, unparsable or empty-name line. */
export function parseThreadNameLine(line: string): { id: string; name: string } | null {
  const text = line.trim();
  if (text === '') return null;
  try {
    const value: unknown = JSON.parse(text);
    if (!isObject(value) || typeof value.id !== 'string' || typeof value.thread_name !== 'string') return null;
    const name = value.thread_name.trim();
    return name === '' ? null : { id: value.id.toLowerCase(), name: value.thread_name };
  } catch {
    return null;
  }
}

async function readIndex(codexHome: string): Promise<string> {
  try {
    const fh = await openRegularForRead(sessionIndexPath(codexHome));
    try {
      return await fh.readFile('utf8');
    } finally {
      await fh.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    if (err instanceof NotRegularFileError) {
      log.warn('session_index.jsonl is not a regular file: thread names are unavailable', { error: err.message });
      return '';
    }
    throw err;
  }
}

function namesFrom(text: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const line of text.split('\n')) {
    const entry = parseThreadNameLine(line);
    if (entry) names.set(entry.id, entry.name);
  }
  return names;
}

/** Every named thread: id → name; blank, unparsable and empty-name lines are skipped. */
export async function readThreadNames(codexHome: string): Promise<Map<string, string>> {
  return namesFrom(await readIndex(codexHome));
}

/**
 * The same, read synchronously: for use inside a write transaction, so that the names applied
 * are never older than a rename another process committed before the transaction began.
 */
export function readThreadNamesSync(codexHome: string): Map<string, string> {
  try {
    const fd = openRegularForReadSync(sessionIndexPath(codexHome));
    try {
      return namesFrom(readFileSync(fd, 'utf8'));
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    if (err instanceof NotRegularFileError) return new Map();
    throw err;
  }
}

/** The current name of one thread (scanning from the end), or null. */
export async function readThreadName(codexHome: string, id: string): Promise<string | null> {
  const want = id.toLowerCase();
  const lines = (await readIndex(codexHome)).split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const entry = parseThreadNameLine(lines[i]);
    if (entry && entry.id === want) return entry.name;
  }
  return null;
}
