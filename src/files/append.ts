// All-or-nothing appends of whole lines to a file in the Codex home (rollouts, session_index.jsonl,
// the memory journal).
//
// - The target is opened without following a final symlink (O_NOFOLLOW) and without blocking on a
//   FIFO; it must be a regular file, its directory must resolve inside the home, and the path must
//   still name the opened file (same device and inode) once it is open.
// - If the file does not end with a newline (a crash or another writer left a partial line), the
//   new lines start on a line of their own, so a partial record never swallows a new one.
// - The bytes are written and then fdatasync'ed before the call returns: nothing is acknowledged
//   to a client that is not on disk. When a write or the sync fails, the file is cut back to its
//   previous length (unless another process appended in between, which is logged) and the error
//   names the file: out of space is a -32603, permissions and links a -32600.

import { constants } from 'node:fs';
import { lstat, open, realpath, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DomainError, invalidInput, type DomainErrorKind } from '../errors.ts';
import { logger } from '../logs/logger.ts';
import { NotRegularFileError, fileKind } from './regular.ts';

const log = logger('files.append');

export interface AppendOptions {
  /** The Codex home: the file's directory must resolve inside it. */
  home: string;
  /** Create the file (mode 0600) when it does not exist. */
  create?: boolean;
}

function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`);
}

function describe(code: string | undefined): string {
  switch (code) {
    case 'ENOSPC': return 'no space left on the device (ENOSPC)';
    case 'EDQUOT': return 'disk quota exceeded (EDQUOT)';
    case 'EFBIG': return 'the file is too large (EFBIG)';
    case 'EACCES': return 'permission denied (EACCES)';
    case 'EPERM': return 'operation not permitted (EPERM)';
    case 'EROFS': return 'the file system is read-only (EROFS)';
    case 'ELOOP': return 'it is a symbolic link (ELOOP)';
    case 'ENOENT': return 'it does not exist (ENOENT)';
    case 'EIO': return 'input/output error (EIO)';
    default: return code ?? 'unknown error';
  }
}

/** Errors that mean the file may not be written at all (a read-only home, permissions). */
const NOT_WRITABLE = new Set(['EACCES', 'EPERM', 'EROFS']);
/** Errors that mean the path is not a file this server may write (a link, a FIFO, gone). */
const NOT_USABLE = new Set(['ELOOP', 'ENOENT', 'ENOTREG']);
/** Errors of the disk itself. */
const DISK = new Set(['ENOSPC', 'EDQUOT', 'EFBIG', 'EIO']);

function kindOf(code: string): DomainErrorKind | null {
  if (NOT_WRITABLE.has(code)) return 'unavailable';
  if (NOT_USABLE.has(code)) return 'invalidInput';
  if (DISK.has(code)) return 'io';
  return null;
}

/**
 * A failed write, as the client sees it (-32600 when the file may not be written: permissions, a
 * read-only file system, a link, not a regular file; -32603 for no space and I/O errors).
 * `notWritable` when the file may not be written at all (read-only home, permissions).
 */
export class FileWriteError extends DomainError {
  readonly notWritable: boolean;
  constructor(kind: DomainErrorKind, message: string, errno: string) {
    super(kind, message);
    this.name = 'FileWriteError';
    this.notWritable = NOT_WRITABLE.has(errno);
  }
}

/**
 * The error for a failed write of `path`, naming it; `outcome` says what is on disk afterwards.
 * An unexpected error is returned as it is (the dispatcher answers it with a generic -32603 and
 * logs its stack).
 */
export function writeError(path: string, err: unknown, outcome = 'nothing was written'): unknown {
  if (err instanceof DomainError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  const kind = code === undefined ? null : kindOf(code);
  if (kind === null) return err;
  const detail = err instanceof NotRegularFileError ? err.message : `cannot write ${path}: ${describe(code)}`;
  return new FileWriteError(kind, `${detail}; ${outcome}`, code!);
}

/** Opens `path` for appending and checks that it is the regular file inside the home it names. */
async function openConfined(path: string, options: AppendOptions): Promise<FileHandle> {
  let flags = constants.O_RDWR | constants.O_APPEND | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;
  if (options.create) flags |= constants.O_CREAT;
  const fh = await open(path, flags, 0o600);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new NotRegularFileError(path, fileKind(st));
    const [realHome, realDir] = await Promise.all([realpath(options.home), realpath(dirname(path))]);
    if (!isInside(realHome, realDir)) throw invalidInput(`refusing to write ${path}: its directory resolves outside the Codex home`);
    const named = await lstat(path);
    if (named.dev !== st.dev || named.ino !== st.ino) throw invalidInput(`refusing to write ${path}: the file was replaced while it was being opened`);
    return fh;
  } catch (err) {
    await fh.close();
    throw err;
  }
}

async function endsWithNewline(fh: FileHandle, size: number): Promise<boolean> {
  if (size === 0) return true;
  const last = Buffer.alloc(1);
  const { bytesRead } = await fh.read(last, 0, 1, size - 1);
  return bytesRead === 1 && last[0] === 0x0a;
}

/**
 * Appends `text` (complete lines, each ending in `\n`) to `path` as one all-or-nothing unit:
 * afterwards the file either holds every line, synced, or is as long as before.
 */
export async function appendWholeLines(path: string, text: string, options: AppendOptions): Promise<void> {
  if (!text.endsWith('\n')) throw new Error('appendWholeLines takes complete lines');
  let fh: FileHandle;
  try {
    fh = await openConfined(path, options);
  } catch (err) {
    throw writeError(path, err);
  }
  try {
    const before = (await fh.stat()).size;
    const bytes = Buffer.from((await endsWithNewline(fh, before)) ? text : `\n${text}`, 'utf8');
    let written = 0;
    try {
      while (written < bytes.length) written += (await fh.write(bytes, written, bytes.length - written)).bytesWritten;
      await fh.datasync();
    } catch (err) {
      throw writeError(path, err, await cutBack(fh, path, before, written));
    }
  } finally {
    await fh.close();
  }
}

/** Restores the previous length after a failed append; returns what is on disk now. */
async function cutBack(fh: FileHandle, path: string, before: number, written: number): Promise<string> {
  try {
    const now = (await fh.stat()).size;
    if (now === before) return 'nothing was written';
    if (now !== before + written) {
      log.error('a failed append could not be cut back: another process appended to the file meanwhile', { path, before, written, now });
      return 'a partial line may remain (another process appended meanwhile)';
    }
    await fh.truncate(before);
    await fh.datasync();
    return 'nothing was written';
  } catch (err) {
    log.error('a failed append could not be cut back', { path, before, written, error: String(err) });
    return 'a partial line may remain';
  }
}
