// `threadstate daemon start|stop|status`: the front as a background server on Codex's control
// socket ($CODEX_HOME/app-server-control/app-server-control.sock), where plain `codex` looks for a
// running app-server, so the Codex TUI uses threadstate without flags. A socket a live server
// (Codex's own daemon, or another threadstate) answers on is never taken over.

import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { resolveCodexHome } from '../config.ts';
import { errorMessage } from '../errors.ts';
import { UpstreamLink } from '../front/upstream-link.ts';
import { controlSocketPath } from '../server/transports/listen-address.ts';
import { socketAnswers } from '../server/transports/unix-socket-path.ts';
import { isProcessAlive } from '../sqlite/servers.ts';
import { VERSION } from '../version.ts';
import { ACTION, CODEX_HOME_FLAG, flagSet, flagValue, type Command } from './command.ts';

const DEFAULT_UPSTREAM = 'codex app-server';
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

interface DaemonPaths {
  socket: string;
  pidFile: string;
  logFile: string;
}

function daemonPaths(codexHome: string): DaemonPaths {
  const socket = controlSocketPath(codexHome);
  const dir = dirname(socket);
  return { socket, pidFile: join(dir, 'threadstate-daemon.pid'), logFile: join(dir, 'threadstate-daemon.log') };
}

function readPid(pidFile: string): number | null {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function logTail(logFile: string): string {
  try {
    return readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n');
  } catch {
    return '';
  }
}

async function start(codexHome: string, paths: DaemonPaths, upstream: string | null, logLevel: string | undefined): Promise<number> {
  const running = readPid(paths.pidFile);
  if (await socketAnswers(paths.socket)) {
    if (running !== null && isProcessAlive(running)) {
      process.stdout.write(`threadstate daemon already running (pid ${running}) on unix://${paths.socket}\n`);
      return 0;
    }
    process.stderr.write(`threadstate daemon: another server (probably Codex's own app-server daemon) is listening on ${paths.socket}; refusing to take it over. Stop it first (codex app-server daemon stop, or end that process).\n`);
    return 1;
  }
  mkdirSync(dirname(paths.socket), { recursive: true, mode: 0o700 });
  const log = openSync(paths.logFile, 'a');
  const args = [process.argv[1], 'app-server', '--codex-home', codexHome, '--listen', `unix://${paths.socket}`, '--pid-file', paths.pidFile];
  if (upstream !== null) args.push('--upstream', upstream);
  if (logLevel) args.push('--log-level', logLevel);
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  let exitCode: number | null = null;
  child.once('exit', (code) => { exitCode = code ?? 1; });
  child.unref();
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await socketAnswers(paths.socket)) || readPid(paths.pidFile) !== child.pid) {
    if (exitCode !== null || Date.now() > deadline) {
      if (exitCode === null) child.kill('SIGTERM');
      process.stderr.write(`threadstate daemon: the server did not start (see ${paths.logFile}):\n${logTail(paths.logFile)}\n`);
      return 1;
    }
    await sleep(50);
  }
  process.stdout.write(`threadstate daemon running (pid ${child.pid}) on unix://${paths.socket}; upstream: ${upstream ?? 'none (history only)'}; log: ${paths.logFile}\n`);
  return 0;
}

async function stop(paths: DaemonPaths): Promise<number> {
  const pid = readPid(paths.pidFile);
  if (pid === null || !isProcessAlive(pid)) {
    process.stdout.write('threadstate daemon is not running\n');
    return 0;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isProcessAlive(pid)) {
    if (Date.now() > deadline) {
      process.stderr.write(`threadstate daemon: pid ${pid} did not stop within ${STOP_TIMEOUT_MS / 1000} s\n`);
      return 1;
    }
    await sleep(50);
  }
  process.stdout.write(`threadstate daemon stopped (pid ${pid})${existsSync(paths.socket) ? `; ${paths.socket} is still there` : ''}\n`);
  return 0;
}

async function status(paths: DaemonPaths): Promise<number> {
  const pid = readPid(paths.pidFile);
  const ours = pid !== null && isProcessAlive(pid);
  const listening = await socketAnswers(paths.socket);
  const report: Record<string, unknown> = { status: ours && listening ? 'running' : 'stopped', pid: ours ? pid : null, socketPath: paths.socket, threadstateVersion: VERSION };
  if (!ours && listening) report.status = 'foreign';
  if (listening) {
    try {
      const link = await UpstreamLink.open({ kind: 'unix', path: paths.socket }, { closeReason: () => 'closed' });
      const init = await link.request({ method: 'initialize', params: { clientInfo: { name: 'threadstate_daemon', title: 'threadstate daemon status', version: VERSION } } });
      link.close();
      report.userAgent = (init.result as { userAgent?: string } | undefined)?.userAgent ?? null;
    } catch (err) {
      report.error = errorMessage(err);
    }
  }
  process.stdout.write(`${JSON.stringify(report)}\n`);
  return report.status === 'running' ? 0 : 3;
}

export const daemonCommand: Command = {
  name: 'daemon',
  summary: "run the Codex front in the background on Codex's control socket (plain `codex` then uses it)",
  actions: ['start', 'stop', 'status'],
  flags: [
    CODEX_HOME_FLAG,
    { name: 'upstream', value: 'COMMAND|ADDRESS', description: `the Codex app-server behind the front (default: '${DEFAULT_UPSTREAM}')` },
    { name: 'no-upstream', description: 'threadstate alone, no Codex behind it (editors that only read history; the Codex TUI needs an upstream)' },
    { name: 'log-level', value: 'LEVEL', description: "the server's log level (its log: app-server-control/threadstate-daemon.log)" },
  ],
  details:
    'start: listens on $CODEX_HOME/app-server-control/app-server-control.sock and returns once it answers;\n' +
    'refuses when another server (e.g. Codex\'s own daemon) holds that socket. stop: SIGTERM, waits, and the\n' +
    'server removes its socket. status: prints one JSON line; exit code 0 when running, 3 otherwise.',
  async run(flags) {
    const codexHome = resolveCodexHome(flagValue(flags, 'codex-home'));
    const paths = daemonPaths(codexHome);
    const action = flagValue(flags, ACTION);
    if (action === 'stop') return stop(paths);
    if (action === 'status') return status(paths);
    const upstream = flagSet(flags, 'no-upstream') ? null : flagValue(flags, 'upstream') ?? DEFAULT_UPSTREAM;
    return start(codexHome, paths, upstream, flagValue(flags, 'log-level'));
  },
};
