// A minimal JSON-RPC client over a child process's stdio (one JSON message per line), for the
// scripts that drive a server they spawned: answers are matched to requests by id and kept no
// longer (a bench sends tens of thousands of requests).

import type { ChildProcessWithoutNullStreams } from 'node:child_process';

export type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

export class RpcChild {
  readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, (m: Json) => void>();
  private nextId = 1;
  private readonly label: string;

  constructor(child: ChildProcessWithoutNullStreams, label: string) {
    this.child = child;
    this.label = label;
    let buffer = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const msg = JSON.parse(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
        const answer = msg.id !== undefined && msg.method === undefined ? this.pending.get(msg.id) : undefined;
        if (answer) {
          this.pending.delete(msg.id);
          answer(msg);
        }
      }
    });
  }

  /** The result of one request; an error answer throws. */
  async call(method: string, params: Json): Promise<Json> {
    const id = this.nextId++;
    const answer = new Promise<Json>((resolve) => this.pending.set(id, resolve));
    this.child.stdin.write(`${JSON.stringify({ id, method, params })}\n`);
    const msg = await answer;
    if (msg.error) throw new Error(`${this.label} ${method}: ${JSON.stringify(msg.error)}`);
    return msg.result;
  }
}
