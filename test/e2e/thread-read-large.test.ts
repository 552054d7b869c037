// History answers with long outputs: the server leaves them in the rollout while it builds the
// answer (see src/rollout/spilled-text.ts); over stdio the client must still get every byte, and
// no rollout may stay open once the answer is out.

import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { buildHistory } from '../../src/rollout/history.ts';
import type { AppServerProcess, Json } from '../helpers/app-server.ts';
import { withCommandOutput } from '../helpers/hostile.ts';
import { servedHome } from '../helpers/served-home.ts';

const OUTPUT_CHARS = 300_000;

function openFiles(pid: number): string[] {
  const dir = `/proc/${pid}/fd`;
  return readdirSync(dir).map((fd) => { try { return readlinkSync(join(dir, fd)); } catch { return ''; } });
}

describe('thread history answers with long outputs', function () {
  this.timeout(30000);
  const t = servedHome();
  let server: AppServerProcess;
  let path: string;
  let threadId: string;
  let output: string;

  before(async () => {
    const unit = 'line "quoted" \\ tab\t é ✓ 😀\n';
    output = unit.repeat(Math.ceil(OUTPUT_CHARS / unit.length));
    ({ path, threadId } = withCommandOutput(t.home, output));
    server = await t.ready([], { capabilities: { experimentalApi: true } });
  });

  it('thread/read, thread/items/list and thread/resume carry the whole output, as the rollout has it', async () => {
    const expected = (await buildHistory(path)).turns;
    const read = await server.call('thread/read', { threadId, includeTurns: true });
    assert.deepEqual(read.thread.turns, JSON.parse(JSON.stringify(expected)));
    const outputs = (turns: Json[]) => turns.flatMap((t: Json) => t.items).filter((i: Json) => i.type === 'commandExecution').map((i: Json) => i.aggregatedOutput);
    assert.deepEqual(outputs(read.thread.turns), [output]);

    const items = await server.call('thread/items/list', { threadId, limit: 100 });
    assert.deepEqual(items.data.map((e: Json) => e.item).filter((i: Json) => i.type === 'commandExecution').map((i: Json) => i.aggregatedOutput), [output]);

    const resumed = await server.call('thread/resume', { threadId });
    assert.deepEqual(outputs(resumed.thread.turns), [output]);
  });

  it('closes the rollout once the answer has been written', async () => {
    await server.call('thread/read', { threadId, includeTurns: true });
    await server.call('thread/loaded/list', {});
    assert.ok(!openFiles(server.child.pid!).includes(path), 'the rollout is still open');
  });
});
