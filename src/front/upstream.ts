// The Codex app-server behind the front: either a command threadstate starts, owns and stops
// (`codex app-server …`, told to listen on a private unix socket), or an existing server at
// unix://PATH or ws://HOST:PORT. Each client connection opens its own link; a dead command is
// started again by the next link. A started command runs under upstream-watchdog.ts, so it never
// outlives threadstate. Also tracks which threads the upstream has loaded.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { logger } from '../logs/logger.ts';
import { socketAnswers } from '../server/transports/unix-socket-path.ts';
import { UpstreamLink } from './upstream-link.ts';
import { LoadedUpstreamThreads } from './loaded-upstream.ts';

const log = logger('front.upstream');

const START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 3000;
const WATCHDOG = fileURLToPath(new URL('./upstream-watchdog.ts', import.meta.url));

export type UpstreamSpec =
  | { kind: 'command'; argv: string[] }
  | { kind: 'unix'; path: string }
  | { kind: 'ws'; url: string };

/** Splits a command line on spaces, honouring single and double quotes and backslash escapes. */
export function splitCommandLine(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) current += text[++i];
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      current += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} in upstream command '${text}'`);
  if (inWord) words.push(current);
  return words;
}

export function parseUpstream(text: string): UpstreamSpec {
  if (text.startsWith('unix://')) {
    const path = text.slice('unix://'.length);
    if (path === '') throw new Error('--upstream unix:// needs a socket path');
    return { kind: 'unix', path };
  }
  if (text.startsWith('ws://') || text.startsWith('wss://')) return { kind: 'ws', url: text };
  const argv = splitCommandLine(text);
  if (argv.length === 0) throw new Error('--upstream needs a command (codex app-server) or an address (unix://PATH, ws://HOST:PORT)');
  if (argv.some((a) => a === '--listen' || a.startsWith('--listen='))) {
    throw new Error('leave --listen out of the upstream command: threadstate gives it a private socket');
  }
  return { kind: 'command', argv };
}

export function describeUpstream(spec: UpstreamSpec): string {
  return spec.kind === 'command' ? `'${spec.argv.join(' ')}'` : spec.kind === 'unix' ? `unix://${spec.path}` : spec.url;
}

interface Running {
  child: ChildProcess;
  dir: string;
  socketPath: string;
  exited: Promise<void>;
}

export interface UpstreamOptions {
  /** The Codex home the command runs with (the one threadstate indexes). */
  codexHome: string;
  /** Bearer token sent to an existing ws:// server. */
  authToken?: string | null;
}

export class Upstream {
  readonly spec: UpstreamSpec;
  readonly loaded = new LoadedUpstreamThreads();
  private readonly options: UpstreamOptions;
  private running: Running | null = null;
  private starting: Promise<Running> | null = null;
  private lastExit = 'not started yet';
  private stderrTail: string[] = [];
  private stopped = false;

  constructor(spec: UpstreamSpec, options: UpstreamOptions) {
    this.spec = spec;
    this.options = options;
  }

  describe(): string {
    return describeUpstream(this.spec);
  }

  /** Opens a new link (starting the command first when it is not running). */
  async connect(): Promise<UpstreamLink> {
    if (this.stopped) throw new Error('threadstate is shutting down');
    if (this.spec.kind !== 'command') {
      return UpstreamLink.open(this.spec, { authToken: this.options.authToken, closeReason: () => `connection to ${this.describe()} closed` });
    }
    const running = await this.ensureRunning();
    return UpstreamLink.open({ kind: 'unix', path: running.socketPath }, { closeReason: () => this.exitReason() });
  }

  private exitReason(): string {
    if (this.running) return 'its connection closed';
    const tail = this.stderrTail.length > 0 ? `; last output: ${this.stderrTail.join(' | ')}` : '';
    return `${this.describe()} ${this.lastExit}${tail}`;
  }

