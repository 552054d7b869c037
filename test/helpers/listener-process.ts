// Spawns `threadstate app-server --listen unix://… | ws://…` and waits for its "listening on" line.

import { spawn, type ChildProcess } from 'node:child_process';
import { CLI, NODE_BIN, REPO_ROOT } from './app-server.ts';
import type { Target } from './ws-client.ts';

export class ListenerProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  private constructor(child: ChildProcess) {
    this.child = child;
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (c: string) => { this.stdout += c; });
    child.stderr!.on('data', (c: string) => { this.stderr += c; });
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  /** Starts the server; resolves once it listens (or rejects with its stderr if it exits first). */
  static async start(codexHome: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ server: ListenerProcess; target: Target }> {
    const child = spawn(NODE_BIN, [CLI, 'app-server', '--codex-home', codexHome, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, THREADSTATE_LOG: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new ListenerProcess(child);
    const deadline = Date.now() + 30000;
    for (;;) {
      const match = /listening on (\S+)/.exec(server.stdout);
      if (match) {
        const address = match[1];
        const target: Target = address.startsWith('unix://') ? { kind: 'unix', path: address.slice(7) } : { kind: 'ws', url: address };
        return { server, target };
      }
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${server.stderr}`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`server did not listen: ${server.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGTERM, then the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
