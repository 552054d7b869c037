// The composition root: everything a handler may call, built once per server process. The index
// opens (or is rebuilt) here and starts indexing in the background; the server answers at once.

import { accessSync, constants } from 'node:fs';
import { ensureDir, readDefaultModelProvider, readTopLevelConfigString } from '../config.ts';
import { errorMessage } from '../errors.ts';
import { logger, type Level } from '../logs/logger.ts';
import { startLogSink, type LogSinkHandle } from '../logs-db/sink.ts';
import { collectGarbageNow } from '../heap.ts';
import { openStateStore } from '../store/open.ts';
import type { StateStore } from '../store/store.ts';
import type { ThreadContext } from '../threads/context.ts';
import { LoadedThreads } from '../threads/loaded.ts';
import { Notifier } from './notifier.ts';

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
  /** Settles when the start-up backfill/reconcile has finished (or failed). */
  indexing: Promise<void>;
  close(): Promise<void>;
}

export interface ServiceOptions {
  logLevel?: Level;
  /** Write logs to the logs database (default true). */
  logStore?: boolean;
  /** Open the SQLite index (default true); without it every answer comes from the rollout files. */
  useIndex?: boolean;
  /** Start backfill/reconcile in the background (default true). */
  indexOnStart?: boolean;
}

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
      sink = startLogSink({ codexHome, level: options.logLevel });
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
  };
  const abort = new AbortController();
  let indexing: Promise<void> = Promise.resolve();
  if (store && !readOnly && options.indexOnStart !== false) {
    const started = Date.now();
    indexing = store.startBackgroundIndexing({ signal: abort.signal }).then(
      (result) => {
        collectGarbageNow();
        log.info('index is up to date with the rollouts', {
        backfill: result.backfill.outcome, reconcile: result.reconcile ? { ...result.reconcile } : null,
        memories: result.memories ? { ...result.memories } : null, elapsedMs: Date.now() - started,
        memoryMb: memoryFigures(),
        });
      },
      (err: unknown) => log.error('indexing failed; lists fall back to the rollout files', { error: errorMessage(err) }),
    );
  }
  return {
    codexHome,
    defaultModelProvider,
    notifier: new Notifier(),
    threads,
    indexing,
    close: async () => {
      abort.abort();
      await indexing;
      store?.close();
      sink?.close();
    },
  };
}
