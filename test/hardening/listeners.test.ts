// Hostile clients over the unix:// and ws:// listeners (the front's channels): one that pipelines
// and does not read, and one that floods slow requests. The same flow control as stdio
// (server/flow.ts): reading stops while answers are not read, memory stays bounded, nothing is
// lost, and past 32 requests in flight the answer is -32001.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { peakRssKb } from '../../scripts/reliability/lib.ts';
import type { Json } from '../helpers/app-server.ts';
import { answersBetween, assertAnsweredOnce, slowListHome } from '../helpers/hostile.ts';
import { servedHome } from '../helpers/served-home.ts';
import { sleep, waitUntil } from '../helpers/wait.ts';
import { WsClient } from '../helpers/ws-client.ts';

for (const kind of ['unix', 'ws'] as const) {
  describe(`hardening: a client of app-server --listen ${kind}://`, function () {
    this.timeout(120000);
    const t = servedHome({ each: true });
    const address = () => (kind === 'unix' ? `unix://${join(t.root, 's.sock')}` : 'ws://127.0.0.1:0');
    const listsServed = (result: Json) => Array.isArray(result.data);

    it('that pipelines 10,000 requests and does not read: reading stops, memory stays bounded, every request is answered once it reads', async () => {
      const { server, target } = await t.listen(['--listen', address()]);
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
      await waitUntil(() => answersBetween(client.messages, 1000, 1000 + count).length >= count, 'every answer', 90000);
      assertAnsweredOnce(answersBetween(client.messages, 1000, 1000 + count), count, listsServed);
      await client.close();
    });

    it('that floods slow requests is answered -32001 "Server overloaded; retry later." past the in-flight bound, and is served after', async () => {
      const { target } = await t.listen(['--listen', address(), '--no-index'], { home: slowListHome(t.root) });
      const client = await WsClient.connect(target);
      await client.initialize();
      for (let id = 10; id < 310; id++) client.send({ id, method: 'thread/list', params: { limit: 5, sourceKinds: [] } });
      // Refusals go out at once, so answers arrive out of order: wait for all of them.
      await waitUntil(() => answersBetween(client.messages, 10, 310).length >= 300, 'every answer', 90000, 50);
      const refused = assertAnsweredOnce(answersBetween(client.messages, 10, 310), 300, listsServed);
      assert.ok(refused > 0 && refused < 300, `${refused} of 300 refused`);
      assert.ok(Array.isArray((await client.call('thread/list', { limit: 5, sourceKinds: [] })).data));
      await client.close();
    });
  });
}
