// `threadstate app-server --listen unix://PATH | ws://127.0.0.1:PORT`: the WebSocket framing of
// Codex's listeners (one message per text frame), many connections each with its own handshake,
// clients that leave mid-answer, and the Origin and bearer-token checks.

import assert from 'node:assert/strict';
import { existsSync, lstatSync, readdirSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { withCommandOutput } from '../helpers/hostile.ts';
import { ListenerProcess } from '../helpers/listener-process.ts';
import { servedHome } from '../helpers/served-home.ts';
import { sleep, waitUntil } from '../helpers/wait.ts';
import { WsClient, httpStatus, rawExchange, type Target } from '../helpers/ws-client.ts';

for (const kind of ['unix', 'ws'] as const) {
  describe(`app-server --listen ${kind}://`, function () {
    this.timeout(60000);
    const t = servedHome();
    let server: ListenerProcess;
    let target: Target;
    let stdioList: unknown;

    before(async () => {
      const listen = kind === 'unix' ? `unix://${join(t.root, 'ts.sock')}` : 'ws://127.0.0.1:0';
      ({ server, target } = await t.listen(['--listen', listen], { env: { TS_TEST_TOKEN: '', THREADSTATE_LOG: 'info' } }));
      // Both servers' start-up indexing must be over before their answers are compared: a row read
      // in full (phase 2) can answer differently from its list-fields row (recencyAt).
      const settled = 'index is up to date with the rollouts';
      await waitUntil(() => server.stderr.includes(settled), 'the listener\'s start-up indexing', 20000);
      const stdio = await t.ready([], { env: { THREADSTATE_LOG: 'info' } });
      await waitUntil(() => stdio.stderr.includes(settled), 'the stdio server\'s start-up indexing', 20000);
      stdioList = await stdio.call('thread/list', { limit: 5 });
      await stdio.close();
    });

    it('answers like the stdio server, with ids of any JSON type back as sent', async () => {
      const client = await WsClient.connect(target);
      const init = await client.initialize();
      assert.equal(init.codexHome, t.home);
      for (const id of [7, 'picker-1', 0, -3.5]) {
        const answer = await client.request('thread/list', { limit: 5 }, id);
        assert.deepEqual(answer.id, id);
        assert.deepEqual(JSON.parse(JSON.stringify(answer.result)), stdioList);
      }
      await client.close();
    });

    it('reads a trailing newline and reassembles fragmented frames', async () => {
      const client = await WsClient.connect(target);
      await client.initialize();
      client.sendText(`${JSON.stringify({ id: 'nl', method: 'thread/list', params: { limit: 1 } })}\n`);
      assert.equal((await client.answerTo('nl')).result.data.length, 1);
      const text = JSON.stringify({ id: 'frag', method: 'thread/list', params: { limit: 2 } });
      client.sendText(text.slice(0, 10), { fin: false });
      client.sendText(text.slice(10, 20), { fin: false });
      client.sendText(text.slice(20), { fin: true });
      assert.equal((await client.answerTo('frag')).result.data.length, 2);
      await client.close();
    });

    it('ignores binary frames and frames holding two messages, and keeps serving', async () => {
      const client = await WsClient.connect(target);
      await client.initialize();
      client.socket.send(Buffer.from(JSON.stringify({ id: 'bin', method: 'thread/list', params: {} })), { binary: true });
      client.sendText(`${JSON.stringify({ id: 'two-a', method: 'thread/list', params: {} })}\n${JSON.stringify({ id: 'two-b', method: 'thread/list', params: {} })}`);
      client.sendText('not json');
      const after = await client.request('thread/list', { limit: 1 }, 'after');
      assert.equal(after.result.data.length, 1);
      await sleep(200);
      assert.deepEqual(client.messages.filter((m) => ['bin', 'two-a', 'two-b'].includes(m.id)), []);
      await client.close();
    });

    it('serves concurrent connections, each with its own initialize', async () => {
      const clients = await Promise.all([1, 2, 3, 4, 5].map(() => WsClient.connect(target)));
      const early = await clients[0].request('thread/list', {}, 'early');
      assert.equal(early.error.code, -32600);
      assert.match(early.error.message, /Not initialized/);
      await Promise.all(clients.map((c, i) => c.initialize(`client_${i}`)));
      const again = await clients[1].request('initialize', { clientInfo: { name: 'x', title: null, version: '1' } });
      assert.match(again.error.message, /Already initialized/);
      const pages = await Promise.all(clients.map((c) => c.call('thread/list', { limit: 3 })));
      for (const page of pages) assert.equal(page.data.length, 3);
      await Promise.all(clients.map((c) => c.close()));
    });

    it('survives a client that disconnects before its answers are written', async () => {
      const client = await WsClient.connect(target);
      await client.initialize();
      const { data } = await client.call('thread/list', { limit: 20 });
      for (const row of data) client.send({ id: row.id, method: 'thread/read', params: { threadId: row.id, includeTurns: true } });
      client.socket.terminate();
      const next = await WsClient.connect(target);
      await next.initialize();
      assert.equal((await next.call('thread/list', { limit: 2 })).data.length, 2);
      await next.close();
      assert.equal(server.child.exitCode, null);
    });

    it('refuses upgrades that carry a browser Origin (403)', async () => {
      await assert.rejects(WsClient.connect(target, { headers: { origin: 'https://example.com' } }), /403/);
    });

    if (kind === 'ws') {
      it('answers /readyz and /healthz, and 400 to a plain GET', async () => {
        assert.match(await httpStatus(target, 'GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), / 200 /);
        assert.match(await httpStatus(target, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), / 200 /);
        assert.match(await httpStatus(target, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), / 400 /);
      });
    } else {
      it('creates the socket with mode 0600, upgrades on any path, and removes it on SIGTERM', async () => {
        const path = (target as { path: string }).path;
        assert.equal(lstatSync(path).mode & 0o777, 0o600);
        const client = await WsClient.connect(target, { path: '/some/other/path' });
        await client.initialize();
        await client.close();
      });
    }
  });
}

describe('app-server --listen: bearer token, addresses and socket ownership', function () {
  this.timeout(60000);
  const t = servedHome();

  for (const kind of ['unix', 'ws'] as const) {
    it(`${kind}://: checks the bearer token when one is configured (401 otherwise)`, async () => {
      const listen = kind === 'unix' ? `unix://${join(t.root, 'token.sock')}` : 'ws://127.0.0.1:0';
      const { server, target } = await ListenerProcess.start(t.home, ['--listen', listen, '--auth-token-env', 'TS_TEST_TOKEN'], { TS_TEST_TOKEN: 's3cret-token' });
      try {
        await assert.rejects(WsClient.connect(target), /401/);
        await assert.rejects(WsClient.connect(target, { headers: { authorization: 'Bearer wrong-token!' } }), /401/);
        await assert.rejects(WsClient.connect(target, { headers: { authorization: 's3cret-token' } }), /401/);
        const client = await WsClient.connect(target, { headers: { authorization: 'Bearer s3cret-token' } });
        await client.initialize();
        assert.equal((await client.call('thread/list', { limit: 1 })).data.length, 1);
        await client.close();
      } finally {
        await server.stop();
      }
    });
  }

  it('refuses a non-loopback ws:// address unless told, and a token variable that is not set', async () => {
    await assert.rejects(ListenerProcess.start(t.home, ['--listen', 'ws://0.0.0.0:0']), /not a loopback address/);
    await assert.rejects(ListenerProcess.start(t.home, ['--listen', 'ws://127.0.0.1:0', '--auth-token-env', 'TS_NOT_SET_ANYWHERE']), /not set or empty/);
    await assert.rejects(ListenerProcess.start(t.home, ['--listen', 'tcp://127.0.0.1:1']), /expected stdio:\/\/, unix:\/\/PATH or ws:\/\/HOST:PORT/);
  });

  it('refuses to take over a socket a live server holds, replaces a stale one, and cleans up on exit', async () => {
    const path = join(t.root, 'owned.sock');
    const first = await ListenerProcess.start(t.home, ['--listen', `unix://${path}`]);
    await assert.rejects(ListenerProcess.start(t.home, ['--listen', `unix://${path}`]), /already listening/);
    assert.equal(await first.server.stop(), 0);
    assert.equal(existsSync(path), false);
    // A socket file nobody accepts on: its server was killed before it could clean up.
    const holder = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((r) => holder.stdout.once('data', r));
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    assert.ok(lstatSync(path).isSocket());
    const { server } = await ListenerProcess.start(t.home, ['--listen', `unix://${path}`]);
    assert.equal(await server.stop(), 0);
    writeFileSync(path, 'not a socket');
    await assert.rejects(ListenerProcess.start(t.home, ['--listen', `unix://${path}`]), /not a socket/);
  });

  it('sends one unfragmented text frame per message, without newline, and splits messages past the frame limit', async () => {
    const init = { id: 'i', method: 'initialize', params: { clientInfo: { name: 't', title: null, version: '1' } } };
    const list = { id: 'l', method: 'thread/list', params: { limit: 5 } };
    const isDone = (frames: Array<{ fin: boolean }>) => frames.filter((f) => f.fin).length >= 2;
    const plain = await ListenerProcess.start(t.home, ['--listen', 'ws://127.0.0.1:0']);
    try {
      const frames = await rawExchange(plain.target, [init, list], isDone);
      assert.ok(frames.every((f) => f.fin && f.opcode === 1), 'unfragmented text frames');
      for (const f of frames) assert.ok(!f.payload.toString().endsWith('\n'));
      assert.equal(JSON.parse(frames[1].payload.toString()).result.data.length, 5);
    } finally {
      await plain.server.stop();
    }
    const small = await ListenerProcess.start(t.home, ['--listen', 'ws://127.0.0.1:0'], { THREADSTATE_WS_MAX_FRAME_BYTES: '512' });
    try {
      const frames = await rawExchange(small.target, [init, list], isDone);
      assert.ok(frames.length > 3, 'the list answer went out in several frames');
      assert.ok(frames.every((f) => f.payload.length <= 512));
      const listFrames = frames.slice(frames.findIndex((f) => f.fin) + 1);
      assert.equal(listFrames[0].opcode, 1);
      assert.ok(listFrames.slice(1).every((f) => f.opcode === 0), 'continuation frames');
      const text = Buffer.concat(listFrames.map((f) => f.payload)).toString('utf8');
      assert.equal(JSON.parse(text).result.data.length, 5);
    } finally {
      await small.server.stop();
    }
  });

  it('binds a socket path too long for sun_path through a symlink', async () => {
    const longDir = join(t.root, 'a'.repeat(60), 'b'.repeat(60));
    const path = join(longDir, 'app-server-control.sock');
    const { server, target } = await ListenerProcess.start(t.home, ['--listen', `unix://${path}`]);
    assert.ok(lstatSync(path).isSymbolicLink());
    // connect() cannot take the long path either; clients follow the link, as Codex's do.
    const client = await WsClient.connect({ kind: 'unix', path: realpathSync((target as { path: string }).path) });
    await client.initialize();
    await client.close();
    assert.equal(await server.stop(), 0);
    assert.equal(existsSync(path), false);
  });
});

describe('app-server --listen ws://: long history answers', function () {
  this.timeout(60000);
  const t = servedHome();

  it('carries a long command output whole, and closes the rollout once the answer is out', async () => {
    const output = 'line "quoted" \\ tab\t é ✓ 😀\n'.repeat(20000);
    const { path, threadId } = withCommandOutput(t.home, output);
    const { server, target } = await t.listen(['--listen', 'ws://127.0.0.1:0'], { env: { THREADSTATE_WS_MAX_FRAME_BYTES: '65536' } });
    const client = await WsClient.connect(target);
    await client.initialize();
    const read = await client.call('thread/read', { threadId, includeTurns: true });
    const outputs = read.thread.turns.flatMap((turn: { items: Array<{ type: string; aggregatedOutput?: string }> }) => turn.items).filter((i: { type: string }) => i.type === 'commandExecution').map((i: { aggregatedOutput?: string }) => i.aggregatedOutput);
    assert.deepEqual(outputs, [output]);
    await new Promise((r) => setTimeout(r, 200));
    const fds = readdirSync(`/proc/${server.child.pid}/fd`).map((fd) => { try { return readlinkSync(`/proc/${server.child.pid}/fd/${fd}`); } catch { return ''; } });
    assert.ok(!fds.includes(path), 'the rollout is closed once the answer is written');
    await client.close();
  });
});
