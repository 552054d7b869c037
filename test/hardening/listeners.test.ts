// Hostile clients over the unix:// and ws:// listeners (the front's channels): one that pipelines
// and does not read, and one that floods slow requests. The same flow control as stdio
// (server/flow.ts): reading stops while answers are not read, memory stays bounded, nothing is
// lost, and past 32 requests in flight the answer is -32001.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { generateHome } from '../../scripts/bench/gen-home.ts';
import { peakRssKb } from '../../scripts/reliability/lib.ts';
import { copyFixtureHome, makeTempDir, removeDir } from '../helpers/home.ts';
import { ListenerProcess } from '../helpers/listener-process.ts';
import { WsClient } from '../helpers/ws-client.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const OVERLOADED = { code: -32001, message: 'Server overloaded; retry later.' };

for (const kind of ['unix', 'ws'] as const) {
  describe(`hardening: a client of app-server --listen ${kind}://`, function () {
    this.timeout(120000);
    let dir: string;
    let server: ListenerProcess | null = null;

    beforeEach(() => {
      dir = makeTempDir();
    });
    afterEach(async () => {
      await server?.stop();
      server = null;
      removeDir(dir);
    });

    const listen = (home: string, args: string[] = []) => ListenerProcess.start(home, ['--listen', kind === 'unix' ? `unix://${join(dir, 's.sock')}` : 'ws://127.0.0.1:0', ...args]);

    /** Answers to the numbered requests `from` ≤ id < `to` received so far. */
    const answersIn = (client: WsClient, from: number, to: number) => client.messages.filter((m) => typeof m.id === 'number' && m.id >= from && m.id < to);

    it('that pipelines 10,000 requests and does not read: reading stops, memory stays bounded, every request is answered once it reads', async () => {
      const home = copyFixtureHome('codex-0.169.0');
      try {
        let target;
        ({ server, target } = await listen(home));
        const client = await WsClient.connect(target);
        await client.initialize();
        const count = 10_000;
        client.socket.pause();
        // 2 KB a request: 20 MB in all, more than the kernel's socket buffers take.
        const pad = 'p'.repeat(2048);
        for (let n = 0; n < count; n++) client.send({ id: 1000 + n, method: 'thread/list', params: { limit: 100, sourceKinds: [] }, pad });
        await sleep(2000);
        const unsent = client.socket.bufferedAmount;
        const peakMb = (peakRssKb(server.child.pid!) ?? 0) / 1024;
        assert.ok(unsent > 1024 * 1024, `the server kept reading while its answers were not read (${unsent} bytes left unsent)`);
        assert.ok(peakMb < 300, `peak RSS ${peakMb.toFixed(0)} MB with ${count} requests sent`);
        client.socket.resume();
        for (const deadline = Date.now() + 90000; answersIn(client, 1000, 1000 + count).length < count && Date.now() < deadline;) await sleep(100);
        const answers = answersIn(client, 1000, 1000 + count);
        assert.equal(new Set(answers.map((m) => m.id)).size, count, 'every request answered, once');
        assert.equal(answers.length, count);
        for (const m of answers) assert.ok(m.result ? Array.isArray(m.result.data) : JSON.stringify(m.error) === JSON.stringify(OVERLOADED), JSON.stringify(m).slice(0, 300));
        await client.close();
      } finally {
        removeDir(join(home, '..'));
      }
    });

    it('that floods slow requests is answered -32001 "Server overloaded; retry later." past the in-flight bound, and is served after', async () => {
      // Many rollouts and no index: every thread/list reads them all, so requests pile up in flight.
      const big = join(dir, 'home');
      generateHome({ out: big, threads: 400, big: 0, seed: 5 });
      let target;
      ({ server, target } = await listen(big, ['--no-index']));
      const client = await WsClient.connect(target);
      await client.initialize();
      for (let id = 10; id < 310; id++) client.send({ id, method: 'thread/list', params: { limit: 5, sourceKinds: [] } });
      // Refusals go out at once, so answers arrive out of order: wait for all of them.
      for (const deadline = Date.now() + 90000; answersIn(client, 10, 310).length < 300 && Date.now() < deadline;) await sleep(50);
      const answers = answersIn(client, 10, 310);
      assert.equal(answers.length, 300);
      const overloaded = answers.filter((m) => m.error);
      assert.ok(overloaded.length > 0, 'no request was refused');
      for (const m of overloaded) assert.deepEqual(m.error, OVERLOADED);
      assert.ok(answers.some((m) => m.result), 'nothing was served');
      assert.ok(Array.isArray((await client.call('thread/list', { limit: 5, sourceKinds: [] })).data));
      await client.close();
    });
  });
}
