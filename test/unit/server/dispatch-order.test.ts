import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import rpc from 'vscode-jsonrpc/node.js';
import type { Message } from 'vscode-jsonrpc/node.js';
import { addLogSink, type LogRecord } from '../../../src/logs/logger.ts';
import { HeldAnswers, historyAnswer } from '../../../src/server/answer.ts';
import { Dispatcher } from '../../../src/server/dispatch.ts';
import { handlers } from '../../../src/server/handlers/index.ts';
import { LocalEndpoint } from '../../../src/server/local-endpoint.ts';
import type { Handlers } from '../../../src/server/handlers/types.ts';
import { Notifier } from '../../../src/server/notifier.ts';
import { createServices, type Services } from '../../../src/server/services.ts';
import { Session } from '../../../src/server/session.ts';
import { KeyedQueue } from '../../../src/server/thread-order.ts';
import { copyFixtureHome, makeTempDir, removeDir } from '../../helpers/home.ts';

const A = '01a2121e-e322-7aa0-ac65-d3d7e1327f4c';
const B = '01a2121e-e83b-7081-b133-76ea94c04633';
const UNKNOWN = '00000000-0000-7000-8000-000000000000';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('Dispatcher (in process, real services over a copy of the 0.169 fixture home)', () => {
  let home: string;
  let services: Services;

  before(async () => {
    home = copyFixtureHome('codex-0.169.0');
    services = await createServices(home, { logStore: false });
    services.startIndexing();
    await services.indexing();
  });
  after(async () => {
    await services.close();
    removeDir(join(home, '..'));
  });

  async function connect(table: Handlers = handlers, order = new KeyedQueue()) {
    const dispatcher = new Dispatcher(table, order);
    const session = new Session(1);
    const call = (method: string, params: unknown) => dispatcher.dispatch(method, params, session, { notifier: services.notifier, services });
    await call('initialize', { clientInfo: { name: 'dispatch-test', version: '1' }, capabilities: { experimentalApi: true } });
    return { dispatcher, call };
  }

  async function wireError(p: Promise<unknown>): Promise<{ code: number; message: string }> {
    try {
      await p;
    } catch (err) {
      assert.ok(err instanceof rpc.ResponseError, String(err));
      return { code: err.code, message: err.message };
    }
    assert.fail('expected an error answer');
  }

  it('runs serialize:"thread" methods one at a time per thread, in arrival order; other threads and reads do not wait', async () => {
    const events: string[] = [];
    const gate = deferred();
    const table: Handlers = {
      ...handlers,
      'thread/name/set': async (params, ctx) => {
        events.push(`name start ${params.name}`);
        if (params.name === 'first') await gate.promise;
        const result = await handlers['thread/name/set'](params, ctx);
        events.push(`name end ${params.name}`);
        return result;
      },
      'thread/metadata/update': async (params, ctx) => {
        events.push('metadata start');
        const result = await handlers['thread/metadata/update'](params, ctx);
        events.push('metadata end');
        return result;
      },
    };
    const { call } = await connect(table);
    const first = call('thread/name/set', { threadId: A, name: 'first' });
    await tick();
    // The same thread spelled differently (upper case, urn:uuid:) is the same queue.
    const second = call('thread/metadata/update', { threadId: `urn:uuid:${A.toUpperCase()}`, gitInfo: { branch: 'main' } });
    const other = call('thread/name/set', { threadId: B, name: 'other' });
    const read = call('thread/read', { threadId: A });
    await Promise.all([other, read]);
    await tick();
    assert.deepEqual(events, ['name start first', 'name start other', 'name end other'], 'B and the read ran while A was busy; A\'s second mutation waited');
    gate.resolve();
    await Promise.all([first, second]);
    assert.deepEqual(events.slice(3), ['name end first', 'metadata start', 'metadata end']);
    const readBack = (await call('thread/read', { threadId: A })) as { thread: { name: string | null; gitInfo: { branch: string | null } | null } };
    assert.equal(readBack.thread.name, 'first');
    assert.equal(readBack.thread.gitInfo?.branch, 'main');
  });

  it('a failed mutation does not stall the next one on its thread', async () => {
    const order = new KeyedQueue();
    const { call } = await connect(handlers, order);
    const failing = call('thread/name/set', { threadId: A, name: '   ' });
    const next = call('thread/name/set', { threadId: A, name: 'after failure' });
    assert.deepEqual(await wireError(failing), { code: -32600, message: 'thread name must not be empty' });
    assert.deepEqual(await next, {});
    assert.equal(order.size, 0, 'the queue forgets a thread once its work is done');
  });

  it('maps domain errors to Codex\'s codes and messages once, and unexpected errors to -32603 with the message only', async () => {
    const { call } = await connect({
      ...handlers,
      'thread/loaded/list': () => { throw new Error('disk on fire'); },
    });
    assert.deepEqual(await wireError(call('thread/read', { threadId: UNKNOWN })), { code: -32600, message: `thread not loaded: ${UNKNOWN}` });
    assert.deepEqual(await wireError(call('thread/archive', { threadId: UNKNOWN })), { code: -32600, message: `no rollout found for thread id ${UNKNOWN}` });
    assert.deepEqual(await wireError(call('thread/memory/read', { threadId: UNKNOWN })), { code: -32600, message: `thread not found: ${UNKNOWN}` });
    assert.deepEqual(await wireError(call('thread/read', { threadId: 'nope' })), {
      code: -32600, message: 'invalid thread id: invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `n` at 1',
    });
    assert.deepEqual(await wireError(call('thread/list', { originators: ['x'] })), { code: -32602, message: 'originator filtering is not supported by the local app-server' });
    const started = (await call('thread/start', {})) as { thread: { id: string } };
    assert.deepEqual(await wireError(call('thread/read', { threadId: started.thread.id, includeTurns: true })), { code: -32601, message: 'list_turns is not supported yet' });
    const logged: LogRecord[] = [];
    const detach = addLogSink({ minLevel: 'ERROR', write: (r) => logged.push(r) });
    try {
      assert.deepEqual(await wireError(call('thread/loaded/list', {})), { code: -32603, message: 'internal error while handling thread/loaded/list: disk on fire' });
    } finally {
      detach();
    }
    assert.equal(logged.length, 1, 'the unexpected error is logged, with its stack');
    assert.match(String(logged[0].fields?.stack), /disk on fire\n\s+at /);
    assert.deepEqual(await wireError(call('no/such/method', {})), {
      code: -32600, message: (await wireError(call('also/unknown', {}))).message.replace('also/unknown', 'no/such/method'),
    });
  });
});

