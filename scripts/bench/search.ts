// Search benchmark on a generated home (10,000 rollouts by default): the backfill with and without
// the search documents (same code, a rollout source that skips them), the index size (FTS tables
// and documents from dbstat, against the rollouts' total bytes), then thread/search latency p50/p95
// over a mix of queries. Each backfill runs in a fresh child process, one after the other.
//
// Latency is measured through the thread service (src/threads/search.ts: query parsing, the SQL,
// snippets, wire Threads), and with --stdio also through the real app-server over stdio (round
// trip: validation, JSON framing, pipes), with the server's CPU time per request from /proc. The
// stdio run uses (and, after a schema change, rebuilds with `threadstate backfill`) the home's own
// index.
//
//   node scripts/bench/search.ts [--home DIR] [--threads 10000] [--big 3] [--runs 20] [--pairs 3] [--keep] [--stdio]
//   target: p95 < 20 ms

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setStderrLevel } from '../../src/logs/logger.ts';
import { extractThreadMetadata, extractThreadMetadataSync } from '../../src/rollout/extract.ts';
import { openStateStore } from '../../src/store/open.ts';
import { defaultRolloutSource, type RolloutSource } from '../../src/indexing/rollout-source.ts';
import { LoadedThreads } from '../../src/threads/loaded.ts';
import { searchThreads } from '../../src/threads/search.ts';
import { generateHome } from './gen-home.ts';
import { RpcChild } from '../rpc-child.ts';

const MB = 1024 * 1024;
const QUERIES = [
  'refactor', 'parser cache', '"deploy bug"', 'rel*', 'schema query build', 'index', 'docs release', '"test cache"*',
  'ls', '17', 'x*', 'nomatchword', 'bug fix', 'quer*', 'build test deploy',
];

/** The default source, minus the search documents: the "without search" backfill. */
const noSearchSource: RolloutSource = {
  ...defaultRolloutSource,
  extract: async (path, codexHome, archived, options) => {
    const r = await extractThreadMetadata(path, { codexHome, archived, blocking: options?.blocking });
    return r.metadata ? { metadata: r.metadata, error: null } : { metadata: null, error: r.error ?? 'no metadata' };
  },
  // Phase 2 reads small files with this one.
  extractSync: (path, codexHome, archived) => {
    const r = extractThreadMetadataSync(path, { codexHome, archived });
    if (r === null) return null;
    return r.metadata ? { metadata: r.metadata, error: null } : { metadata: null, error: r.error ?? 'no metadata' };
  },
};

interface BackfillFigures {
  ms: number;
  cpuMs: number;
  dbBytes: number;
  searchBytes: number;
  docs: number;
  peakRssBytes: number;
}

function fileSize(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

async function measureBackfill(home: string, dbPath: string, withSearch: boolean): Promise<void> {
  setStderrLevel('ERROR');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const store = openStateStore(home, { path: dbPath, source: withSearch ? defaultRolloutSource : noSearchSource });
  await store.startBackgroundIndexing();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  store.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  const searchBytes = store.db.get<{ n: number | null }>("SELECT SUM(pgsize) AS n FROM dbstat WHERE name LIKE 'thread_search%'")?.n ?? 0;
  const docs = store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM thread_search_items')?.n ?? 0;
  store.close();
  const out: BackfillFigures = {
    ms, cpuMs: (cpu.user + cpu.system) / 1000, dbBytes: fileSize(dbPath) + fileSize(`${dbPath}-wal`), searchBytes, docs,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
  process.stdout.write(JSON.stringify(out));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measureQueries(home: string, dbPath: string, runs: number): Promise<void> {
  setStderrLevel('ERROR');
  const store = openStateStore(home, { path: dbPath });
  const ctx = { codexHome: home, defaultModelProvider: 'openai', defaultModel: 'bench', store, loaded: new LoadedThreads() };
  const all: number[] = [];
  const perQuery: Array<{ query: string; hits: number; p50: number; p95: number }> = [];
  for (const query of QUERIES) searchThreads(ctx, { query }); // warm the page cache and statements
  for (const query of QUERIES) {
    const times: number[] = [];
    let hits = 0;
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const page = searchThreads(ctx, { query, limit: 25, sourceKinds: i % 2 === 0 ? null : ['cli', 'vscode', 'exec', 'appServer', 'subAgent'] });
      times.push(performance.now() - t0);
      hits = page.data.length;
      if (i === 0 && page.nextCursor) {
        const t1 = performance.now();
        searchThreads(ctx, { query, limit: 25, cursor: page.nextCursor });
        all.push(performance.now() - t1);
      }
    }
    times.sort((a, b) => a - b);
    all.push(...times);
    perQuery.push({ query, hits, p50: percentile(times, 50), p95: percentile(times, 95) });
  }
  store.close();
  all.sort((a, b) => a - b);
  process.stdout.write(JSON.stringify({ p50: percentile(all, 50), p95: percentile(all, 95), max: all[all.length - 1], samples: all.length, perQuery }));
}

/** utime + stime of a process, in ms (from /proc; 0 where /proc is missing). */
function processCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks, USER_HZ = 100
  } catch {
    return 0;
  }
}

