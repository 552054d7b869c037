// The front's relay, against a scripted upstream peer (a WebSocket app-server written for the
// test that records what it receives): ids of any JSON type, the two id spaces, server requests
// and notifications relayed unchanged, routing between the index and the upstream, and an
// upstream that goes away and comes back.

import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Json } from '../helpers/app-server.ts';
import { servedHome } from '../helpers/served-home.ts';
import { WsClient, type Target } from '../helpers/ws-client.ts';

const LOADED_ID = '01a23488-93cf-7981-9067-38b538d20271';

/** An app-server stand-in: answers a few methods, logs every message per connection. */
class Peer {
  readonly wss: WebSocketServer;
  readonly connections: Array<{ socket: WebSocket; received: Json[]; closed: boolean }> = [];
  constructor() {
    this.wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    this.wss.on('connection', (socket) => {
      const conn = { socket, received: [] as Json[], closed: false };
      this.connections.push(conn);
      socket.on('close', () => { conn.closed = true; });
      socket.on('message', (data) => {
        const msg = JSON.parse((data as Buffer).toString('utf8'));
        conn.received.push(msg);
        this.answer(conn, msg);
      });
    });
  }
  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}`;
  }
  private send(socket: WebSocket, msg: Json): void {
    socket.send(JSON.stringify(msg));
  }
  private answer(conn: { socket: WebSocket; received: Json[] }, msg: Json): void {
    const { socket } = conn;
    if (msg.method === undefined) return; // an answer to our server request: recorded above
    if (msg.id === undefined) return; // a notification
    switch (msg.method) {
      case 'initialize':
        this.send(socket, { id: msg.id, result: { userAgent: `${msg.params.clientInfo.name}/9.9.9 (peer)`, codexHome: '/peer', platformFamily: 'unix', platformOs: 'linux' } });
        this.send(socket, { method: 'configWarning', params: { summary: 'from the peer' }, emittedAtMs: 1 });
        return;
      case 'thread/loaded/list':
        this.send(socket, { id: msg.id, result: { data: [LOADED_ID], nextCursor: null } });
        return;
      case 'peer/ask':
        this.send(socket, { method: 'peer/notice', params: { n: 1, nested: { a: [1, 2] } }, emittedAtMs: 42 });
        this.send(socket, { id: { srv: 1 }, method: 'item/tool/call', params: { tool: 'x' } });
        // answered once the client's answer to the server request arrives
        socket.on('message', (data) => {
          const reply = JSON.parse((data as Buffer).toString('utf8'));
          if (reply.method === undefined && JSON.stringify(reply.id) === '{"srv":1}') this.send(socket, { id: msg.id, result: { clientSaid: reply.result } });
        });
        return;
      case 'peer/flood': {
        const filler = 'x'.repeat(msg.params.bytes);
        for (let n = 0; n < msg.params.count; n++) this.send(socket, { method: 'peer/chunk', params: { n, filler } });
        this.send(socket, { id: msg.id, result: { sent: msg.params.count } });
        return;
      }
      case 'peer/die':
        socket.terminate();
        return;
      default:
        this.send(socket, { id: msg.id, result: { from: 'upstream', method: msg.method, params: msg.params ?? null } });
    }
  }
  methodsSeen(): string[] {
    return this.connections.flatMap((c) => c.received.filter((m) => m.method !== undefined && m.id !== undefined).map((m) => m.method));
  }
  close(): Promise<void> {
    for (const c of this.connections) c.socket.terminate();
    return new Promise((r) => this.wss.close(() => r()));
  }
}

describe('Codex front relay (scripted upstream)', function () {
  this.timeout(60000);
  const t = servedHome();
  let peer: Peer;
  let target: Target;

  before(async () => {
    peer = new Peer();
    await new Promise((r) => peer.wss.once('listening', r));
    ({ target } = await t.listen(['--listen', 'ws://127.0.0.1:0', '--upstream', peer.url]));
  });
  after(() => peer.close());

  it("answers initialize with the upstream's answer and holds its notifications until then", async () => {
    const client = await WsClient.connect(target);
    const init = await client.initialize('codex-tui');
    assert.equal(init.userAgent, 'codex-tui/9.9.9 (peer)');
    const warning = await client.waitFor((m) => m.method === 'configWarning');
    assert.deepEqual(warning, { method: 'configWarning', params: { summary: 'from the peer' }, emittedAtMs: 1 });
    const initIndex = client.messages.findIndex((m) => m.id !== undefined && m.result?.userAgent);
    assert.ok(initIndex < client.messages.indexOf(warning), 'the initialize answer comes first');
    await client.close();
  });

  it('passes ids of any JSON type through and keeps its own ids apart', async () => {
    const client = await WsClient.connect(target);
    await client.initialize();
    const ids: Json[] = ['x', 5, 0, -1.5, null, { o: 1 }, [1, 'a'], true, 'initialize'];
    const answers = await Promise.all(ids.map((id) => client.request('peer/echo', { id }, id)));
    answers.forEach((a, i) => {
      assert.deepEqual(a.id, ids[i]);
      assert.deepEqual(a.result, { from: 'upstream', method: 'peer/echo', params: { id: ids[i] } });
    });
    const conn = peer.connections[peer.connections.length - 1];
    const upstreamIds = conn.received.filter((m) => m.id !== undefined && m.method !== undefined).map((m) => m.id);
    assert.ok(upstreamIds.every((id) => Number.isInteger(id)), 'the upstream sees the front\'s ids only');
    assert.equal(new Set(upstreamIds).size, upstreamIds.length, 'no id used twice on one link');
    assert.ok(conn.received.some((m) => m.method === 'thread/loaded/list'));
    await client.close();
  });

  it('relays server requests with their answers, and notifications, unchanged', async () => {
    const client = await WsClient.connect(target);
    await client.initialize();
    client.send({ id: 'ask', method: 'peer/ask', params: {} });
    const serverRequest = await client.waitFor((m) => m.method === 'item/tool/call');
    assert.deepEqual(serverRequest, { id: { srv: 1 }, method: 'item/tool/call', params: { tool: 'x' } });
    assert.deepEqual(client.messages.find((m) => m.method === 'peer/notice'), { method: 'peer/notice', params: { n: 1, nested: { a: [1, 2] } }, emittedAtMs: 42 });
    client.send({ id: { srv: 1 }, result: { contentItems: [], success: true } });
    const answer = await client.answerTo('ask');
    assert.deepEqual(answer.result, { clientSaid: { contentItems: [], success: true } });
    await client.close();
  });

  it('answers history reads from the index and sends the rest upstream', async () => {
    const client = await WsClient.connect(target);
    await client.initialize();
    const before = peer.methodsSeen().length;
    const page = await client.call('thread/list', { limit: 3 });
    assert.equal(page.data.length, 3);
    const localId = page.data[0].id;
    const read = await client.call('thread/read', { threadId: localId });
    assert.equal(read.thread.id, localId);
    const turns = await client.call('thread/turns/list', { threadId: localId, limit: 1 });
    assert.equal(peer.methodsSeen().length, before, 'nothing went upstream so far');
    // A cursor threadstate minted stays with threadstate.
    if (turns.nextCursor) {
      const next = await client.call('thread/turns/list', { threadId: localId, cursor: turns.nextCursor, limit: 1 });
      assert.equal(next.from, undefined);
    }
    const section = await client.call('thread/list', { limit: 100, sortKey: 'section_position', sectionId: 'abc' });
    assert.equal(section.from, 'upstream');
    const loaded = await client.call('thread/read', { threadId: LOADED_ID });
    assert.equal(loaded.from, 'upstream');
    const foreign = await client.call('thread/turns/list', { threadId: localId, cursor: '{"requestedThreadId":"x","rolloutOrdinal":3}', limit: 5 });
    assert.equal(foreign.from, 'upstream');
    const unknown = await client.call('thread/read', { threadId: '01a23488-0000-7000-8000-000000000001' });
    assert.equal(unknown.from, 'upstream', 'a thread the index does not know is asked upstream');
    const write = await client.call('thread/archive', { threadId: localId });
    assert.equal(write.from, 'upstream');
    await client.close();
  });

  it('answers a clear error when the upstream goes away, keeps serving history, and reconnects on the next request', async () => {
    const client = await WsClient.connect(target);
    await client.initialize('reconnector');
    const connectionsBefore = peer.connections.length;
    const died = await client.request('peer/die', {}, 'die');
    assert.equal(died.error.code, -32603);
    assert.match(died.error.message, /went away before answering peer\/die/);
    assert.equal((await client.call('thread/list', { limit: 1 })).data.length, 1);
    const again = await client.call('peer/echo', { after: 'death' });
    assert.deepEqual(again.params, { after: 'death' });
    assert.equal(peer.connections.length, connectionsBefore + 1);
    const replay = peer.connections[peer.connections.length - 1].received;
    assert.equal(replay[0].method, 'initialize');
    assert.equal(replay[0].params.clientInfo.name, 'reconnector');
    assert.deepEqual(replay[1], { method: 'initialized' });
    await client.close();
  });

  it('gives every client connection its own upstream connection and closes it with the client', async () => {
    const before = peer.connections.length;
    const a = await WsClient.connect(target);
    const b = await WsClient.connect(target);
    await Promise.all([a.initialize(), b.initialize()]);
    assert.equal(peer.connections.length, before + 2);
    await a.close();
    await b.close();
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(peer.connections.slice(before).every((c) => c.closed));
  });

  it('a client that leaves with a forwarded request in flight closes its upstream connection only', async () => {
    const stays = await WsClient.connect(target);
    await stays.initialize('stays');
    const leaves = await WsClient.connect(target);
    await leaves.initialize('leaves');
    const leavingConn = peer.connections[peer.connections.length - 1];
    leaves.send({ id: 'pending', method: 'peer/ask', params: {} });
    await leaves.waitFor((m) => m.method === 'item/tool/call');
    leaves.socket.terminate();
    const deadline = Date.now() + 5000;
    while (!leavingConn.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(leavingConn.closed, 'the upstream connection of the client that left is closed');
    assert.deepEqual((await stays.call('peer/echo', { still: 'here' })).params, { still: 'here' });
    assert.equal((await stays.call('thread/list', { limit: 1 })).data.length, 1);
    await stays.close();
  });

  it('holds the upstream back while a client reads slowly, and loses nothing', async () => {
    const client = await WsClient.connect(target);
    await client.initialize('slow-reader');
    const conn = peer.connections[peer.connections.length - 1];
    client.socket.pause();
    const count = 300;
    client.send({ id: 'flood', method: 'peer/flood', params: { count, bytes: 100_000 } });
    await new Promise((r) => setTimeout(r, 1500));
    // 30 MB sent: the front stopped reading while its client did not keep up (server/flow.ts), so
    // most of it waits in the peer's own send buffer instead of in the front's memory.
    assert.ok(conn.socket.bufferedAmount > 4 * 1024 * 1024, `the upstream was held back (its unsent bytes: ${conn.socket.bufferedAmount})`);
    client.socket.resume();
    const answer = await client.answerTo('flood', 30000);
    assert.deepEqual(answer.result, { sent: count });
    const chunks = client.messages.filter((m) => m.method === 'peer/chunk').map((m) => m.params.n);
    assert.deepEqual(chunks, [...Array(count).keys()], 'every notification, in order, before the answer');
    await client.close();
  });

  it('relays over stdio too (an editor spawning the front), and finishes answering after stdin closes', async () => {
    const stdio = t.start(['--upstream', peer.url]);
    const init = await stdio.initialize();
    assert.equal(init.userAgent, 'threadstate_test/9.9.9 (peer)');
    const echo = await stdio.request('peer/echo', { via: 'stdio' }, 'stdio-id');
    assert.deepEqual(echo, { id: 'stdio-id', result: { from: 'upstream', method: 'peer/echo', params: { via: 'stdio' } } });
    stdio.send({ id: { object: 'id' }, method: 'peer/echo', params: {} });
    assert.equal((await stdio.call('thread/list', { limit: 2 })).data.length, 2);
    await stdio.waitFor((m) => JSON.stringify(m.id) === '{"object":"id"}' && m.result?.from === 'upstream');
    stdio.send({ id: 'last', method: 'peer/echo', params: { last: true } });
    assert.equal(await stdio.close(), 0);
    assert.ok(stdio.messages.some((m) => m.id === 'last' && m.result?.params?.last === true), 'the answer in flight when stdin closed was written');
  });
});
