// Waiting in tests: a pause, a bound on how long a promise may take, and polling until something
// holds.

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `promise`, or a failure naming `what` when it takes longer than `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, sleep(ms).then(() => { throw new Error(`${what}: no answer within ${ms} ms`); })]);
}

/** Polls `test` every 100 ms (or `everyMs`) until it holds; fails naming `what` after `timeoutMs`. */
export async function waitUntil(test: () => boolean, what: string, timeoutMs = 10000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}
