// Latency of acknowledged writes over stdio: 300 alternating `thread/inject_items` and
// `thread/name/set` on one thread, each answered only once its line is on disk (fdatasync).
//
//   node scripts/bench/writes.ts [--count N]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ask, startServer } from '../reliability/lib.ts';

const { values } = parseArgs({ options: { count: { type: 'string', default: '300' } } });
const count = Number(values.count);
const dir = mkdtempSync(join(tmpdir(), 'threadstate-writes-'));
const server = await startServer(join(dir, 'home'));
try {
  const threadId = (await ask(server, 'thread/start', { cwd: '/work/bench' }))!.result.thread.id as string;
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const reply = i % 2
      ? await ask(server, 'thread/inject_items', { threadId, items: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: `message ${i}` }] }] })
      : await ask(server, 'thread/name/set', { threadId, name: `name ${i}` });
    if (!reply?.result) throw new Error(`write ${i} failed: ${JSON.stringify(reply)}`);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q: number): string => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(2);
  process.stdout.write(`writes: ${count} acknowledged, p50 ${at(0.5)} ms, p95 ${at(0.95)} ms (home in ${tmpdir()})\n`);
} finally {
  server.kill();
  rmSync(dir, { recursive: true, force: true });
}
