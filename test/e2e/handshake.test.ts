import assert from 'node:assert/strict';
import type { AppServerProcess } from '../helpers/app-server.ts';
import { servedHome } from '../helpers/served-home.ts';

describe('app-server handshake and transport', () => {
  const t = servedHome({ from: 'empty', each: true });
  let server: AppServerProcess;

  beforeEach(() => {
    server = t.start();
  });

  it('answers initialize with the user agent, the home and the platform', async () => {
    const result = await server.initialize();
    assert.match(result.userAgent, /^threadstate_test\/\d+\.\d+\.\d+ \(.+\) .* \(threadstate_test; 1\.0\.0\)$/);
    assert.equal(result.codexHome, t.home);
    assert.equal(result.platformFamily, 'unix');
    assert.equal(result.platformOs, 'linux');
  });

  it('refuses requests before initialize with -32600 Not initialized', async () => {
    const response = await server.request('thread/list', {});
    assert.deepEqual(response.error, { code: -32600, message: 'Not initialized' });
  });

  it('refuses a second initialize with -32600 Already initialized', async () => {
    await server.initialize();
    const response = await server.request('initialize', { clientInfo: { name: 'again', version: '1' } });
    assert.deepEqual(response.error, { code: -32600, message: 'Already initialized' });
  });

  it('rejects an unknown method listing the known ones', async () => {
    await server.initialize();
    const response = await server.request('no/such/method', {});
    assert.equal(response.error.code, -32600);
    assert.match(response.error.message, /^Invalid request: unknown variant `no\/such\/method`, expected one of `initialize`, .*`thread\/list`/);
  });

  it('names the missing field when params fail validation', async () => {
    await server.initialize();
    const response = await server.request('thread/read', {});
    assert.deepEqual(response.error, { code: -32600, message: 'Invalid request: missing field `threadId`' });
  });

  it('names the field and the allowed values for a bad enum value', async () => {
    await server.initialize();
    const response = await server.request('thread/list', { sortKey: 'bogus' });
    assert.equal(response.error.code, -32600);
    assert.match(response.error.message, /unknown variant `bogus`, expected one of `created_at`, `updated_at`/);
  });

  it('requires params on a request', async () => {
    await server.initialize();
    server.send({ id: 77, method: 'thread/loaded/list' });
    const response = await server.waitFor((m) => m.id === 77);
    assert.deepEqual(response.error, { code: -32600, message: 'Invalid request: missing field `params`' });
  });

  it('rejects clientInfo.name that is not a valid header value', async () => {
    const response = await server.request('initialize', { clientInfo: { name: 'bad\nname', version: '1' } });
    assert.equal(response.error.code, -32600);
    assert.match(response.error.message, /^Invalid clientInfo\.name: /);
  });

  it('drops malformed lines and batches, then still answers a valid request', async () => {
    server.sendRaw('{not json at all');
    server.sendRaw('[{"id":5,"method":"initialize","params":{"clientInfo":{"name":"x","version":"1"}}}]');
    server.sendRaw('"just a string"');
    server.sendRaw('{"id":null,"method":"initialize","params":{}}');
    server.sendRaw('');
    const result = await server.initialize();
    assert.equal(typeof result.userAgent, 'string');
    assert.equal(server.messages.filter((m) => m.id === 5).length, 0, 'a batch gets no reply');
    assert.match(server.stderr, /not JSON/);
    assert.match(server.stderr, /batch/);
  });

  it('accepts messages with or without the jsonrpc member and never sends it', async () => {
    server.send({ jsonrpc: '2.0', id: 'first', method: 'initialize', params: { clientInfo: { name: 'a', version: '1' } } });
    const response = await server.waitFor((m) => m.id === 'first');
    assert.equal(typeof response.result.userAgent, 'string');
    const loaded = await server.request('thread/loaded/list', {}, 42);
    assert.equal(loaded.id, 42);
    for (const line of server.stdoutLines) assert.ok(!line.includes('"jsonrpc"'), line);
  });

  it('answers CRLF-terminated lines', async () => {
    server.sendRaw('{"id":9,"method":"initialize","params":{"clientInfo":{"name":"crlf","version":"1"}}}\r\n');
    const response = await server.waitFor((m) => m.id === 9);
    assert.ok(response.result);
  });

  it('exits with code 0 on stdin EOF after answering, with only protocol lines on stdout', async () => {
    server.send({ id: 1, method: 'initialize', params: { clientInfo: { name: 'eof', version: '1' } } });
    server.send({ id: 2, method: 'thread/loaded/list', params: {} });
    const code = await server.close();
    assert.equal(code, 0);
    assert.ok(server.stdoutLines.length >= 2);
    for (const line of server.stdoutLines) {
      const msg = JSON.parse(line);
      assert.ok(typeof msg === 'object' && msg !== null && ('id' in msg || 'method' in msg), line);
    }
    assert.ok(server.messages.some((m) => m.id === 2 && m.result), 'in-flight request answered before exit');
  });

  it('answers both requests that reuse the same id', async () => {
    await server.initialize();
    server.send({ id: 500, method: 'thread/loaded/list', params: {} });
    server.send({ id: 500, method: 'thread/loaded/list', params: {} });
    await server.close();
    assert.equal(server.messages.filter((m) => m.id === 500).length, 2);
  });
});

describe('threadstate cli', () => {
  it('prints help for the tool and each command', async () => {
    const { execFileSync } = await import('node:child_process');
    const { CLI, NODE_BIN } = await import('../helpers/app-server.ts');
    const top = execFileSync(NODE_BIN, [CLI, '--help'], { encoding: 'utf8' });
    assert.match(top, /app-server/);
    const sub = execFileSync(NODE_BIN, [CLI, 'app-server', '--help'], { encoding: 'utf8' });
    assert.match(sub, /--codex-home DIR/);
  });

  it('fails with one clear line on an older Node without node:sqlite', async function () {
    const { spawnSync } = await import('node:child_process');
    const { CLI } = await import('../helpers/app-server.ts');
    const oldNode = spawnSync('/usr/bin/env', ['-i', 'PATH=/usr/local/bin:/usr/bin:/bin', 'node', '--version'], { encoding: 'utf8' });
    const major = Number(String(oldNode.stdout).replace(/^v/, '').split('.')[0]);
    if (!(major > 0 && major < 22)) this.skip(); // this machine has no older Node to try: pending, not passed
    const run = spawnSync('/usr/bin/env', ['-i', 'PATH=/usr/local/bin:/usr/bin:/bin', 'node', CLI, 'app-server'], { encoding: 'utf8' });
    assert.equal(run.status, 1);
    assert.equal(run.stderr.trim().split('\n').length, 1);
    assert.match(run.stderr, /needs Node\.js >= 22\.18 with node:sqlite/);
  });
});
