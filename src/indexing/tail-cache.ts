// The resumable reads of recently changed rollouts, by path: an append to one of them is read from
// where the last read stopped. Bounded by count and by the search text the reads hold; the least
// recently used goes first. A rollout not in the cache is read in full once, then follows.

import type { ResumableExtract } from '../rollout/extract.ts';

export const TAIL_CACHE_ENTRIES = 256;
/** Characters of search text held by all cached reads (UTF-16: about twice as many bytes). */
export const TAIL_CACHE_CHARS = 8 * 1024 * 1024;

export class TailCache {
  private readonly reads = new Map<string, ResumableExtract>();
  private readonly maxEntries: number;
  private readonly maxChars: number;

  constructor(maxEntries = TAIL_CACHE_ENTRIES, maxChars = TAIL_CACHE_CHARS) {
    this.maxEntries = maxEntries;
    this.maxChars = maxChars;
  }

  /** Takes the read out of the cache (the caller puts it back once it has been continued). */
  take(path: string): ResumableExtract | undefined {
    const read = this.reads.get(path);
    this.reads.delete(path);
    return read;
  }

  put(path: string, read: ResumableExtract): void {
    this.reads.delete(path);
    this.reads.set(path, read);
    let chars = 0;
    for (const r of this.reads.values()) chars += r.weight;
    for (const [key, r] of this.reads) {
      if (this.reads.size <= this.maxEntries && chars <= this.maxChars) break;
      if (key === path) continue;
      this.reads.delete(key);
      chars -= r.weight;
    }
  }

  delete(path: string): void {
    this.reads.delete(path);
  }

  get size(): number {
    return this.reads.size;
  }
}
