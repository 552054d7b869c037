// Hostile clients over stdio against the real server process: a client that closes its end, one
// that pipelines and does not read, one that floods slow requests, and input Codex refuses.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AppServerProcess, Json } from '../helpers/app-server.ts';
import { answersBetween, assertAnsweredOnce, materializedThread, slowListHome } from '../helpers/hostile.ts';
import { servedHome } from '../helpers/served-home.ts';
import { sleep, waitUntil, within } from '../helpers/wait.ts';
import { peakRssKb } from '../../scripts/reliability/lib.ts';

describe('hardening: the client side of the connection', function () {
  this.timeout(60000);
  const t = servedHome({ each: true });

  it('a client that closes its end of stdout ends the session: exit 0, one log line, no stack trace', async () => {
    const server = await t.ready(['--log-level', 'info']);
    server.child.stdout.destroy();
    // stdin stays open: the server must notice on its next write and end by itself.
    for (let i = 0; i < 5; i++) server.send({ id: 100 + i, method: 'thread/list', params: {} });
    assert.equal(await within(server.exited, 15000, 'the exit'), 0, `exit code; stderr:\n${server.stderr}`);
    const lines = server.stderr.split('\n').filter((l) => /closed the connection/.test(l));
    assert.equal(lines.length, 1, server.stderr);
    assert.doesNotMatch(server.stderr, /\n\s+at |Unhandled 'error' event|EPIPE.*Error/);
  });

  it('a client that pipelines 10,000 requests and does not read: input is paused, memory stays bounded, every request is answered once it reads', async () => {
    const server = await t.ready();
    const count = 10_000;
    server.child.stdout.pause();
    const line = (n: number) => `${JSON.stringify({ id: 1000 + n, method: 'thread/list', params: { limit: 100, sourceKinds: [] } })}\n`;
    let accepted = 0;
    let blocked = false;
    for (let id = 1; id <= count; id++) {
      accepted = id;
      if (!server.child.stdin.write(line(id))) {
        // Wait a little for the server to take more; a server that stopped reading never does.
        const drained = await Promise.race([new Promise((r) => server.child.stdin.once('drain', () => r(true))), sleep(3000).then(() => false)]);
        if (!drained) {
          blocked = true;
          break;
        }
      }
    }
    await sleep(1500);
    const peakMb = (peakRssKb(server.child.pid!) ?? 0) / 1024;
    assert.ok(blocked, `the server kept reading while its answers were not read (accepted all ${accepted})`);
    assert.ok(peakMb < 300, `peak RSS ${peakMb.toFixed(0)} MB with ${accepted} requests sent`);
    server.child.stdout.resume();
    for (let id = accepted + 1; id <= count; id++) if (!server.child.stdin.write(line(id))) await new Promise((r) => server.child.stdin.once('drain', r));
    await waitUntil(() => answersBetween(server.messages, 1001, 1001 + count).length >= count, 'every answer', 60000, 50);
    assertAnsweredOnce(answersBetween(server.messages, 1001, 1001 + count), count, (result: Json) => Array.isArray(result.data));
  });

  it('answers -32001 "Server overloaded; retry later." past the in-flight bound, and keeps serving', async () => {
    const server = await t.ready(['--no-index'], { home: slowListHome(t.root) });
    let text = '';
    for (let id = 10; id < 310; id++) text += `${JSON.stringify({ id, method: 'thread/list', params: { limit: 5, sourceKinds: [] } })}\n`;
    server.sendRaw(text);
    // Refusals go out at once, so answers arrive out of order: wait for all of them.
    await waitUntil(() => answersBetween(server.messages, 10, 310).length >= 300, 'every answer', 60000, 50);
    const refused = assertAnsweredOnce(answersBetween(server.messages, 10, 310), 300, (result: Json) => Array.isArray(result.data));
    assert.ok(refused > 0 && refused < 300, `${refused} of 300 refused`);
    assert.ok(Array.isArray((await server.call('thread/list', { limit: 5, sourceKinds: [] })).data));
  });
});

