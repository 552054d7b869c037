// The composition root: everything a handler may call, built once per server process. The index
// opens (or is rebuilt) here; indexing starts in the background when the server asks for it
// (app-server.ts: once the client's first requests are answered), so it never delays them.

import { accessSync, constants } from 'node:fs';
import { CodexDbSync } from '../codex-db/sync.ts';
import { ensureDir, readDefaultModelProvider, readTopLevelConfigString } from '../config.ts';
import { errorMessage } from '../errors.ts';
import { logger, type Level } from '../logs/logger.ts';
import { startLogSink, type LogSinkHandle } from '../logs-db/sink.ts';
import { collectGarbageNow } from '../heap.ts';
import { announceServer } from '../sqlite/servers.ts';
import { openStateStore } from '../store/open.ts';
import type { StateStore } from '../store/store.ts';
import type { ThreadContext } from '../threads/context.ts';
import { LoadedThreads } from '../threads/loaded.ts';
import type { LiveIndex, LiveIndexOptions } from '../indexing/live-index.ts';
import { liveOptionsFromEnv, watchesEnabled } from '../indexing/live-index.ts';
import { indexChangeForwarder } from './index-changes.ts';
import { Notifier } from './notifier.ts';
import { uncleanStartGate } from './unclean-start.ts';

const log = logger('server.services');

/** What a new thread reports as its model when neither the client nor config.toml names one. */
const FALLBACK_MODEL = 'gpt-5';

/** Process memory in MB, for the log line that closes start-up indexing. */
function memoryFigures(): Record<string, number> {
  const m = process.memoryUsage();
  const mb = (n: number) => Math.round(n / 1048576);
  return { rss: mb(m.rss), heapUsed: mb(m.heapUsed), heapTotal: mb(m.heapTotal), external: mb(m.external + m.arrayBuffers) };
}

export interface Services {
  codexHome: string;
  /** `model_provider` from config.toml (else `openai`): the default `thread/list` provider filter. */
  defaultModelProvider: string;
  notifier: Notifier;
  threads: ThreadContext;
  /** Starts following the home and the background backfill/reconcile (once; later calls do nothing). */
  startIndexing(): void;
  /** Settles when the start-up indexing has finished (or failed); at once when it never started. */
  indexing(): Promise<void>;
  /** Follows the home while serving; null without an index. */
  live: LiveIndex | null;
  close(): Promise<void>;
}

export interface ServiceOptions {
  logLevel?: Level;
  /** Write logs to the logs database (default true). */
  logStore?: boolean;
  /** Open the SQLite index (default true); without it every answer comes from the rollout files. */
  useIndex?: boolean;
  /** Allow backfill/reconcile in the background (default true). */
  indexOnStart?: boolean;
  /** Follow changes of the home while serving (default true, with the index). */
  live?: boolean;
  /** Kernel file watches for that (default true; false: periodic checks only). */
  watch?: boolean;
  liveOptions?: LiveIndexOptions;
}

/**
 * The full collection that hands back a big indexing run's garbage waits this long after the run,
 * so it never lands on a request that follows start-up (it blocks for ~100 ms on a large home).
 */
const GC_AFTER_INDEXING_MS = 3000;

/**
 * The logs database opens when start-up indexing begins (once the first requests are answered), or
 * this long after start, whichever is first; records logged before wait in the sink's queue.
 */
const LOGS_DB_OPEN_DELAY_MS = 500;

