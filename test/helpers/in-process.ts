// The app-server without a process: the real services over a real home and SQLite index, the real
// handler table and dispatcher, answers serialized as the writer would send them and checked against
// the method's result schema. For fast tests of dispatch and the thread services; app-server.ts
// spawns the real binary instead (transport, CLI, stdout purity).

import rpc from 'vscode-jsonrpc/node.js';
import { isMethodName, type NotificationName } from '../../src/protocol/methods.ts';
import { validateNotification, validateResult } from '../../src/protocol/validate.ts';
import { Dispatcher } from '../../src/server/dispatch.ts';
import { handlers } from '../../src/server/handlers/index.ts';
import { createServices, type Services } from '../../src/server/services.ts';
import { Session } from '../../src/server/session.ts';
import type { Json } from './app-server.ts';

export interface Answer {
  result?: Json;
  error?: { code: number; message: string; data?: unknown };
}

export interface Notification {
  method: string;
  params: Json;
}

/** One client connection: its own session and the notifications routed to it. */
export class InProcessConnection {
  readonly session: Session;
  readonly notifications: Notification[] = [];
  private readonly server: InProcessServer;

  constructor(server: InProcessServer, id: number) {
    this.server = server;
    this.session = new Session(id);
    server.services.notifier.add({
      session: this.session,
      send: (method, params) => {
        const checked = validateNotification(method as NotificationName, params);
        if (!checked.ok) throw new Error(`${method} notification does not match its schema: ${checked.message}`);
        this.notifications.push({ method, params: JSON.parse(JSON.stringify(params)) });
      },
    });
  }

  /** The whole answer: `{result}` or `{error}`, as a client would read it off the wire (`params` undefined: none sent). */
  async request(method: string, params: Json): Promise<Answer> {
    const { services } = this.server;
    let result: unknown;
    try {
      result = await this.server.dispatcher.dispatch(method, params, this.session, { notifier: services.notifier, services });
    } catch (err) {
      if (!(err instanceof rpc.ResponseError)) throw err;
      const error: NonNullable<Answer['error']> = { code: err.code, message: err.message };
      if (err.data !== undefined) error.data = err.data;
      return { error };
    }
    let wire: Json;
    try {
      wire = JSON.parse(JSON.stringify(result));
    } finally {
      // As the writer does once the message is out: the answer's rollouts are closed.
      this.server.dispatcher.answers.written({ jsonrpc: '2.0', id: 0, result } as rpc.ResponseMessage);
    }
    if (isMethodName(method)) {
      const checked = validateResult(method, wire);
      if (!checked.ok) throw new Error(`${method} answer does not match its schema: ${checked.message}`);
    }
    return { result: wire };
  }

  /** The result, failing on an error answer. */
  async call(method: string, params: Json): Promise<Json> {
    const answer = await this.request(method, params);
    if (answer.error) throw new Error(`${method} failed: ${JSON.stringify(answer.error)}`);
    return answer.result;
  }

  async initialize(capabilities?: Json): Promise<Json> {
    const params: Json = { clientInfo: { name: 'threadstate_test', title: null, version: '1.0.0' } };
    if (capabilities !== undefined) params.capabilities = capabilities;
    return this.call('initialize', params);
  }

  /** The notifications of one method received so far. */
  received(method: string): Json[] {
    return this.notifications.filter((n) => n.method === method).map((n) => n.params);
  }
}

export class InProcessServer {
  readonly services: Services;
  readonly dispatcher = new Dispatcher(handlers);
  private sessions = 0;

  constructor(services: Services) {
    this.services = services;
  }

  /** A new connection, initialized unless told otherwise. */
  async connect(options: { initialize?: boolean; capabilities?: Json } = {}): Promise<InProcessConnection> {
    const connection = new InProcessConnection(this, ++this.sessions);
    if (options.initialize !== false) await connection.initialize(options.capabilities);
    return connection;
  }

  close(): Promise<void> {
    return this.services.close();
  }
}

/**
 * Serves `home` in this process once its start-up indexing has finished. `index: false` answers
 * from the rollout files alone (the server's `--no-index`). No logs database is opened.
 */
export async function serveInProcess(home: string, options: { index?: boolean } = {}): Promise<InProcessServer> {
  const services = await createServices(home, { logStore: false, useIndex: options.index !== false });
  services.startIndexing();
  await services.indexing();
  return new InProcessServer(services);
}

/** Lets the notifications that follow an answer go out (they run on the next turn of the event loop). */
export function afterAnswers(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
