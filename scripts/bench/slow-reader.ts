// A client that does not read: 10,000 pipelined `thread/list` pages (25 threads each) on a
// 300-thread home, nothing read for 15 s. Prints the server's peak RSS (VmHWM) each second and how
// many requests the server took in meanwhile. Run it on two checkouts to compare.
//
//   node scripts/bench/slow-reader.ts [--requests N] [--seconds S]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateHome } from './gen-home.ts';
import { ask, peakRssKb, sleep, startServer } from '../reliability/lib.ts';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '10000' }, seconds: { type: 'string', default: '15' } } });
const requests = Number(values.requests);
const dir = mkdtempSync(join(tmpdir(), 'threadstate-slow-reader-'));
const home = join(dir, 'home');
generateHome({ out: home, threads: 300, seed: 68 });
const server = await startServer(home);
try {
  await ask(server, 'thread/list', { limit: 1, sourceKinds: [] });
  await sleep(1500);
  const pid = server.child.pid!;
  const mb = (): number => Math.round((peakRssKb(pid) ?? 0) / 1024);
  const start = mb();
  server.child.stdout.pause();
  let sent = 0;
  void (async () => {
    for (; sent < requests; sent++) {
      const line = `${JSON.stringify({ id: 10_000 + sent, method: 'thread/list', params: { limit: 25, sourceKinds: [] } })}\n`;
      if (!server.child.stdin.write(line)) await new Promise((resolve) => server.child.stdin.once('drain', resolve));
    }
  })();
  const samples: number[] = [];
  for (let s = 0; s < Number(values.seconds); s++) {
    await sleep(1000);
    samples.push(mb());
  }
  process.stdout.write(`slow reader: peak RSS ${start} MB before, then by second ${samples.join(' ')} MB; requests taken in while unread: ${sent} of ${requests}\n`);
} finally {
  server.kill();
  rmSync(dir, { recursive: true, force: true });
}
