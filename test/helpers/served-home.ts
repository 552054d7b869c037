// The set-up most process tests share, as one call inside a `describe`: a Codex home in a temp dir
// of its own (a copy of a fixture home, or empty) and the threadstate servers a test starts on it
// (stdio, or listeners), optionally on a tmpfs of its own; after each test (or after the suite) the
// servers are stopped and the temp dir removed.

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AppServerProcess, type Json } from './app-server.ts';
import { copyFixtureHome, makeTempDir, removeDir, type FixtureEra } from './home.ts';
import { ListenerProcess } from './listener-process.ts';
import { tmpfsSuite } from './tmpfs.ts';
import type { Target } from './ws-client.ts';

export interface HomeOptions {
  /** A copy of this fixture home (the default, 0.169), or an empty home. */
  from?: FixtureEra | 'empty';
  /** A fresh home for every test; by default one home serves the whole describe. */
  each?: boolean;
  /** The home on a tmpfs of this many KiB of its own (the describe is skipped where mounting is not allowed). */
  tmpfsKb?: number;
}

export interface ServedHome {
  readonly home: string;
  /** The temp dir that holds the home, for the test's other files; removed with it. */
  readonly root: string;
  /** The server last started. */
  readonly server: AppServerProcess;
  /** Starts `threadstate app-server` with these flags on the home (or on `options.home`). */
  start(args?: string[], options?: StartOptions): AppServerProcess;
  /** Starts it and completes the handshake. */
  ready(args?: string[], options?: StartOptions): Promise<AppServerProcess>;
  /** Starts `threadstate app-server --listen …` (`args` hold the address), stopped with SIGTERM after. */
  listen(args: string[], options?: StartOptions): Promise<{ server: ListenerProcess; target: Target }>;
}

export interface StartOptions {
  /** Another home (one the test made under `root`). */
  home?: string;
  /** The `capabilities` of `initialize`. */
  capabilities?: Json;
  /** More environment for the server. */
  env?: NodeJS.ProcessEnv;
}

export function servedHome(options: HomeOptions = {}): ServedHome {
  const from = options.from ?? 'codex-0.169.0';
  let home = '';
  const servers: AppServerProcess[] = [];
  const listeners: ListenerProcess[] = [];
  const [setUpHook, tearDownHook] = options.each ? [beforeEach, afterEach] : [before, after];
  // Servers go first: then the disk they hold files open on (the tmpfs suite's own hooks run after).
  tearDownHook(async () => {
    for (const server of servers.splice(0)) server.kill();
    await Promise.all(listeners.splice(0).map((listener) => listener.stop()));
    if (home !== '' && !disk) removeDir(join(home, '..'));
  });
  const disk = options.tmpfsKb === undefined ? null : tmpfsSuite(options.tmpfsKb, makeTempDir, removeDir);
  setUpHook(() => {
    if (disk && !existsSync(disk.root())) return; // no tmpfs here: the describe is skipped
    home = join(disk ? disk.root() : makeTempDir(), 'codex-home');
    if (from === 'empty') mkdirSync(home);
    else copyFixtureHome(from, home);
  });
  const served: ServedHome = {
    get home() {
      return home;
    },
    get root() {
      return join(home, '..');
    },
    get server() {
      const last = servers.at(-1);
      if (!last) throw new Error('no server started yet');
      return last;
    },
    start(args = [], options = {}) {
      const server = new AppServerProcess(options.home ?? home, args, options.env);
      servers.push(server);
      return server;
    },
    async ready(args = [], options = {}) {
      const server = served.start(args, options);
      await server.initialize(options.capabilities);
      return server;
    },
    async listen(args, options = {}) {
      const started = await ListenerProcess.start(options.home ?? home, args, options.env);
      listeners.push(started.server);
      return started;
    },
  };
  return served;
}

/** A temp dir for each test of the enclosing describe (or one for the suite), removed after it: `scratch.path`. */
export function scratchDir(prefix: string, options: { each?: boolean } = { each: true }): { readonly path: string } {
  let path = '';
  const [setUpHook, tearDownHook] = options.each ? [beforeEach, afterEach] : [before, after];
  setUpHook(() => {
    path = makeTempDir(prefix);
  });
  tearDownHook(() => {
    if (path !== '') removeDir(path);
  });
  return {
    get path() {
      return path;
    },
  };
}
