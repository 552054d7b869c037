// The index's "closed cleanly" mark, `threadstate_<N>.sqlite-clean`: the identity of the database
// file (inode, size, modification and change times, to the nanosecond) as the last process that
// used it left it, after closing it with no -wal behind. A start that finds the file exactly so
// skips the integrity check of the index tables (~40 ms at 10k threads, ~0.2-0.45 s at 100k, the
// largest part of a restart); anything else - no mark (a crash), a -wal, a file written or damaged
// since - and the check runs as before. The mark is taken (deleted) at open, so it never outlives
// the state it describes. A caller may add a note that must match too (the index adds the stamp of
// its migration files: same files as at the clean close = every migration applied and checked).

import { closeSync, existsSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { openRegularForReadSync } from '../files/regular.ts';

export const CLEAN_MARK_SUFFIX = '-clean';

function identity(dbPath: string): string | null {
  const st = statSync(dbPath, { bigint: true, throwIfNoEntry: false });
  if (!st || !st.isFile()) return null;
  return JSON.stringify([st.ino.toString(), st.size.toString(), st.mtimeNs.toString(), st.ctimeNs.toString()]);
}

function markText(id: string, note: string): string {
  return note === '' ? id : `${id}\n${note}`;
}

/** Reads and removes the mark; true when it describes the file as it is now (and `note`) and no -wal is present. */
export function takeCleanMark(dbPath: string, note = ''): boolean {
  const markPath = dbPath + CLEAN_MARK_SUFFIX;
  let mark: string;
  try {
    const fd = openRegularForReadSync(markPath); // never blocks on a FIFO named like the mark
    try {
      mark = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
  try {
    unlinkSync(markPath);
  } catch {
    return false; // another process took it first: it checks nothing for us
  }
  const id = identity(dbPath);
  return !existsSync(`${dbPath}-wal`) && id !== null && mark === markText(id, note);
}

/** After the connection is closed: records the file's identity, unless a -wal shows another writer. */
export function writeCleanMark(dbPath: string, note = ''): void {
  try {
    if (existsSync(`${dbPath}-wal`)) return;
    const id = identity(dbPath);
    if (id !== null) writeFileSync(dbPath + CLEAN_MARK_SUFFIX, markText(id, note));
  } catch {
    // No mark: the next start checks the index, as it would anyway.
  }
}
