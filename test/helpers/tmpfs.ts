// A small tmpfs for full-disk and read-only-home tests. Mounting needs root (or CAP_SYS_ADMIN);
// callers skip with the reason when it is not allowed.

import { execFileSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';

/** Mounts a tmpfs of `sizeKb` at `dir`; returns null on success, else why it could not. */
export function mountTmpfs(dir: string, sizeKb: number): string | null {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k,mode=0755`, 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (err) {
    return `cannot mount a tmpfs here (${String((err as { stderr?: Buffer }).stderr ?? err).trim()})`;
  }
}

export function remountReadOnly(dir: string): void {
  execFileSync('mount', ['-o', 'remount,ro', dir], { stdio: 'pipe' });
}

export function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  }
}

/** Writes `path` until its file system is full to the last byte. */
export function fillFileSystem(path: string): void {
  const fd = openSync(path, 'w');
  try {
    for (const size of [65536, 4096, 512, 64, 1]) {
      const block = Buffer.alloc(size, 0x61);
      for (;;) {
        try {
          if (writeSync(fd, block) < size) break;
        } catch {
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Mocha hooks for a suite on its own tmpfs: mounted before the suite (skipped, with the reason,
 * when mounting is not allowed) and unmounted after it. `root()` is the mount point.
 */
export function tmpfsSuite(sizeKb: number, makeDir: () => string, removeDir: (dir: string) => void): { root: () => string } {
  let root = '';
  let mounted = false;
  before(function () {
    root = makeDir();
    const why = mountTmpfs(root, sizeKb);
    if (why) {
      removeDir(root);
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    mounted = true;
  });
  after(() => {
    if (!mounted) return;
    unmount(root);
    removeDir(root);
  });
  return { root: () => root };
}
