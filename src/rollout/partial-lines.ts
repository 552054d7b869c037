// Partial lines in the home's JSONL files: what a crash, a full disk or another writer can leave
// behind. `doctor` reports them. session_index.jsonl and the memory journal are read whole (they
// are small); rollouts are checked for an unterminated last line only (one byte each).

import { closeSync, fstatSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { MEMORY_JOURNAL_FILE } from '../config.ts';
import { openRegularForReadSync } from '../files/regular.ts';
import { SESSION_INDEX_FILE } from './session-index.ts';

export interface PartialLine {
  path: string;
  /** 1-based line number. */
  line: number;
  detail: string;
}

function readWhole(path: string): string | null {
  let fd: number;
  try {
    fd = openRegularForReadSync(path);
  } catch {
    return null; // missing (or not a regular file, which reading reports elsewhere)
  }
  try {
    const size = fstatSync(fd).size;
    const bytes = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, bytes, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    return bytes.toString('utf8', 0, got);
  } finally {
    closeSync(fd);
  }
}

/** Lines of a JSONL file that are not whole JSON values, and an unterminated last line. */
export function partialLinesOf(path: string): PartialLine[] {
  const text = readWhole(path);
  if (text === null || text === '') return [];
  const out: PartialLine[] = [];
  const lines = text.split('\n');
  const last = lines.length - 1; // '' when the file ends with a newline
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    if (i === last) {
      out.push({ path, line: i + 1, detail: `unterminated last line (${line.length} characters, no newline)` });
      continue;
    }
    try {
      JSON.parse(line);
    } catch {
      out.push({ path, line: i + 1, detail: `not a whole JSON line (${line.length} characters)` });
    }
  }
  return out;
}

/** Whether a file's last byte is a newline (empty and unreadable files count as ended). */
function endsWithNewline(path: string): boolean {
  let fd: number;
  try {
    fd = openRegularForReadSync(path);
  } catch {
    return true;
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return true;
    const last = Buffer.alloc(1);
    return readSync(fd, last, 0, 1, size - 1) === 1 && last[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}

/** Every partial line doctor reports: in session_index.jsonl, the memory journal, and at the end of rollouts. */
export function findPartialLines(codexHome: string, rolloutPaths: readonly string[]): PartialLine[] {
  const out = [...partialLinesOf(join(codexHome, SESSION_INDEX_FILE)), ...partialLinesOf(join(codexHome, MEMORY_JOURNAL_FILE))];
  for (const path of rolloutPaths) {
    if (!endsWithNewline(path)) out.push({ path, line: 0, detail: 'unterminated last line' });
  }
  return out;
}