/** False when nothing can be created in the home (a read-only mount, no write permission). */
function homeWritable(codexHome: string): boolean {
  try {
    accessSync(codexHome, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function openStore(codexHome: string, readOnly: boolean): StateStore | null {
  try {
    const store = openStateStore(codexHome, { readOnly });
    if (readOnly) log.warn('the Codex home is read-only: answering from the existing index opened read-only; writes will fail', { codexHome });
    if (store.info.recoveredFrom) log.warn('the index was unreadable and has been moved aside; rebuilding from the rollouts', { movedTo: store.info.recoveredFrom });
    if (store.info.newerSchema) log.warn('the index was migrated by a newer threadstate; using the tables this version knows', { schemaVersion: store.info.schemaVersion });
    return store;
  } catch (err) {
    log.error('could not open the index; answering from the rollout files only', { error: errorMessage(err) });
    return null;
  }
}

export async function createServices(codexHome: string, options: ServiceOptions = {}): Promise<Services> {
  ensureDir(codexHome);
  let sink: LogSinkHandle | null = null;
  if (options.logStore !== false) {
    try {
      sink = startLogSink({ codexHome, level: options.logLevel, openDelayMs: LOGS_DB_OPEN_DELAY_MS });
    } catch (err) {
      log.warn('logs database unavailable; logging to stderr only', { error: errorMessage(err) });
    }
  }
  const readOnly = !homeWritable(codexHome);
  const store = options.useIndex === false ? null : openStore(codexHome, readOnly);
  const defaultModelProvider = readDefaultModelProvider(codexHome);
  const threads: ThreadContext = {
    codexHome,
    defaultModelProvider,
    defaultModel: readTopLevelConfigString(codexHome, 'model') ?? FALLBACK_MODEL,
    store,
    loaded: new LoadedThreads(),
    codexDb: new CodexDbSync(codexHome),
  };
  const notifier = new Notifier();
  const presence = store && !readOnly ? announceServer(store.db.path) : null;
  // No clean mark and no sign that another server (following the home) is all that kept it away:
  // lists and searches wait (bounded) for the start-up reconcile (unclean-start.ts). A home whose
  // backfill is incomplete needs no wait: its lists merge the files in.
  const uncleanStop = store !== null && store.info.closedCleanly !== true && !(presence && presence.peersAlive > 0 && presence.diedUncleanly === 0);
  const gate = store && !readOnly && options.indexOnStart !== false && uncleanStop && store.isComplete()
    ? uncleanStartGate(() => startIndexing())
    : null;
  let live: LiveIndex | null = null;
  let startupDone: () => void = () => {};
  if (store && options.live !== false) {
    live = store.followHome({ ...liveOptionsFromEnv(), ...options.liveOptions, watch: options.watch ?? options.liveOptions?.watch ?? watchesEnabled(undefined) });
    live.onChanges(indexChangeForwarder(notifier));
    // What changes from here on is news to this server's clients. Following itself (a readdir and
    // a watch per folder: ~100 ms at 100k threads) starts with the start-up indexing, after the
    // first answers; its first look hints what changed since this baseline. Until then lists
    // check each row against its file, as they do without a live index.
    live.baseline();
    const following = live;
    threads.settle = async () => {
      await gate?.wait();
      await following.settle();
    };
    threads.refresh = (paths) => following.refresh(paths);
  } else if (gate) {
    threads.settle = () => gate.wait();
  }
  const abort = new AbortController();
  let indexing: Promise<void> | null = null;
  let liveStarted = false;
  const startIndexing = (): void => {
    sink?.open();
    if (live && !liveStarted && !abort.signal.aborted) {
      liveStarted = true;
      // Following starts before the start-up indexing walks the home, so nothing that changes
      // meanwhile is missed; the changes are applied once that indexing has settled (at once when
      // there is none).
      live.start(options.indexOnStart === false ? Promise.resolve() : new Promise<void>((resolve) => { startupDone = resolve; }));
    }
    // A read-only home is served from its index as it is: nothing to write into it.
    if (indexing || !store || readOnly || options.indexOnStart === false || abort.signal.aborted) return;
    const started = Date.now();
    const elapsed = () => Date.now() - started;
    // CPU time alongside wall time: on a busy machine the wall time says little about the work.
    const cpuStart = process.cpuUsage();
    const cpuMs = () => {
      const u = process.cpuUsage(cpuStart);
      return Math.round((u.user + u.system) / 1000);
    };
    indexing = store.startBackgroundIndexing({
      signal: abort.signal,
      onListable: ({ backfill, reconcile }) => {
        gate?.open();
        // What the servers that died without closing wrote is indexed now.
        presence?.forgetDead();
        log.info('every thread is listable from the index (phase 1 of 2 done); reading turns and search text next', {
          backfill: backfill.outcome, reconcile: reconcile ? { ...reconcile } : null, detailsPending: store.detailsPending().threads, elapsedMs: elapsed(), cpuMs: cpuMs(),
        });
      },
    }).then(
      (result) => {
        // Only a run that read files leaves enough garbage to be worth a full collection.
        const work = (result.backfill.upserted ?? 0) + (result.reconcile?.indexed ?? 0) + (result.details?.indexed ?? 0);
        if (work > 0 || (result.reconcile?.files ?? 0) > 20_000) setTimeout(collectGarbageNow, GC_AFTER_INDEXING_MS).unref();
        log.info('index is up to date with the rollouts', {
          backfill: result.backfill.outcome, reconcile: result.reconcile ? { ...result.reconcile } : null,
          memories: result.memories ? { ...result.memories } : null, details: result.details ? { ...result.details } : null,
          elapsedMs: elapsed(), cpuMs: cpuMs(), memoryMb: memoryFigures(),
        });
      },
      (err: unknown) => log.error('indexing failed; lists fall back to the rollout files', { error: errorMessage(err) }),
    );
    void indexing.finally(() => {
      gate?.open();
      startupDone();
    });
  };
  return {
    codexHome,
    defaultModelProvider,
    notifier,
    threads,
    startIndexing,
    indexing: () => indexing ?? Promise.resolve(),
    live,
    close: async () => {
      abort.abort();
      gate?.open();
      startupDone();
      await live?.close();
      await indexing;
      store?.close();
      presence?.close();
      threads.codexDb?.close();
      sink?.close();
    },
  };
}
