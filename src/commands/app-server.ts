import { writeFileSync, rmSync } from 'node:fs';
import { resolveCodexHome } from '../config.ts';
import { serveFrontOnStdio, listen } from '../front/serve.ts';
import { Upstream, parseUpstream } from '../front/upstream.ts';
import { resolveLogLevel } from '../logs-db/sink.ts';
import { INDEXING_MAX_DELAY_MS, serveStdio } from '../server/app-server.ts';
import { createServices } from '../server/services.ts';
import { formatAddress, parseAddress } from '../server/transports/listen-address.ts';
import { UsageError } from '../errors.ts';
import { CODEX_HOME_FLAG, flagSet, flagValue, type Command, type ParsedFlags } from './command.ts';

/** Reads a token from the environment variable a flag names; a named but empty variable is a usage error. */
function tokenFromEnv(flags: ParsedFlags, flag: string): string | null {
  const name = flagValue(flags, flag);
  if (name === undefined) return null;
  const value = process.env[name];
  if (!value) throw new UsageError(`--${flag} ${name}: the environment variable is not set or empty`);
  return value;
}

/** Resolves on SIGTERM or SIGINT. */
function untilStopped(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string): void => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      resolve(signal);
    };
    const onTerm = (): void => stop('SIGTERM');
    const onInt = (): void => stop('SIGINT');
    process.once('SIGTERM', onTerm);
    process.once('SIGINT', onInt);
  });
}

export const appServerCommand: Command = {
  name: 'app-server',
  summary: 'serve the Codex app-server JSON-RPC protocol (stdio, unix socket or WebSocket)',
  flags: [
    CODEX_HOME_FLAG,
    { name: 'listen', value: 'ADDRESS', description: 'stdio:// (default), unix://PATH (unix:// alone: the Codex control socket in the home) or ws://127.0.0.1:PORT' },
    { name: 'upstream', value: 'COMMAND|ADDRESS', description: "a Codex app-server for everything threadstate does not answer: a command threadstate starts and stops ('codex app-server'), or unix://PATH, ws://HOST:PORT" },
    { name: 'auth-token-env', value: 'VAR', description: 'unix/ws: WebSocket clients must send Authorization: Bearer <value of VAR>' },
    { name: 'upstream-auth-token-env', value: 'VAR', description: 'bearer token sent to a ws:// upstream' },
    { name: 'allow-non-loopback', description: 'let ws:// listen on an address other than loopback' },
    { name: 'pid-file', value: 'PATH', description: 'write the process id here while serving (removed on exit)' },
    { name: 'no-index', description: 'answer from the rollout files only: do not open or build the SQLite index' },
    { name: 'log-level', value: 'LEVEL', description: 'stderr log level: trace, debug, info, warn, error (default: $THREADSTATE_LOG, else info)' },
  ],
  details:
    'stdio: one JSON-RPC message per line on stdin/stdout; exits with code 0 when stdin closes.\n' +
    'unix:// and ws://: WebSocket (HTTP upgrade, one JSON-RPC message per text frame) like Codex\'s\n' +
    'listeners, many connections at once; runs until SIGTERM/SIGINT and removes its socket on exit.\n' +
    'With --upstream, history reads come from the index and everything else from the Codex app-server\n' +
    "(the Codex TUI: codex --remote unix://PATH or ws://127.0.0.1:PORT). Logs go to stderr and to the\n" +
    'logs database in the home.',
  async run(flags) {
    const logLevel = resolveLogLevel(flagValue(flags, 'log-level'));
    const codexHome = resolveCodexHome(flagValue(flags, 'codex-home'));
    let address;
    let upstreamSpec;
    try {
      address = parseAddress(flagValue(flags, 'listen') ?? 'stdio://', codexHome);
      const upstreamText = flagValue(flags, 'upstream');
      upstreamSpec = upstreamText === undefined ? null : parseUpstream(upstreamText);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const authToken = tokenFromEnv(flags, 'auth-token-env');
    const upstreamToken = tokenFromEnv(flags, 'upstream-auth-token-env');
    if (authToken && address.kind === 'stdio') throw new UsageError('--auth-token-env applies to unix:// and ws:// listeners only');
    const services = await createServices(codexHome, { logLevel, useIndex: !flagSet(flags, 'no-index') });
    const upstream = upstreamSpec ? new Upstream(upstreamSpec, { codexHome, authToken: upstreamToken }) : null;
    const pidFile = flagValue(flags, 'pid-file');
    let wrotePid = false;
    // serveStdio starts the start-up indexing once its one client is quiet; the front and the
    // listeners serve many clients, so theirs starts a moment after start-up, after the first
    // requests are answered.
    const indexing = address.kind === 'stdio' && !upstream ? null : setTimeout(() => services.startIndexing(), INDEXING_MAX_DELAY_MS);
    try {
      if (address.kind === 'stdio') {
        if (upstream) await serveFrontOnStdio(services, upstream);
        else await serveStdio({ input: process.stdin, output: process.stdout, services });
        return 0;
      }
      const listener = await listen({ address, services, upstream, authToken, allowNonLoopback: flagSet(flags, 'allow-non-loopback') });
      if (pidFile) {
        writeFileSync(pidFile, `${process.pid}\n`);
        wrotePid = true;
      }
      process.stdout.write(`threadstate app-server listening on ${formatAddress(listener.address)}\n`);
      await untilStopped();
      await listener.close();
      return 0;
    } finally {
      clearTimeout(indexing ?? undefined);
      await upstream?.stop();
      if (pidFile && wrotePid) rmSync(pidFile, { force: true });
      await services.close();
    }
  },
};
