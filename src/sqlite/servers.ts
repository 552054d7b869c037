// Which servers have an index open: each leaves `<index>-server-<pid>@<host>` while it runs and
// removes it when it closes. A start that finds no clean mark (clean-mark.ts) reads them to tell a
// crash from company: a server of this host that died without closing left its file (its last
// writes may be on disk and not in the index), while a running one only keeps the -wal that denies
// the mark (it follows the home, so what is written meanwhile gets indexed). A pid reused by an
// unrelated process looks alive; files of other hosts are not judged.

import { readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

export const SERVER_FILE_INFIX = '-server-';

export interface ServerPresence {
  /** Other servers of this host that have the index open now. */
  readonly peersAlive: number;
  /** Servers of this host that stopped without closing the index. */
  readonly diedUncleanly: number;
  /** Removes the files of the servers that died: their last writes are now indexed. */
  forgetDead(): void;
  /** Removes this server's file (at a clean close). */
  close(): void;
}

/** True while a process with this pid exists on this host (a reused pid looks alive too). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads the other servers' files and leaves this one's; best effort (a failure only loses the distinction). */
export function announceServer(dbPath: string): ServerPresence {
  const dir = dirname(dbPath);
  const prefix = `${basename(dbPath)}${SERVER_FILE_INFIX}`;
  const host = hostname().replace(/[^A-Za-z0-9._-]/g, '_');
  const own = join(dir, `${prefix}${process.pid}@${host}`);
  let peersAlive = 0;
  const dead: string[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    // no folder listing: nothing known about other servers
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const [pidText, fileHost] = name.slice(prefix.length).split('@');
    const pid = Number(pidText);
    if (fileHost !== host || !Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) continue;
    if (isProcessAlive(pid)) peersAlive++;
    else dead.push(join(dir, name));
  }
  let announced = false;
  try {
    writeFileSync(own, `${JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() })}\n`);
    announced = true;
  } catch {
    // a home this process cannot write: it leaves no trace, as it keeps no index writes either
  }
  const remove = (path: string): void => {
    try {
      unlinkSync(path);
    } catch {
      // already gone (another server forgot it first)
    }
  };
  return {
    peersAlive,
    diedUncleanly: dead.length,
    forgetDead: () => dead.splice(0).forEach(remove),
    close: () => {
      if (announced) remove(own);
      announced = false;
    },
  };
}
