// Checkpoints a WAL database from a worker thread while a bulk load writes it (Database.bulkLoad).
//
// A checkpoint copies the WAL's pages into the database file and fsyncs it. Left to SQLite's
// automatic checkpoint, that runs inside whichever COMMIT crosses the threshold, on the one thread
// that also answers requests: during phase 2 of a cold index some commits took 55-150 ms, and every
// request that arrived meanwhile waited for them. A PASSIVE checkpoint on a second connection runs
// alongside the writer (WAL mode lets a checkpointer and a writer work at once) and takes none of
// the main thread's time; the writer restarts the WAL from its start once everything is copied.
// A writer that commits often can keep a checkpoint from ever catching up, so the WAL would grow
// for the whole load: the writer calls catchUp() between transactions once the WAL is big, which
// waits (answering requests meanwhile, writing nothing) for one checkpoint of everything.

import { logger } from '../logs/logger.ts';

const log = logger('sqlite.background-checkpoint');

/** How often the worker checkpoints while the bulk load runs. */
export const CHECKPOINT_INTERVAL_MS = 100;

// Plain JavaScript run with `eval`, so the worker loads no module of ours (each would be compiled
// again in its isolate) and starts in a few milliseconds with a small heap.
const WORKER_SOURCE = `
const { DatabaseSync } = process.getBuiltinModule('node:sqlite');
const { parentPort, workerData } = process.getBuiltinModule('node:worker_threads');
const db = new DatabaseSync(workerData.path);
let timer = null;
const checkpoint = () => {
  try {
    db.exec('PRAGMA wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or locked: the next round (or the writer's final checkpoint) catches up.
  }
};
const round = () => {
  checkpoint();
  timer = setTimeout(round, workerData.intervalMs);
};
parentPort.on('message', (message) => {
  if (message === 'catch-up') {
    checkpoint();
    parentPort.postMessage('caught-up');
    return;
  }
  clearTimeout(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
round();
`;

export interface BackgroundCheckpointer {
  /** Resolves once the worker has checkpointed every frame committed so far (or has failed). */
  catchUp(): Promise<void>;
  /** Runs a last checkpoint and ends the worker; resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * Starts checkpointing `path` every `intervalMs` on a worker thread. `onFailure` is called (once) if
 * the worker cannot run, so the caller can fall back to SQLite's automatic checkpoints.
 */
export function startBackgroundCheckpoints(path: string, onFailure: (err: unknown) => void, intervalMs = CHECKPOINT_INTERVAL_MS): BackgroundCheckpointer {
  let failed = false;
  // Loaded here, not at import: the start path has no use for it (CONTRIBUTING.md).
  const { Worker } = process.getBuiltinModule('node:worker_threads');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { path, intervalMs },
    // It holds nothing but a connection: keep its heap (and so the process's RSS) small.
    resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 1 },
    stdout: false,
    stderr: false,
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const waiting: Array<() => void> = [];
  worker.on('message', () => {
    for (const wake of waiting.splice(0)) wake();
  });
  void exited.then(() => {
    for (const wake of waiting.splice(0)) wake();
  });
  worker.once('error', (err) => {
    if (failed) return;
    failed = true;
    log.warn('background checkpoints failed; falling back to checkpoints on commit', { path, error: String(err) });
    onFailure(err);
  });
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  return {
    catchUp() {
      if (gone || failed) return Promise.resolve();
      return new Promise<void>((resolve) => {
        waiting.push(resolve);
        worker.postMessage('catch-up');
      });
    },
    async stop() {
      worker.postMessage('stop');
      await exited;
    },
  };
}
