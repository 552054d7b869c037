// Claiming a unix socket path safely: a path a live server answers on is never taken over; a stale
// socket (nobody accepts on it) is removed first. Paths too long for sun_path get the real socket
// in a private directory under the temp dir and a symlink at the requested path, as Codex does.

import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readlinkSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** sun_path holds 108 bytes on Linux, 104 on macOS; stay under both. */
const MAX_SOCKET_PATH_BYTES = 100;

export class SocketInUseError extends Error {
  constructor(path: string) {
    super(`a server is already listening on ${path}; refusing to take it over (stop that server first)`);
    this.name = 'SocketInUseError';
  }
}

/** A path `connect` accepts: a symlink too long for sun_path is followed to its (short) target. */
export function connectablePath(path: string): string {
  if (Buffer.byteLength(path) <= MAX_SOCKET_PATH_BYTES) return path;
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** True when something accepts connections on the unix socket at `path`. */
export function socketAnswers(path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect(connectablePath(path));
    const done = (live: boolean): void => {
      socket.destroy();
      resolvePromise(live);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function existing(path: string): ReturnType<typeof lstatSync> | undefined {
  return lstatSync(path, { throwIfNoEntry: false });
}

/** Removes a stale socket (and the target of a symlinked one); refuses a live server or a non-socket file. */
async function clearStale(path: string): Promise<void> {
  const st = existing(path);
  if (!st) return;
  if (await socketAnswers(path)) throw new SocketInUseError(path);
  if (st.isSymbolicLink()) {
    const target = resolve(dirname(path), readlinkSync(path));
    const targetStat = existing(target);
    if (targetStat?.isSocket()) rmSync(target, { force: true });
  } else if (!st.isSocket()) {
    throw new Error(`${path} exists and is not a socket; refusing to replace it`);
  }
  rmSync(path, { force: true });
}

export interface ClaimedSocket {
  /** Where the server binds (the requested path, or the private target of its symlink). */
  bindPath: string;
  /** Removes what `claimSocketPath` created. */
  release(): void;
}

export async function claimSocketPath(path: string): Promise<ClaimedSocket> {
  await clearStale(path);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (Buffer.byteLength(path) <= MAX_SOCKET_PATH_BYTES) {
    return { bindPath: path, release: () => rmSync(path, { force: true }) };
  }
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  const dir = join(tmpdir(), `threadstate-sockets-${uid}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const bindPath = join(dir, createHash('sha256').update(path).digest('hex'));
  await clearStale(bindPath);
  symlinkSync(bindPath, path);
  return {
    bindPath,
    release: () => {
      rmSync(path, { force: true });
      rmSync(bindPath, { force: true });
    },
  };
}
