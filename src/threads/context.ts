// What the thread services share: the home, the index (null when it could not be opened at all:
// then every answer comes from the files), the configured defaults and the loaded threads.

import type { StateStore } from '../store/store.ts';
import type { LoadedThreads } from './loaded.ts';

export interface ThreadContext {
  codexHome: string;
  defaultModelProvider: string;
  /** `model` from config.toml, else a placeholder: what a new thread reports as its model. */
  defaultModel: string;
  store: StateStore | null;
  loaded: LoadedThreads;
}