describe('HeldAnswers', () => {
  let dir: string;
  before(() => { dir = makeTempDir(); });
  after(() => removeDir(dir));

  it('keeps a history answer\'s rollouts open until its message is reported written, then closes them once', async () => {
    const path = join(dir, 'rollout.jsonl');
    writeFileSync(path, '{"x":1}\n');
    let scopeOfBuild: { file(p: string): unknown } | null = null;
    const answer = await historyAnswer(async (spill) => {
      spill.file(path);
      scopeOfBuild = spill;
      return { thread: { id: 't' } };
    });
    const held = new HeldAnswers();
    const value = held.hold(answer);
    const message = { jsonrpc: '2.0', id: 7, result: value } as Message;
    assert.equal(held.chunked(message), true);
    assert.equal(held.chunked({ jsonrpc: '2.0', id: 8, result: { thread: { id: 't' } } } as Message), false, 'an equal but different value is not held');
    assert.doesNotThrow(() => scopeOfBuild!.file(path), 'open while the answer waits to be written');
    held.written(message);
    assert.throws(() => scopeOfBuild!.file(path), /closed/);
    assert.equal(held.chunked(message), false);
    held.written(message); // a second report is harmless
  });

  it('closes the scope at once when the build fails or spilled nothing', async () => {
    let scope: { used: boolean; file(p: string): unknown } | null = null;
    await assert.rejects(historyAnswer(async (spill) => { scope = spill; throw new Error('bad'); }), /bad/);
    assert.throws(() => scope!.file(join(dir, 'x')), /closed/);
    const answer = await historyAnswer(async (spill) => { scope = spill; return { ok: true }; });
    assert.throws(() => scope!.file(join(dir, 'x')), /closed/);
    assert.deepEqual(answer.value, { ok: true });
  });
});

describe('Notifier', () => {
  it('stamps each notification once, when emitted, with the same emittedAtMs for every connection', () => {
    const notifier = new Notifier();
    const got: Array<{ session: number; method: string; emittedAtMs: number }> = [];
    for (const id of [1, 2]) {
      const session = new Session(id);
      session.initialized = true;
      notifier.add({ session, send: (method, _params, emittedAtMs) => got.push({ session: id, method, emittedAtMs }) });
    }
    const before = Date.now();
    notifier.broadcast('thread/archived', { threadId: A });
    const after = Date.now();
    assert.equal(got.length, 2);
    assert.equal(got[0].emittedAtMs, got[1].emittedAtMs);
    assert.ok(got[0].emittedAtMs >= before && got[0].emittedAtMs <= after);
    assert.ok(Number.isInteger(got[0].emittedAtMs));
  });

  it("LocalEndpoint (WebSocket clients, the front) sends the notifier's stamp, not one of its own", () => {
    const notifier = new Notifier();
    const got: unknown[] = [];
    const endpoints = [1, 2].map(() => new LocalEndpoint({ notifier } as unknown as Services, (message) => got.push(message.emittedAtMs)));
    for (const endpoint of endpoints) endpoint.session.initialized = true;
    // A clock that moves at every reading: a stamp taken per connection would differ.
    const realNow = Date.now;
    let clock = 1_000;
    Date.now = () => clock++;
    try {
      notifier.broadcast('thread/archived', { threadId: A });
    } finally {
      Date.now = realNow;
    }
    assert.deepEqual(got, [1_000, 1_000]);
  });
});