/** thread/search through the real server over stdio: round-trip p50/p95 and server CPU per call. */
async function measureStdio(home: string, runs: number): Promise<{ p50: number; p95: number; cpuPerCallMs: number; samples: number }> {
  const cli = new URL('../../bin/threadstate.mjs', import.meta.url).pathname;
  execFileSync(process.execPath, [cli, 'backfill', '--codex-home', home], { stdio: ['ignore', 'ignore', 'inherit'] });
  const server = spawn(process.execPath, [cli, 'app-server', '--codex-home', home, '--log-level', 'info'], { stdio: ['pipe', 'pipe', 'pipe'] });
  // Timed once the start-up reconcile is over (as in thread-api.ts), so it does not run under the timings.
  let stderr = '';
  server.stderr.setEncoding('utf8');
  const indexed = new Promise<void>((resolve) => server.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4096);
    if (stderr.includes('index is up to date')) resolve();
  }));
  const rpc = new RpcChild(server, 'search bench');
  try {
    await rpc.call('initialize', { clientInfo: { name: 'bench', title: null, version: '1' } });
    server.stdin.write(JSON.stringify({ method: 'initialized' }) + '\n');
    await Promise.race([indexed, new Promise((resolve) => setTimeout(resolve, 60_000))]);
    for (const query of QUERIES) await rpc.call('thread/search', { query });
    const times: number[] = [];
    const cpu0 = processCpuMs(server.pid!);
    for (let i = 0; i < runs; i++) {
      for (const query of QUERIES) {
        const t0 = performance.now();
        await rpc.call('thread/search', { query, limit: 25 });
        times.push(performance.now() - t0);
      }
    }
    const cpuPerCallMs = (processCpuMs(server.pid!) - cpu0) / times.length;
    times.sort((a, b) => a - b);
    return { p50: percentile(times, 50), p95: percentile(times, 95), cpuPerCallMs, samples: times.length };
  } finally {
    server.kill();
  }
}

/** The run with the median CPU time (wall, size and RSS figures are that run's). */
function medianRun(runs: BackfillFigures[]): BackfillFigures {
  return [...runs].sort((a, b) => a.cpuMs - b.cpuMs)[Math.floor((runs.length - 1) / 2)];
}

function child<T>(args: string[]): T {
  const raw = execFileSync(process.execPath, [new URL(import.meta.url).pathname, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * MB });
  return JSON.parse(raw) as T;
}

function rolloutBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.jsonl') && entry.name.startsWith('rollout-')) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      home: { type: 'string' }, threads: { type: 'string', default: '10000' }, big: { type: 'string', default: '3' }, sizes: { type: 'string', default: 'small' },
      runs: { type: 'string', default: '20' }, keep: { type: 'boolean', default: false }, stdio: { type: 'boolean', default: false },
      backfill: { type: 'string' }, queries: { type: 'string' }, db: { type: 'string' }, search: { type: 'string' },
      pairs: { type: 'string', default: '3' },
    },
  });
  if (values.backfill) return measureBackfill(values.backfill, values.db!, values.search === '1');
  if (values.queries) return measureQueries(values.queries, values.db!, Number(values.runs));

  let home = values.home;
  const generated = !home;
  if (!home) {
    home = join(mkdtempSync(join(tmpdir(), 'threadstate-search-bench-')), 'home');
    const gen = generateHome({ out: home, threads: Number(values.threads), big: Number(values.big), sizes: values.sizes === 'real' ? 'real' : 'small' });
    console.log(`generated ${gen.files} rollouts, ${(gen.bytes / MB).toFixed(0)} MB at ${home}`);
  }
  const work = mkdtempSync(join(tmpdir(), 'threadstate-search-db-'));
  try {
    const bytes = rolloutBytes(home);
    // Single backfills swing by ±20% on this kind of machine: the two kinds alternate, `pairs`
    // times, and the medians are compared (each run starts from an empty database).
    const pairs = Math.max(1, Number(values.pairs));
    const withoutRuns: BackfillFigures[] = [];
    const withRuns: BackfillFigures[] = [];
    for (let i = 0; i < pairs; i++) {
      for (const name of ['plain.sqlite', 'search.sqlite']) for (const suffix of ['', '-wal', '-shm']) rmSync(join(work, name + suffix), { force: true });
      withoutRuns.push(child<BackfillFigures>(['--backfill', home, '--db', join(work, 'plain.sqlite'), '--search', '0']));
      withRuns.push(child<BackfillFigures>(['--backfill', home, '--db', join(work, 'search.sqlite'), '--search', '1']));
    }
    const without = medianRun(withoutRuns);
    const withSearch = medianRun(withRuns);
    const q = child<{ p50: number; p95: number; max: number; samples: number; perQuery: Array<{ query: string; hits: number; p50: number; p95: number }> }>(
      ['--queries', home, '--db', join(work, 'search.sqlite'), '--runs', values.runs!],
    );
    const slow = (withSearch.ms / without.ms - 1) * 100;
    const slowCpu = (withSearch.cpuMs / without.cpuMs - 1) * 100;
    console.log(`backfill without search: ${(without.ms / 1000).toFixed(2)} s (CPU ${(without.cpuMs / 1000).toFixed(2)} s), database ${(without.dbBytes / MB).toFixed(1)} MB, peak RSS ${(without.peakRssBytes / MB).toFixed(0)} MB`);
    console.log(`backfill with search:    ${(withSearch.ms / 1000).toFixed(2)} s (CPU ${(withSearch.cpuMs / 1000).toFixed(2)} s), database ${(withSearch.dbBytes / MB).toFixed(1)} MB, peak RSS ${(withSearch.peakRssBytes / MB).toFixed(0)} MB, ${withSearch.docs} documents`);
    console.log(`backfill slowdown (medians of ${pairs} alternating runs each): ${slow.toFixed(0)}% wall, ${slowCpu.toFixed(0)}% CPU — target <= 30%: ${slowCpu <= 30 ? 'ok' : 'OVER TARGET'}`);
    if (pairs > 1) console.log(`  CPU per run, without: ${withoutRuns.map((r) => (r.cpuMs / 1000).toFixed(2)).join(' ')} s; with: ${withRuns.map((r) => (r.cpuMs / 1000).toFixed(2)).join(' ')} s`);
    console.log(`search data (dbstat, thread_search*): ${(withSearch.searchBytes / MB).toFixed(1)} MB = ${((withSearch.searchBytes / bytes) * 100).toFixed(1)}% of the rollouts' ${(bytes / MB).toFixed(0)} MB; whole database ${((withSearch.dbBytes / bytes) * 100).toFixed(1)}% (without search ${((without.dbBytes / bytes) * 100).toFixed(1)}%)`);
    for (const p of q.perQuery) console.log(`  ${p.query.padEnd(22)} ${String(p.hits).padStart(3)} hits  p50 ${p.p50.toFixed(1)} ms  p95 ${p.p95.toFixed(1)} ms`);
    console.log(`thread/search over ${q.samples} calls: p50 ${q.p50.toFixed(1)} ms, p95 ${q.p95.toFixed(1)} ms, max ${q.max.toFixed(1)} ms — target p95 < 20 ms: ${q.p95 < 20 ? 'ok' : 'OVER TARGET'}`);
    if (values.stdio) {
      const s = await measureStdio(home, Number(values.runs));
      console.log(`thread/search over stdio (real app-server), ${s.samples} calls: p50 ${s.p50.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms round trip; server CPU ${s.cpuPerCallMs.toFixed(1)} ms per call — target p95 < 20 ms: ${s.p95 < 20 ? 'ok' : 'OVER TARGET'}`);
    }
    console.log(`machine load average: ${loadavg()[0].toFixed(1)} on ${availableParallelism()} CPUs (wall times stretch when it exceeds the CPU count)`);
  } finally {
    rmSync(work, { recursive: true, force: true });
    if (generated && !values.keep) rmSync(join(home, '..'), { recursive: true, force: true });
  }
}

await main();
