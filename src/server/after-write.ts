// What the writer must know about an answer beyond its JSON: whether it may be big (then it is
// serialized a chunk at a time; other messages are one JSON.stringify, which is much cheaper for
// small ones), and resources that must live until it has been written, not just until its handler
// returned (the open rollouts its spilled strings are read back from). Both ride on the result
// under symbols, which JSON and vscode-jsonrpc ignore; the writer releases once the message is
// out (or failed).

import { SpillScope } from '../rollout/spilled-text.ts';

const RELEASE = Symbol('threadstate.releaseAfterWrite');
const STREAMED = Symbol('threadstate.streamed');
const VERIFY = Symbol('threadstate.verifyBeforeWrite');

type Releasable = { [RELEASE]?: () => void; [STREAMED]?: true; [VERIFY]?: () => void };

/** Marks `result` as a possibly big answer, serialized a chunk at a time. */
export function markStreamed<T extends object>(result: T): T {
  Object.defineProperty(result, STREAMED, { value: true, enumerable: false, configurable: true });
  return result;
}

/** The answer may be big (a history): serialize it a chunk at a time. */
export function isStreamed(result: unknown): boolean {
  return result !== null && typeof result === 'object' && (result as Releasable)[STREAMED] === true;
}

function releaseAfterWrite<T extends object>(result: T, release: () => void): T {
  Object.defineProperty(result, RELEASE, { value: release, enumerable: false, configurable: true });
  return result;
}

/** Runs the release function attached to `result`, if any (at most once). */
export function releaseWritten(result: unknown): void {
  if (result === null || typeof result !== 'object') return;
  const release = (result as Releasable)[RELEASE];
  if (!release) return;
  delete (result as Releasable)[RELEASE];
  release();
}

/** Throws (an RpcError) when the answer can no longer be written as it was built (spilled-text.ts). */
export function verifyBeforeWrite(result: unknown): void {
  if (result === null || typeof result !== 'object') return;
  (result as Releasable)[VERIFY]?.();
}

/**
 * Runs `build` (which answers with thread history) with a spill scope that stays open until the
 * answer has been written; the answer is serialized a chunk at a time.
 */
export async function withSpillScope<T extends object>(build: (scope: SpillScope) => Promise<T>): Promise<T> {
  const scope = new SpillScope();
  try {
    const result = markStreamed(await build(scope));
    if (!scope.used) {
      scope.close();
      return result;
    }
    Object.defineProperty(result, VERIFY, { value: () => scope.verify(), enumerable: false, configurable: true });
    return releaseAfterWrite(result, () => scope.close());
  } catch (err) {
    scope.close();
    throw err;
  }
}
