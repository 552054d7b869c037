// A fresh Codex home per test for suites that open a store on it: a temp root holding `codex-home/`
// with the given folders, stderr raised to `level` for the suite (the warnings its bad input is
// expected to log stay off the report), and the store a test opened closed after it.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { raiseStderrLevel, type Level } from '../../src/logs/logger.ts';
import type { StateStore } from '../../src/store/store.ts';
import { makeTempDir, removeDir } from './home.ts';

export interface StoreHome {
  root: string;
  home: string;
  /** Set by the test that opens one; closed after each test. */
  store: StateStore | null;
}

/** Registers the mocha hooks in the calling `describe`; the fields are fresh in each test. */
export function useStoreHome(prefix: string, folders: string[], level: Level): StoreHome {
  const t: StoreHome = { root: '', home: '', store: null };
  let restoreStderr = (): void => {};
  before(() => { restoreStderr = raiseStderrLevel(level); });
  after(() => restoreStderr());
  beforeEach(() => {
    t.root = makeTempDir(prefix);
    t.home = join(t.root, 'codex-home');
    for (const folder of folders) mkdirSync(join(t.home, folder), { recursive: true });
  });
  afterEach(() => {
    t.store?.close();
    t.store = null;
    removeDir(t.root);
  });
  return t;
}
