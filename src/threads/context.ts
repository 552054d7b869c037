// What the thread services share: the home, the index (null when it could not be opened at all:
// then every answer comes from the files), the configured defaults, the loaded threads, and the
// writer of Codex's own databases.

import type { CodexDbSync } from '../codex-db/sync.ts';
import type { StateStore } from '../store/store.ts';
import type { LoadedThreads } from './loaded.ts';

export interface ThreadContext {
  codexHome: string;
  defaultModelProvider: string;
  /** `model` from config.toml, else a placeholder: what a new thread reports as its model. */
  defaultModel: string;
  store: StateStore | null;
  loaded: LoadedThreads;
  /** Keeps Codex's own databases in step with each mutation; absent in tools that only read. */
  codexDb?: CodexDbSync | null;
}
