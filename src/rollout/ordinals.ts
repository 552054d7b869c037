// Line ordinals of 0.169 ("paginated") rollouts: every line Codex writes carries `"ordinal": N`, its
// position in the file, right after the timestamp, and Codex 0.169 refuses to resume a paginated
// rollout whose last line has none ("final paginated rollout record … is missing an ordinal",
// observed). Lines appended to such a file must continue the count; legacy files have no ordinals.

import { open } from 'node:fs/promises';
import type { RolloutLine } from './lines.ts';

const CHUNK = 64 * 1024;
const HEAD = /^\s*\{"timestamp":"[^"\\]*","ordinal":(\d+),/;

/**
 * The ordinal the next appended line takes: the last line's ordinal + 1, or null when the last line
 * has none (a legacy rollout, or an empty file). Reads backwards from the end to the start of the
 * last line, then only that line's first bytes.
 */
export async function nextLineOrdinal(path: string): Promise<number | null> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    let end = size;
    const one = Buffer.alloc(1);
    // Ignore the final newline(s) that end the file.
    while (end > 0) {
      await fh.read(one, 0, 1, end - 1);
      if (one[0] !== 0x0a) break;
      end--;
    }
    if (end === 0) return null;
    let start = 0;
    const buf = Buffer.alloc(CHUNK);
    for (let pos = end; pos > 0;) {
      const from = Math.max(0, pos - CHUNK);
      const { bytesRead } = await fh.read(buf, 0, pos - from, from);
      const nl = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (nl >= 0) {
        start = from + nl + 1;
        break;
      }
      pos = from;
    }
    const head = Buffer.alloc(Math.min(256, end - start));
    await fh.read(head, 0, head.length, start);
    const m = HEAD.exec(head.toString('utf8'));
    return m ? Number(m[1]) + 1 : null;
  } finally {
    await fh.close();
  }
}

/** The lines with `ordinal` first, first + 1, … placed right after their timestamp (Codex's key order). */
export function withOrdinals(lines: readonly RolloutLine[], first: number): RolloutLine[] {
  return lines.map((line, i) => {
    const { timestamp, ordinal: _old, ...rest } = line;
    return { timestamp, ordinal: first + i, ...rest };
  });
}
