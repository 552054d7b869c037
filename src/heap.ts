// Keeps V8's young generation small for the whole process.
//
// Indexing reads every rollout: a steady stream of short-lived line objects plus results that
// live until their batch is written. V8 doubles the young generation each time the bytes that
// survive a scavenge add up to its capacity, up to 2 x 64 MB of semi-spaces on Node 24, and never
// hands the pages back while allocation stays busy. On the 10k bench home that growth alone was
// ~65-125 MB of the backfill's RSS. `--max-semi-space-size` only works at start-up (we do not own
// the node command line), but the growth factor is read at every resize, so setting it to 1 at
// run time pins the semi-spaces at their initial size. Measured on the 10k home: peak RSS 235-249
// -> 138-152 MB, backfill time unchanged (more scavenges, but each is smaller).

import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

let applied = false;

/** Stops the young generation from growing (process-wide, idempotent). */
export function capYoungGeneration(): void {
  if (applied) return;
  applied = true;
  v8.setFlagsFromString('--semi-space-growth-factor=1');
}

/**
 * Caps the young generation (capYoungGeneration) at its smallest size: a memory-reducing collection
 * shrinks it to its minimum and, capped, it stays there. By the time a cold home is indexed, start-up
 * has grown it to 2 x 4 MB; at 2 x 1 MB phase 2 of indexing the 10k bench home peaked ~15 MB lower,
 * at the cost of one collection (~10-30 ms) and more, smaller scavenges. For bulk jobs that are not
 * on the way to a first answer: before phase 1 it made the home listable 0.4 s later.
 */
export function shrinkYoungGeneration(): void {
  capYoungGeneration();
  collectGarbageNow();
}

/** Current size of the young generation's new space in bytes (both semi-spaces). */
export function newSpaceBytes(): number {
  return v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

/**
 * Runs one full garbage collection, to hand back the memory a finished bulk job (start-up backfill
 * or reconcile of a large home) left behind. V8 schedules no major collection while the process
 * sits idle, so ~60 MB of garbage from a 100k-file reconcile would otherwise stay resident. The
 * collector is reached the way `--expose-gc` exposes it, without owning the node command line.
 * `regular`: a plain major collection, which keeps the heap's pages for the work that follows.
 */
export function collectGarbageNow(flavor: 'last-resort' | 'regular' = 'last-resort'): void {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as ((options?: Record<string, string>) => void) | undefined;
    gc?.({ type: 'major', execution: 'sync', flavor });
  } catch {
    // Best effort: memory is handed back later instead.
  }
}

/** Bytes in use in the old generation (the young one comes and goes with every scavenge). */
function oldGenerationBytes(): number {
  let used = 0;
  for (const space of v8.getHeapSpaceStatistics()) {
    if (space.space_name === 'old_space' || space.space_name === 'large_object_space') used += space.space_used_size;
  }
  return used;
}

/**
 * Bounds the garbage a bulk job leaves in the old generation: `check()` (called between units of
 * work) runs one major collection whenever the old generation in use has grown by `growthBytes`
 * since the last one. Whatever lives across a few scavenges (a big rollout's turn bookkeeping) is
 * promoted and then dies there; during phase 2 of indexing V8 let ~25 MB of it pile up before
 * collecting on the 10k bench home, and the pages it grew stay resident.
 */
export class HeapGrowthBound {
  private readonly growthBytes: number;
  private baseline: number;

  constructor(growthBytes: number) {
    this.growthBytes = growthBytes;
    this.baseline = oldGenerationBytes();
  }

  check(): void {
    if (oldGenerationBytes() < this.baseline + this.growthBytes) return;
    collectGarbageNow('regular');
    this.baseline = oldGenerationBytes();
  }
}
