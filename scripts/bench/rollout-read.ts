// Rollout read throughput: head reads (listing), full metadata reads (backfill) and the extra
// memory of fully reading (metadata + turns) one big rollout, measured in a fresh child process.
//
//   node scripts/bench/rollout-read.ts [--home DIR] [--threads 10000] [--big 3]

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { extractThreadMetadata } from '../../src/rollout/extract.ts';
import { buildHistory } from '../../src/rollout/history.ts';
import { listRolloutFiles } from '../../src/rollout/paths.ts';
import { readHead, readHeadSync } from '../../src/rollout/reader.ts';
import { generateHome } from './gen-home.ts';

const MB = 1024 * 1024;

async function measureOne(path: string): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 2);
  const started = performance.now();
  const meta = await extractThreadMetadata(path, { codexHome: join(path, '..', '..', '..', '..', '..') });
  const history = await buildHistory(path);
  const ms = performance.now() - started;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  process.stdout.write(JSON.stringify({ baseRss: base, peakRss: peak, ms, bytes: meta.stats.bytesRead, turns: history.turns.length }));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      home: { type: 'string' }, threads: { type: 'string', default: '10000' }, big: { type: 'string', default: '3' }, sizes: { type: 'string', default: 'small' },
      'measure-one': { type: 'string' },
    },
  });
  if (values['measure-one']) return measureOne(values['measure-one']);

  let home = values.home;
  let cleanup = false;
  if (!home) {
    home = mkdtempSync(join(tmpdir(), 'ts-bench-home-'));
    cleanup = true;
    const t0 = performance.now();
    const gen = generateHome({ out: home, threads: Number(values.threads), big: Number(values.big), sizes: values.sizes === 'real' ? 'real' : 'small' });
    process.stdout.write(`generated ${gen.files} rollouts (${(gen.bytes / MB).toFixed(0)} MB, ${gen.bigFiles.length} big) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  try {
    const t0 = performance.now();
    const files = await listRolloutFiles(home);
    const walkMs = performance.now() - t0;
    process.stdout.write(`walk: ${files.length} files in ${walkMs.toFixed(0)} ms (${(files.length / (walkMs / 1000)).toFixed(0)} files/s)\n`);

    let headBytes = 0;
    const t1 = performance.now();
    for (const f of files) headBytes += (await readHead(f.path)).stats.bytesRead;
    const headS = (performance.now() - t1) / 1000;
    process.stdout.write(`head read: ${(files.length / headS).toFixed(0)} files/s, ${(headBytes / MB / headS).toFixed(1)} MB/s (${(headBytes / MB).toFixed(0)} MB read)\n`);

    // What phase 1 of indexing uses: the same window with blocking reads.
    let syncHeadBytes = 0;
    const t1s = performance.now();
    for (const f of files) syncHeadBytes += readHeadSync(f.path).stats.bytesRead;
    const syncHeadS = (performance.now() - t1s) / 1000;
    process.stdout.write(`head read, blocking (phase 1): ${(files.length / syncHeadS).toFixed(0)} files/s, ${(syncHeadBytes / MB / syncHeadS).toFixed(1)} MB/s\n`);

    const normal = files.filter((f) => f.size < 10 * MB);
    let fullBytes = 0;
    const t2 = performance.now();
    for (const f of normal) fullBytes += (await extractThreadMetadata(f.path, { codexHome: home })).stats.bytesRead;
    const fullS = (performance.now() - t2) / 1000;
    process.stdout.write(`full metadata read: ${(normal.length / fullS).toFixed(0)} files/s, ${(fullBytes / MB / fullS).toFixed(1)} MB/s (${normal.length} files, ${(fullBytes / MB).toFixed(0)} MB)\n`);

    const big = files.filter((f) => f.size >= 10 * MB).sort((a, b) => b.size - a.size)[0];
    if (big) {
      const out = execFileSync(process.execPath, ['--expose-gc', new URL(import.meta.url).pathname, '--measure-one', big.path], { encoding: 'utf8' });
      const r = JSON.parse(out) as { baseRss: number; peakRss: number; ms: number; bytes: number; turns: number };
      const extra = (r.peakRss - r.baseRss) / MB;
      process.stdout.write(`big rollout (${(big.size / MB).toFixed(0)} MB, ${r.turns} turns): metadata + turns in ${(r.ms / 1000).toFixed(2)} s (${((2 * r.bytes) / MB / (r.ms / 1000)).toFixed(0)} MB/s over two passes), extra RSS ${extra.toFixed(1)} MB ${extra < 100 ? '(under 100 MB)' : '(OVER 100 MB)'}\n`);
    }
  } finally {
    if (cleanup) rmSync(home, { recursive: true, force: true });
  }
}

await main();
