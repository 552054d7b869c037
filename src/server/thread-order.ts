// Per-thread ordering for the methods whose table entry says `serialize: 'thread'`
// (src/protocol/methods.ts): two such requests on one thread run one at a time, in arrival order,
// across every connection of this process, so their appends, moves and index writes never
// interleave. Requests on other threads, and methods without the flag (the reads), never wait.

export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `fn` once every earlier call with the same key has settled. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys with work queued or running. */
  get size(): number {
    return this.tails.size;
  }
}

/** The process-wide order of thread mutations (shared by every connection's dispatcher). */
export const threadOrder = new KeyedQueue();
