// Follows session_index.jsonl (thread names, append-only, the last entry per id wins) from the
// byte where the last read stopped: only complete lines are read, so a line being written is read
// once it ends. A file that shrank or was replaced is read again from the start.

import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { parseThreadNameLine, sessionIndexPath } from '../rollout/session-index.ts';

/** The file is read this many bytes at a time. */
const READ_CHUNK_BYTES = 1024 * 1024;

export class NamesFollower {
  private readonly path: string;
  private offset = 0;
  private ino = 0;

  constructor(codexHome: string) {
    this.path = sessionIndexPath(codexHome);
  }

  /** Starts following at the current end of the file (what is there is applied at start-up). */
  skipToEnd(): void {
    const st = statSync(this.path, { throwIfNoEntry: false });
    this.offset = st?.size ?? 0;
    this.ino = st?.ino ?? 0;
  }

  /**
   * The names appended since the last call (id -> name, last entry wins); empty when none. Read
   * with blocking calls so a caller can read inside its write transaction: a rename another
   * server appended and committed before the transaction began is then never undone by an older
   * entry read earlier.
   */
  readNew(): Map<string, string> {
    const names = new Map<string, string>();
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      this.offset = 0;
      this.ino = 0;
      return names;
    }
    try {
      const st = fstatSync(fd);
      if (st.ino !== this.ino || st.size < this.offset) {
        this.offset = 0;
        this.ino = st.ino;
      }
      let carry: Buffer = Buffer.alloc(0);
      const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, Math.max(1, st.size - this.offset)));
      let pos = this.offset;
      while (pos < st.size) {
        const bytesRead = readSync(fd, buf, 0, Math.min(buf.length, st.size - pos), pos);
        if (bytesRead === 0) break;
        pos += bytesRead;
        const bytes = carry.length === 0 ? buf.subarray(0, bytesRead) : Buffer.concat([carry, buf.subarray(0, bytesRead)]);
        const lastNl = bytes.lastIndexOf(10);
        carry = Buffer.from(lastNl < 0 ? bytes : bytes.subarray(lastNl + 1));
        if (lastNl < 0) continue;
        for (const line of bytes.toString('utf8', 0, lastNl).split('\n')) {
          const entry = parseThreadNameLine(line);
          if (entry) names.set(entry.id, entry.name);
        }
      }
      // A last line without its newline is read again next time.
      this.offset = pos - carry.length;
    } finally {
      closeSync(fd);
    }
    return names;
  }
}