describe('hardening: input as Codex 0.169 accepts it', function () {
  this.timeout(30000);
  const t = servedHome();
  let server: AppServerProcess;
  let threadId: string;
  let rollout: string;

  before(async () => {
    server = await t.ready();
    ({ threadId, path: rollout } = await materializedThread(server, '/work/hardening'));
  });

  const nested = (levels: number): Json => {
    let value: Json = 'leaf';
    for (let i = 0; i < levels; i++) value = [value];
    return value;
  };

  it('refuses a 100,000-deep value with -32600 and writes nothing', async () => {
    const before = readFileSync(rollout, 'utf8');
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    server.sendRaw(`{"id":"deep","method":"thread/inject_items","params":{"threadId":"${threadId}","items":[{"type":"message","role":"user","content":${deep}}]}}`);
    const reply = await server.waitFor((m) => m.id === 'deep');
    assert.equal(reply.error.code, -32600);
    assert.match(reply.error.message, /nests 128 levels deep or more/);
    assert.equal(readFileSync(rollout, 'utf8'), before);
  });

  it('accepts 127 levels of nesting and refuses 128, as Codex does', async () => {
    // message (1) > params (2) > items (3) > item (4) > content (5) > arrays...
    const ok = await server.request('thread/inject_items', { threadId, items: [{ type: 'custom', role: 'user', content: nested(123) }] });
    assert.equal(ok.error, undefined, JSON.stringify(ok.error));
    const refused = await server.request('thread/inject_items', { threadId, items: [{ type: 'custom', role: 'user', content: nested(124) }] });
    assert.equal(refused.error.code, -32600);
  });

  it('refuses unpaired surrogates with -32600 naming the field, and writes nothing', async () => {
    const before = readFileSync(rollout, 'utf8');
    server.sendRaw(`{"id":"sur","method":"thread/inject_items","params":{"threadId":"${threadId}","items":[{"type":"message","role":"user","content":[{"type":"input_text","text":"lone \\ud800 here"}]}]}}`);
    const reply = await server.waitFor((m) => m.id === 'sur');
    assert.deepEqual(reply.error, { code: -32600, message: 'Invalid request: params.items[0].content[0].text holds an unpaired UTF-16 surrogate' });
    server.sendRaw(`{"id":"sur2","method":"thread/name/set","params":{"threadId":"${threadId}","name":"x\\udc00"}}`);
    assert.match((await server.waitFor((m) => m.id === 'sur2')).error.message, /params\.name holds an unpaired/);
    assert.equal(readFileSync(rollout, 'utf8'), before);
    // A proper pair is fine.
    server.sendRaw(`{"id":"pair","method":"thread/name/set","params":{"threadId":"${threadId}","name":"smile \\ud83d\\ude00"}}`);
    assert.deepEqual((await server.waitFor((m) => m.id === 'pair')).result, {});
  });

  it('echoes request ids exactly, integers past 2^53 and the 64-bit extremes included', async () => {
    for (const raw of ['9007199254740993', '9223372036854775807', '-9223372036854775808', '12345678901234567890123'.slice(0, 19)]) {
      server.sendRaw(`{"id":${raw},"method":"thread/loaded/list","params":{}}`);
      server.sendRaw(`{"id":"after-${raw}","method":"thread/loaded/list","params":{}}`);
      await server.waitFor((m) => m.id === `after-${raw}`);
      const line = server.stdoutLines.find((l) => l.startsWith(`{"id":${raw},`));
      assert.ok(line, `no answer echoing ${raw}`);
      assert.match(line, /"result":\{"data":/);
    }
  });

  it('ignores, as Codex does, ids that are not strings or 64-bit integers (1e300, 1.5, 1.0, 2^63, true, null)', async () => {
    const before = server.stdoutLines.length;
    for (const raw of ['1e300', '1.5', '1.0', '9223372036854775808', 'true', 'null', '"\\ud800"']) {
      server.sendRaw(`{"id":${raw},"method":"thread/loaded/list","params":{}}`);
    }
    server.sendRaw('{"id":"marker","method":"thread/loaded/list","params":{}}');
    await server.waitFor((m) => m.id === 'marker');
    const answered = server.stdoutLines.slice(before);
    assert.equal(answered.length, 1, answered.join('\n'));
    assert.match(answered[0], /^\{"id":"marker"/);
  });
});
