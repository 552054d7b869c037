// Shared pieces of the tests that drive the real Codex TUI against the front: a fixture home the
// upstream Codex can run turns on offline, the front and the TUI started on it, and what the
// front's debug log says it answered.

import { appendFileSync, cpSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { codexBinary } from './codex.ts';
import { FIXTURES, copyFixtureHome, makeTempDir, removeDir, type FixtureEra } from './home.ts';
import { ListenerProcess } from './listener-process.ts';
import { ResponsesMock } from './responses-mock.ts';
import { TmuxSession } from './tmux.ts';

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `env K='v' …` for a tmux command line. */
export function shellEnv(vars: NodeJS.ProcessEnv): string {
  return Object.entries(vars).map(([k, v]) => `${k}=${shellQuote(String(v))}`).join(' ');
}

/** The fixture home's provider pointed at the mock; screens a fresh home shows once already seen. */
export function pointAtMock(home: string, mock: ResponsesMock): void {
  const configPath = join(home, 'config.toml');
  writeFileSync(configPath, readFileSync(configPath, 'utf8').replace('http://127.0.0.1:1/v1', `http://127.0.0.1:${mock.port}/v1`));
  appendFileSync(configPath, '\n[tui]\nscreen_reader_detection_done = true\n\n[notice.model_migrations]\n"gpt-5.5" = "gpt-6-sol"\n');
}

/** Copies another era's `sessions/` into `home`, with that fixture's recorded mtimes. */
export function addFixtureSessions(home: string, era: FixtureEra): void {
  cpSync(join(FIXTURES, era, 'home', 'sessions'), join(home, 'sessions'), { recursive: true });
  const mtimes = JSON.parse(readFileSync(join(FIXTURES, era, 'mtimes.json'), 'utf8')) as Record<string, string | number>;
  for (const [rel, value] of Object.entries(mtimes)) {
    if (rel.startsWith('sessions/')) utimesSync(join(home, rel), Number(value), Number(value));
  }
}

/** Log lines of the front saying it answered `method` from the index, successfully. */
export function servedFromIndex(stderr: string, method: string): number {
  return stderr.split('\n').filter((l) => l.includes('answered from the index') && l.includes(`"method":"${method}"`) && l.includes('"ok":true')).length;
}

/** Log lines of the front saying it forwarded `method` to the upstream Codex. */
export function forwardedUpstream(stderr: string, method: string): number {
  return stderr.split('\n').filter((l) => l.includes('forwarded upstream') && l.includes(`"method":"${method}"`)).length;
}

export interface TuiFront {
  mock: ResponsesMock;
  /** A copy of the 0.169 fixture home, its provider pointed at the mock. */
  home: string;
  /** The TUI's working directory, which also holds the front's socket. */
  dir: string;
  /** The front on `dir`/front.sock, in front of the real Codex, logging at debug level. */
  front: ListenerProcess;
  /** The TUI attached to the front with --remote. */
  tui: TmuxSession;
}

/** Starts all of a TuiFront; `prepare` changes the home before anything runs on it. */
export async function startTuiFront(name: string, prepare: (home: string) => void = () => undefined): Promise<TuiFront> {
  const mock = await ResponsesMock.start();
  const home = copyFixtureHome('codex-0.169.0');
  pointAtMock(home, mock);
  prepare(home);
  const dir = makeTempDir();
  const sock = join(dir, 'front.sock');
  const { server: front } = await ListenerProcess.start(home, ['--listen', `unix://${sock}`, '--upstream', `${codexBinary()} app-server`, '--log-level', 'debug'], { THREADSTATE_LOG: 'debug', ...mock.env() });
  const tui = startTui(name, dir, home, `--remote unix://${sock}`, mock.env());
  return { mock, home, dir, front, tui };
}

/** Stops whatever of a TuiFront was started, and removes its files. */
export async function stopTuiFront(run: Partial<TuiFront>): Promise<void> {
  run.tui?.kill();
  await run.front?.stop();
  await run.mock?.close();
  if (run.dir) removeDir(run.dir);
  if (run.home) removeDir(join(run.home, '..'));
}

/**
 * The real Codex TUI in tmux, in `dir`, as `codex <args>` on `home` with `env` (the mock's, a
 * token); the pane stays after it exits, so its last screen can be read.
 */
export function startTui(name: string, dir: string, home: string, args: string, env: NodeJS.ProcessEnv): TmuxSession {
  return TmuxSession.start(`${name}-${process.pid}`, `cd ${shellQuote(dir)} && env ${shellEnv({ CODEX_HOME: home, ...env })} ${shellQuote(codexBinary())} ${args}; sleep 600`);
}
