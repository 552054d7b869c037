// After an unclean stop (the previous server killed or crashed: no clean mark, see
// src/sqlite/clean-mark.ts, and no other server running, see src/sqlite/servers.ts) the index may
// lack what that process did last: a rollout it created and was killed before indexing, a name
// appended to session_index.jsonl but not stored, a move not recorded. Rows are checked against
// their files on every page, but a file with no row is found only by the start-up reconcile. So
// until that reconcile has run, a list or search starts the start-up indexing at once (not after
// the quiet period) and waits for it, within a bound; after a clean stop nothing waits.

import { logger } from '../logs/logger.ts';

const log = logger('server.unclean-start');

/** How long the first answers after an unclean stop wait for the start-up reconcile at most. */
export const UNCLEAN_START_WAIT_MS = 10_000;

export interface UncleanStartGate {
  /** Resolves once the reconcile has run, or the bound has passed (counted from the first call). */
  wait(): Promise<void>;
  /** The reconcile has run (or will not run): later calls return at once. */
  open(): void;
}

export function uncleanStartGate(startIndexing: () => void, boundMs = UNCLEAN_START_WAIT_MS): UncleanStartGate {
  let opened = false;
  let release: () => void = () => {};
  const reconciled = new Promise<void>((resolve) => { release = resolve; });
  let deadline: Promise<void> | null = null;
  return {
    async wait() {
      if (opened) return;
      if (!deadline) {
        log.info('the index was not closed cleanly: the first answers wait for the start-up reconcile');
        startIndexing();
        const started = Date.now();
        deadline = new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            if (!opened) log.warn('the start-up reconcile after an unclean stop is still running; answering from the index as it is', { waitedMs: Date.now() - started });
            opened = true;
            resolve();
          }, boundMs);
          timer.unref();
          void reconciled.then(() => clearTimeout(timer));
        });
      }
      await Promise.race([reconciled, deadline]);
    },
    open() {
      opened = true;
      release();
    },
  };
}
