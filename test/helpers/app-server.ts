// Spawns the real `threadstate app-server` and talks to it over its stdio, one JSON line at a time.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const NODE_BIN = process.execPath;
export const CLI = `${REPO_ROOT}bin/threadstate.mjs`;

export type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A child process that speaks newline-delimited JSON-RPC on its stdio (threadstate or real Codex). */
export class JsonRpcProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stdoutLines: string[] = [];
  stderr = '';
  private readonly waiters: Array<{ match: (m: Json) => boolean; resolve: (m: Json) => void }> = [];
  readonly messages: Json[] = [];
  private nextId = 1;
  readonly exited: Promise<number | null>;

  constructor(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string = REPO_ROOT) {
    this.child = spawn(command, args, { cwd, env });
    let buffer = '';
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        this.stdoutLines.push(line);
        let msg: Json;
        try {
          msg = JSON.parse(line);
        } catch {
          continue; // the stdout-purity tests look at stdoutLines
        }
        this.messages.push(msg);
        const index = this.waiters.findIndex((w) => w.match(msg));
        if (index >= 0) this.waiters.splice(index, 1)[0].resolve(msg);
      }
    });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  sendRaw(line: string): void {
    this.child.stdin.write(line.endsWith('\n') ? line : `${line}\n`);
  }

  send(msg: Json): void {
    this.sendRaw(JSON.stringify(msg));
  }

  waitFor(match: (m: Json) => boolean, timeoutMs = 10000): Promise<Json> {
    const already = this.messages.find(match);
    if (already) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for a message; stderr:\n${this.stderr}`)), timeoutMs);
      this.waiters.push({ match, resolve: (m) => { clearTimeout(timer); resolve(m); } });
    });
  }

  /** Sends a request and resolves with the whole response message ({id, result} or {id, error}). */
  async request(method: string, params: Json = {}, id: string | number = this.nextId++): Promise<Json> {
    const msg: Json = { id, method };
    if (params !== undefined) msg.params = params;
    this.send(msg);
    return this.waitFor((m) => m.id === id && (m.result !== undefined || m.error !== undefined) && m.method === undefined);
  }

  /** Sends a request and returns its result, failing on an error answer. */
  async call(method: string, params: Json = {}): Promise<Json> {
    const response = await this.request(method, params);
    if (response.error) throw new Error(`${method} failed: ${JSON.stringify(response.error)}`);
    return response.result;
  }

  async initialize(capabilities: Json = undefined): Promise<Json> {
    const params: Json = { clientInfo: { name: 'threadstate_test', title: null, version: '1.0.0' } };
    if (capabilities !== undefined) params.capabilities = capabilities;
    const result = await this.call('initialize', params);
    this.send({ method: 'initialized' });
    return result;
  }

  notifications(method: string): Json[] {
    return this.messages.filter((m) => m.method === method && m.id === undefined);
  }

  /** Closes stdin and waits for the process to exit. */
  async close(): Promise<number | null> {
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

export class AppServerProcess extends JsonRpcProcess {
  constructor(codexHome: string, extraArgs: string[] = [], env: NodeJS.ProcessEnv = {}) {
    super(NODE_BIN, [CLI, 'app-server', '--codex-home', codexHome, ...extraArgs], { ...process.env, THREADSTATE_LOG: 'warn', ...env });
  }
}
