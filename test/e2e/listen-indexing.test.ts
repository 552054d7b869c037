// A listening server (`app-server --listen`, which the Codex front and the daemon run) builds its
// index at start-up like the stdio server does: without it every list would walk the rollout files
// and every read would repair a missing row.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { servedHome } from '../helpers/served-home.ts';
import { waitUntil } from '../helpers/wait.ts';
import { WsClient } from '../helpers/ws-client.ts';

describe('app-server --listen indexes the home at start-up', function () {
  this.timeout(60000);
  const t = servedHome();

  it('reports the index up to date, and reads find their rows in it', async () => {
    const { server, target } = await t.listen(['--listen', `unix://${join(t.root, 'ts.sock')}`], { env: { THREADSTATE_LOG: 'info' } });
    await waitUntil(() => server.stderr.includes('index is up to date with the rollouts'), 'the start-up indexing', 20000);
    assert.ok(readdirSync(t.home).some((f) => /^threadstate_\d+\.sqlite$/.test(f)), 'the index file is in the home');
    const client = await WsClient.connect(target);
    await client.initialize();
    const list = await client.call('thread/list', { limit: 50 });
    assert.ok(list.data.length > 0);
    for (const thread of list.data as Array<{ id: string }>) await client.call('thread/read', { threadId: thread.id });
    await client.close();
    assert.doesNotMatch(server.stderr, /state discrepancy/, 'every read found its thread in the index');
  });
});
