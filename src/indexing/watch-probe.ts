// Which way a server started now would follow the home (for `threadstate doctor`): watches unless
// they are turned off, cannot be set on the home, or the folders to watch exceed the kernel's
// inotify limit; else periodic checks.

import { readFileSync, readdirSync, watch } from 'node:fs';
import { join } from 'node:path';
import { SESSIONS_DIR } from '../rollout/paths.ts';
import type { LiveMode } from './home-watch.ts';

export interface LiveModeProbe {
  mode: LiveMode;
  reason: string | null;
  /** Folders a server watches (the home, archived_sessions/ and every folder under sessions/). */
  folders: number;
  /** fs.inotify.max_user_watches on Linux; null elsewhere or when unreadable. */
  inotifyLimit: number | null;
}

function countFolders(dir: string, depth = 0): number {
  let n = 1;
  if (depth >= 8) return n;
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) n += countFolders(join(dir, e.name), depth + 1);
  } catch {
    return 0;
  }
  return n;
}

function inotifyLimit(): number | null {
  if (process.platform !== 'linux') return null;
  try {
    const n = Number(readFileSync('/proc/sys/fs/inotify/max_user_watches', 'utf8').trim());
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

export function probeLiveMode(codexHome: string, watches: boolean): LiveModeProbe {
  const folders = 2 + countFolders(join(codexHome, SESSIONS_DIR));
  const limit = inotifyLimit();
  const result = (mode: LiveMode, reason: string | null): LiveModeProbe => ({ mode, reason, folders, inotifyLimit: limit });
  if (!watches) return result('poll', 'watches disabled (--no-watch or THREADSTATE_WATCH=0)');
  if (limit !== null && folders > limit) return result('poll', `${folders} folders exceed fs.inotify.max_user_watches (${limit})`);
  try {
    watch(codexHome, { persistent: false }).close();
  } catch (err) {
    return result('poll', `cannot watch the home: ${err instanceof Error ? err.message : String(err)}`);
  }
  return result('watch', null);
}
