// Serialises mutations of one thread inside this process, so two requests never interleave their
// appends, moves and index writes for the same thread.

const tails = new Map<string, Promise<unknown>>();

export async function withThreadLock<T>(threadId: string, fn: () => Promise<T>): Promise<T> {
  const previous = tails.get(threadId) ?? Promise.resolve();
  const run = previous.then(fn, fn);
  const tail = run.catch(() => undefined);
  tails.set(threadId, tail);
  try {
    return await run;
  } finally {
    if (tails.get(threadId) === tail) tails.delete(threadId);
  }
}
