// Index benchmark: full backfill of a generated home (10,000 rollouts, a few of 50 MB; `--sizes
// real`: real-sized rollouts, ~2 GiB), the time until every thread is listable (phase 1) and until
// turns and search text are in (phase 2), then the reconcile of the unchanged home at the next
// start, the database size and peak RSS. The measurement runs in a fresh child process so RSS
// reflects the indexing alone.
//
//   node scripts/bench/backfill.ts [--home DIR] [--threads 10000] [--big 3] [--sizes small|real] [--keep]
//   targets: backfill < 10 s, listable < 2.5 s, reconcile < 300 ms, peak RSS < 120 MB

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setStderrLevel } from '../../src/logs/logger.ts';
import { stateDbPath } from '../../src/sqlite/files.ts';
import { openStateStore } from '../../src/store/open.ts';
import { runReconcile } from '../../src/indexing/reconcile.ts';
import { generateHome } from './gen-home.ts';

const MB = 1024 * 1024;

interface Measurement {
  files: number;
  bytes: number;
  failed: number;
  backfillMs: number;
  /** Until every thread was listable from the index (phase 1 and the reconcile after it). */
  listableMs: number;
  cpuMs: number;
  reconcileMs: number;
  /** CPU time (user + system) of the reconcile: less sensitive than wall time to a busy machine. */
  reconcileCpuMs: number;
  startMs: number;
  dbBytes: number;
  peakRssBytes: number;
}

function fileSize(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

async function measure(home: string, concurrency: number | undefined): Promise<void> {
  setStderrLevel('ERROR');
  const started = performance.now();
  const store = openStateStore(home);
  let listableMs = 0;
  const result = await store.startBackgroundIndexing({ concurrency, onListable: () => { listableMs = performance.now() - started; } });
  const backfillMs = performance.now() - started;
  const indexCpu = process.cpuUsage();
  store.close();
  // The next start: open + reconcile of the unchanged home (what a server does at start-up).
  const startBegin = performance.now();
  const again = openStateStore(home);
  const reconcileBegin = performance.now();
  const cpuBegin = process.cpuUsage();
  const reconcile = await runReconcile(again.db, home);
  const cpu = process.cpuUsage(cpuBegin);
  const reconcileMs = performance.now() - reconcileBegin;
  const startMs = performance.now() - startBegin;
  if (reconcile.indexed + reconcile.dropped !== 0) throw new Error(`reconcile of an unchanged home changed rows: ${JSON.stringify(reconcile)}`);
  again.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  again.close();
  const db = stateDbPath(home);
  const out: Measurement = {
    files: result.backfill.scanned, bytes: 0, failed: result.backfill.failed, backfillMs, listableMs, cpuMs: (indexCpu.user + indexCpu.system) / 1000, reconcileMs, reconcileCpuMs: (cpu.user + cpu.system) / 1000, startMs,
    dbBytes: fileSize(db) + fileSize(`${db}-wal`), peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
  process.stdout.write(JSON.stringify(out));
}

function verdict(ok: boolean): string {
  return ok ? 'ok' : 'OVER TARGET';
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      home: { type: 'string' }, threads: { type: 'string', default: '10000' }, big: { type: 'string', default: '3' },
      keep: { type: 'boolean', default: false }, measure: { type: 'string' }, concurrency: { type: 'string' }, sizes: { type: 'string', default: 'small' },
    },
  });
  if (values.measure) return measure(values.measure, values.concurrency ? Number(values.concurrency) : undefined);
  let home = values.home;
  let generated = false;
  let bytes = 0;
  if (!home) {
    home = join(mkdtempSync(join(tmpdir(), 'threadstate-bench-')), 'home');
    const t0 = performance.now();
    const gen = generateHome({ out: home, threads: Number(values.threads), big: Number(values.big), sizes: values.sizes === 'real' ? 'real' : 'small' });
    bytes = gen.bytes;
    generated = true;
    console.log(`generated ${gen.files} rollouts, ${(gen.bytes / MB).toFixed(0)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s at ${home}`);
  } else {
    rmSync(stateDbPath(home), { force: true });
    for (const s of ['-wal', '-shm']) rmSync(stateDbPath(home) + s, { force: true });
  }
  try {
    const raw = execFileSync(process.execPath, [new URL(import.meta.url).pathname, '--measure', home, ...(values.concurrency ? ['--concurrency', values.concurrency] : [])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const m = JSON.parse(raw) as Measurement;
    const total = bytes || m.bytes;
    const s = m.backfillMs / 1000;
    console.log(`full backfill: ${m.files} files${total ? `, ${(total / MB).toFixed(0)} MB` : ''} in ${s.toFixed(2)} s ` +
      `(${(m.files / s).toFixed(0)} files/s${total ? `, ${(total / MB / s).toFixed(0)} MB/s` : ''}), ${m.failed} failed, CPU ${(m.cpuMs / 1000).toFixed(2)} s — target < 10 s: ${verdict(s < 10)}`);
    console.log(`every thread listable from the index (phase 1): ${(m.listableMs / 1000).toFixed(2)} s — target < 2.5 s: ${verdict(m.listableMs < 2500)}`);
    console.log(`reconcile of the unchanged home: ${m.reconcileMs.toFixed(0)} ms (CPU ${m.reconcileCpuMs.toFixed(0)} ms; open + reconcile ${m.startMs.toFixed(0)} ms) — target < 300 ms: ${verdict(m.reconcileMs < 300)}`);
    console.log(`machine load average: ${loadavg()[0].toFixed(1)} on ${availableParallelism()} CPUs (wall times stretch when it exceeds the CPU count)`);
    console.log(`database size: ${(m.dbBytes / MB).toFixed(1)} MB`);
    console.log(`peak RSS: ${(m.peakRssBytes / MB).toFixed(0)} MB — target < 120 MB: ${verdict(m.peakRssBytes < 120 * MB)}`);
  } finally {
    if (generated && !values.keep) rmSync(join(home, '..'), { recursive: true, force: true });
    else if (generated) console.log(`kept ${home}`);
  }
}

await main();
