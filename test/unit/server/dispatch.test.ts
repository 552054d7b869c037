// The dispatcher in process, on a copy of a real Codex home with a real index: the handshake gate,
// method lookup, params validation, experimental gating, error mapping, notifications that follow
// an answer, and waiting for in-flight work.

import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { METHOD_NAMES } from '../../../src/protocol/methods.ts';
import { copyFixtureHome, removeDir } from '../../helpers/home.ts';
import { afterAnswers, serveInProcess, type InProcessServer } from '../../helpers/in-process.ts';
import { recordLogs } from '../../helpers/logs.ts';

const THREAD = '01a2121e-e83b-7081-b133-76ea94c04633'; // 0.169 fixture, active

describe('dispatch (in process)', function () {
  this.timeout(30000);
  let home: string;
  let server: InProcessServer;

  before(async () => {
    home = copyFixtureHome('codex-0.169.0');
    server = await serveInProcess(home);
  });

  after(async () => {
    await server.close();
    removeDir(join(home, '..'));
  });

  it('answers nothing but initialize before the handshake, and initialize only once', async () => {
    const client = await server.connect({ initialize: false });
    const early = await client.request('thread/list', {});
    assert.deepEqual(early.error, { code: -32600, message: 'Not initialized' });
    const unknownEarly = await client.request('no/such/method', {});
    assert.deepEqual(unknownEarly.error, { code: -32600, message: 'Not initialized' });

    const hello = await client.initialize();
    assert.equal(hello.codexHome, home);
    assert.match(hello.userAgent, /^threadstate_test\//);
    assert.equal(client.session.initialized, true);
    const again = await client.request('initialize', { clientInfo: { name: 'x', version: '1' } });
    assert.deepEqual(again.error, { code: -32600, message: 'Already initialized' });
    assert.ok(Array.isArray((await client.call('thread/list', {})).data));
  });

  it('refuses a client name that is not an HTTP header value, and stays uninitialized', async () => {
    const client = await server.connect({ initialize: false });
    const answer = await client.request('initialize', { clientInfo: { name: 'bad\nname', version: '1' } });
    assert.equal(answer.error?.code, -32600);
    assert.match(answer.error?.message ?? '', /Invalid clientInfo\.name: 'bad\nname'\. Must be a valid HTTP header value\./);
    assert.equal(client.session.initialized, false);
  });

  it('names every method of the table when the method is unknown', async () => {
    const client = await server.connect();
    const answer = await client.request('thread/nope', {});
    assert.equal(answer.error?.code, -32600);
    const message = answer.error?.message ?? '';
    assert.ok(message.startsWith('Invalid request: unknown variant `thread/nope`, expected one of '), message);
    for (const name of METHOD_NAMES) assert.ok(message.includes(`\`${name}\``), `${name} missing from: ${message}`);
  });

  it('refuses missing and ill-typed params with the field that is wrong', async () => {
    const client = await server.connect();
    assert.deepEqual((await client.request('thread/read', undefined)).error, { code: -32600, message: 'Invalid request: missing field `params`' });
    assert.deepEqual((await client.request('thread/read', {})).error, { code: -32600, message: 'Invalid request: missing field `threadId`' });
    const wrongType = await client.request('thread/list', { limit: 'ten' });
    assert.equal(wrongType.error?.code, -32600);
    assert.match(wrongType.error?.message ?? '', /^Invalid request: invalid type: string "ten", .* at `limit`$/);
    const malformedId = await client.request('thread/read', { threadId: 'not-a-uuid' });
    assert.equal(malformedId.error?.code, -32600);
    assert.match(malformedId.error?.message ?? '', /^invalid thread id: invalid character/);
  });

  it('gates experimental fields on the capability, counting an empty list as use', async () => {
    const plain = await server.connect();
    const refused = await plain.request('thread/start', { dynamicTools: [] });
    assert.deepEqual(refused.error, { code: -32600, message: 'thread/start.dynamicTools requires experimentalApi capability' });
    // null is "not used": the same request without the field goes through.
    const allowed = await plain.call('thread/start', { dynamicTools: null });
    assert.match(allowed.thread.id, /^[0-9a-f-]{36}$/);

    const experimental = await server.connect({ capabilities: { experimentalApi: true } });
    const started = await experimental.call('thread/start', { dynamicTools: [] });
    assert.match(started.thread.id, /^[0-9a-f-]{36}$/);
  });

  it('sends thread/started after the thread/start answer, to every initialized connection', async () => {
    const starter = await server.connect();
    const watcher = await server.connect();
    const stranger = await server.connect({ initialize: false });
    const optedOut = await server.connect({ capabilities: { optOutNotificationMethods: ['thread/started'] } });
    const started = await starter.call('thread/start', {});
    // The answer is complete before any notification about it leaves.
    assert.equal(starter.received('thread/started').length, 0);
    await afterAnswers();
    for (const client of [starter, watcher]) {
      const notes = client.received('thread/started').filter((n) => n.thread.id === started.thread.id);
      assert.equal(notes.length, 1);
      assert.deepEqual(notes[0].thread, started.thread);
    }
    assert.equal(stranger.received('thread/started').length, 0);
    assert.equal(optedOut.received('thread/started').length, 0);
  });

  it('maps an unexpected failure to -32603, logs it with its stack, and keeps serving', async () => {
    const client = await server.connect();
    const logs = recordLogs('ERROR');
    const sessionIndex = join(home, 'session_index.jsonl');
    rmSync(sessionIndex, { force: true });
    mkdirSync(sessionIndex); // appending a name now fails with EISDIR, an error no layer expects
    try {
      const answer = await client.request('thread/name/set', { threadId: THREAD, name: 'renamed' });
      assert.equal(answer.error?.code, -32603);
      assert.match(answer.error?.message ?? '', /^internal error while handling thread\/name\/set: .*EISDIR/);
    } finally {
      logs.stop();
      rmSync(sessionIndex, { recursive: true, force: true });
    }
    assert.deepEqual(logs.lines(), ['ERROR server.dispatch: request failed']);
    const logged = logs.records;
    assert.equal(logged[0].fields?.method, 'thread/name/set');
    assert.match(String(logged[0].fields?.stack), /EISDIR/);
    // The same request succeeds once the file can be written, and the rename is visible.
    assert.deepEqual(await client.call('thread/name/set', { threadId: THREAD, name: 'renamed' }), {});
    const read = await client.call('thread/read', { threadId: THREAD });
    assert.equal(read.thread.name, 'renamed');
  });

  it('resolves idle() only once every request in flight has been answered', async () => {
    const client = await server.connect();
    assert.equal(await Promise.race([server.dispatcher.idle().then(() => 'idle'), afterAnswers().then(() => 'busy')]), 'idle');
    const reads = [THREAD, THREAD, THREAD].map((threadId) => client.request('thread/read', { threadId, includeTurns: true }));
    let answered = 0;
    for (const read of reads) void read.then(() => answered++);
    await server.dispatcher.idle();
    await afterAnswers();
    assert.equal(answered, reads.length);
    for (const answer of await Promise.all(reads)) assert.equal(answer.result?.thread.id, THREAD);
  });
});
