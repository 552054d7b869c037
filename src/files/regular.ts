// Opening files that must be regular files (rollouts, indexes, journals). A FIFO or a device named
// like one of them must never block the process or a thread-pool thread: files are opened with
// O_NONBLOCK (which opening a FIFO for reading does not wait on, and which changes nothing for a
// regular file) and refused after an fstat unless they are regular files.

import { closeSync, constants, fstatSync, lstatSync, openSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

const READ_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

/** What a non-regular file is, for messages. */
export function fileKind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/** Thrown when a path names something other than a regular file. `code` is `ENOTREG`. */
export class NotRegularFileError extends Error {
  readonly code = 'ENOTREG';
  readonly path: string;
  /** What it is instead: 'a FIFO', 'a directory', … */
  readonly kind: string;
  constructor(path: string, kind: string) {
    super(`${path} is ${kind}, not a regular file`);
    this.name = 'NotRegularFileError';
    this.path = path;
    this.kind = kind;
  }
}

/** Opens a regular file for reading; rejects anything else without blocking on it. */
export async function openRegularForRead(path: string): Promise<FileHandle> {
  const fh = await open(path, READ_FLAGS);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new NotRegularFileError(path, fileKind(st));
    return fh;
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** The synchronous form: a file descriptor of a regular file opened for reading. */
export function openRegularForReadSync(path: string): number {
  const fd = openSync(path, READ_FLAGS);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new NotRegularFileError(path, fileKind(st));
    return fd;
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/**
 * Throws NotRegularFileError if any of the paths exists as something other than a regular file
 * (for files handed to a library that opens them itself, such as SQLite). Missing paths pass.
 */
export function assertRegularOrMissing(paths: readonly string[]): void {
  for (const path of paths) {
    let st: Stats;
    try {
      st = lstatSync(path);
    } catch {
      continue;
    }
    if (!st.isFile()) throw new NotRegularFileError(path, fileKind(st));
  }
}