  private ensureRunning(): Promise<Running> {
    if (this.running && this.running.child.exitCode === null && this.running.child.signalCode === null) return Promise.resolve(this.running);
    this.starting ??= this.start().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private async start(): Promise<Running> {
    if (this.spec.kind !== 'command') throw new Error('not a command upstream');
    const [program, ...args] = this.spec.argv;
    const dir = mkdtempSync(join(tmpdir(), 'threadstate-upstream-'));
    const socketPath = join(dir, 'codex.sock');
    this.stderrTail = [];
    // Through the watchdog (upstream-watchdog.ts): the command goes away with this process,
    // whatever signal ends it.
    const child = spawn(process.execPath, [WATCHDOG, String(STOP_GRACE_MS), program, ...args, '--listen', `unix://${socketPath}`], {
      env: { ...process.env, CODEX_HOME: this.options.codexHome },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    // Never written: only its closing matters (the watchdog's lifeline).
    child.stdin!.on('error', () => undefined);
    let spawnError: Error | null = null;
    let pid: number | undefined;
    const reports = createInterface({ input: child.stdout! });
    reports.on('line', (line) => {
      const [kind, code, ...message] = line.split(' ');
      if (kind === 'pid') pid = Number(code);
      else if (kind === 'error') spawnError = this.startError(program, code, message.join(' '));
    });
    const exited = new Promise<void>((resolve) => {
      child.once('error', (err) => {
        spawnError = new Error(`could not start ${this.describe()}: ${err.message}`);
        this.lastExit = `could not start: ${err.message}`;
        resolve();
      });
      // 'close', not 'exit': the watchdog's report of a failed start is read by then.
      child.once('close', (code, signal) => {
        if (spawnError) this.lastExit = `could not start: ${spawnError.message}`;
        else this.lastExit = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        if (this.stopped) log.info('the upstream Codex app-server stopped', { command: this.describe(), code, signal });
        else if (!spawnError) log.warn('the upstream Codex app-server stopped', { command: this.describe(), code, signal, stderr: this.stderrTail });
        resolve();
      });
    });
    void exited.then(() => {
      if (this.running?.child === child) this.running = null;
      this.loaded.clear();
      rmSync(dir, { recursive: true, force: true });
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        log.debug('upstream stderr', { line: line.slice(0, 500) });
        this.stderrTail.push(line.slice(0, 300));
        if (this.stderrTail.length > 3) this.stderrTail.shift();
      }
    });
    const running: Running = { child, dir, socketPath, exited };
    const deadline = Date.now() + START_TIMEOUT_MS;
    let gone = false;
    void exited.then(() => { gone = true; });
    while (!(await socketAnswers(socketPath, 500))) {
      if (gone) throw spawnError ?? new Error(`${this.describe()} ${this.lastExit} before it listened${this.stderrTail.length ? `: ${this.stderrTail.join(' | ')}` : ''}`);
      if (Date.now() > deadline) {
        child.kill('SIGTERM');
        throw new Error(`${this.describe()} did not listen within ${START_TIMEOUT_MS / 1000} s`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    log.info('started the upstream Codex app-server', { command: this.describe(), pid, socket: socketPath });
    this.running = running;
    return running;
  }

  private startError(program: string, code: string, message: string): Error {
    return code === 'ENOENT'
      ? new Error(`Codex is not installed: '${program}' was not found (install the Codex CLI, e.g. npm install -g @openai/codex@0.169.0, or point --upstream at it)`)
      : new Error(`could not start ${this.describe()}: ${message}`);
  }

  /** Stops the command threadstate started (SIGTERM, then SIGKILL after a grace period: the watchdog does both). */
  async stop(): Promise<void> {
    this.stopped = true;
    const running = this.running ?? (this.starting ? await this.starting.catch(() => null) : null);
    if (!running) return;
    running.child.kill('SIGTERM');
    // The watchdog itself stuck: it goes, and its lifeline closing is all the command is told.
    const timer = setTimeout(() => running.child.kill('SIGKILL'), STOP_GRACE_MS + 2000);
    await running.exited;
    clearTimeout(timer);
  }
}
