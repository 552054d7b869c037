// Thread API benchmark: drives the real `threadstate app-server` over stdio on generated homes of
// 10,000 and 100,000 threads (a few rollouts of 50 MB each) and prints p50/p95 per request for
// `thread/list` (first page, a deep page ~50 pages in, both sort keys, a cwd filter, a searchTerm)
// and `thread/read` with turns on a 50 MB rollout, the start-up time to the first `initialize`
// answer, and the server's RSS (VmRSS / VmHWM from /proc).
//
//   node scripts/bench/thread-api.ts [--dir DIR] [--sizes 10000,100000] [--big 2] [--runs 200]
//        [--read-runs 10] [--starts 5] [--json] [--real]
//   (--real: real-sized rollouts, see gen-home.ts --sizes real; its big files are 20-63 MB)
//   (from the repo: node_modules/.bin/node scripts/bench/thread-api.ts --dir /tmp/ts-bench)
//
// Homes are generated once and cached under --dir (default: a new temp dir, removed afterwards
// unless --dir is given); the index is built with `threadstate backfill` before the server starts.
// Targets: thread/list p50 < 2 ms at 100,000 threads; thread/read of the 50 MB rollout < 500 ms;
// server RSS < 150 MB.

import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateHome } from './gen-home.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(REPO, 'bin', 'threadstate.mjs');
const MB = 1024 * 1024;
const TARGET_LIST_P50_MS = 2;
const TARGET_READ_MS = 500;
const TARGET_RSS_MB = 150;

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

interface HomeInfo {
  home: string;
  threads: number;
  bigFiles: string[];
}

/** Generates a home once; a marker written last makes a half-generated directory start over. */
function ensureHome(dir: string, threads: number, big: number, real: boolean): HomeInfo {
  const home = join(dir, `home-${threads}${real ? '-real' : ''}`);
  const marker = join(dir, `home-${threads}${real ? '-real' : ''}.json`);
  if (existsSync(marker)) {
    const info = JSON.parse(readFileSync(marker, 'utf8')) as HomeInfo;
    if (info.threads === threads && (real || info.bigFiles.length === big) && info.bigFiles.every((f) => existsSync(f))) return info;
  }
  rmSync(home, { recursive: true, force: true });
  const t0 = performance.now();
  const gen = generateHome({ out: home, threads, big, seed: 2, sizes: real ? 'real' : 'small' });
  console.log(`generated ${gen.files} rollouts (${(gen.bytes / MB).toFixed(0)} MB, ${gen.bigFiles.length} of 50 MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s at ${home}`);
  const info: HomeInfo = { home, threads, bigFiles: gen.bigFiles };
  writeFileSync(marker, JSON.stringify(info));
  return info;
}

function backfill(home: string): void {
  const t0 = performance.now();
  execFileSync(process.execPath, [CLI, 'backfill', '--codex-home', home], { stdio: ['ignore', 'ignore', 'pipe'], cwd: REPO });
  console.log(`backfill (or reconcile of a cached index): ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/**
 * A lean NDJSON client: answers are collected as raw bytes and matched by id, and only decoded when
 * the caller asks for the text, so a 50 MB answer's time is the server's and the pipe's, not the
 * time this process spends building a 50 MB string.
 */
class Server {
  readonly child: ChildProcessWithoutNullStreams;
  private parts: Buffer[] = [];
  private stderr = '';
  private nextId = 1;
  private readonly pending = new Map<number, (line: Buffer[]) => void>();
  private readonly stderrWaiters: Array<{ text: string; resolve: () => void }> = [];

  constructor(home: string) {
    this.child = spawn(process.execPath, [CLI, 'app-server', '--codex-home', home, '--log-level', 'info'], { cwd: REPO });
    this.child.stdout.on('data', (chunk: Buffer) => {
      let from = 0;
      let nl: number;
      while ((nl = chunk.indexOf(10, from)) >= 0) {
        this.parts.push(chunk.subarray(from, nl));
        this.onLine(this.parts);
        this.parts = [];
        from = nl + 1;
      }
      if (from < chunk.length) this.parts.push(chunk.subarray(from));
    });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => {
      this.stderr += chunk;
      for (const w of [...this.stderrWaiters]) {
        if (this.stderr.includes(w.text)) {
          this.stderrWaiters.splice(this.stderrWaiters.indexOf(w), 1);
          w.resolve();
        }
      }
    });
  }

  private onLine(parts: Buffer[]): void {
    const head = Buffer.concat(parts.slice(0, 2)).subarray(0, 40).toString('utf8');
    const m = /^\{"id":(\d+),/.exec(head);
    const resolve = m ? this.pending.get(Number(m[1])) : undefined;
    if (resolve) {
      this.pending.delete(Number(m![1]));
      resolve(parts);
    }
  }

  /** Sends a request; resolves with the raw answer line (its byte pieces) once it has fully arrived. */
  requestRaw(method: string, params: Json): Promise<Buffer[]> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.child.stdin.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  }

  async call(method: string, params: Json): Promise<Json> {
    const msg = JSON.parse(Buffer.concat(await this.requestRaw(method, params)).toString('utf8'));
    if (msg.error) throw new Error(`${method} failed: ${JSON.stringify(msg.error)}`);
    return msg.result;
  }

  async initialize(): Promise<void> {
    await this.call('initialize', { clientInfo: { name: 'threadstate_bench', title: null, version: '1.0.0' } });
    this.child.stdin.write(`${JSON.stringify({ method: 'initialized' })}\n`);
  }

  waitForStderr(text: string, timeoutMs: number): Promise<boolean> {
    if (this.stderr.includes(text)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.stderrWaiters.push({ text, resolve: () => { clearTimeout(timer); resolve(true); } });
    });
  }

  memory(): { rssMb: number; hwmMb: number } {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.child.on('exit', resolve));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15000);
    await exited;
    clearTimeout(timer);
  }
}

function headOf(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1024);
    return buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

interface Row {
  size: number;
  name: string;
  p50: number;
  p95: number;
  runs: number;
  target?: number;
  note?: string;
}

async function timeRequest(server: Server, method: string, params: Json, runs: number, warmup = 3): Promise<{ p50: number; p95: number; last: Json }> {
  let last: Json = null;
  for (let i = 0; i < warmup; i++) last = await server.call(method, params);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const line = await server.requestRaw(method, params);
    times.push(performance.now() - t0);
    if (i === runs - 1) last = JSON.parse(Buffer.concat(line).toString('utf8')).result;
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95), last };
}

async function measureStartUp(home: string, starts: number): Promise<{ p50: number; p95: number }> {
  const times: number[] = [];
  for (let i = 0; i < starts; i++) {
    const t0 = performance.now();
    const server = new Server(home);
    await server.initialize();
    times.push(performance.now() - t0);
    await server.close();
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

/** Follows nextCursor `pages` pages in; returns the cursor of the page to time. */
async function deepCursor(server: Server, params: Json, pages: number): Promise<{ cursor: string | null; reached: number }> {
  let cursor: string | null = null;
  let reached = 0;
  for (let i = 0; i < pages; i++) {
    const page: Json = await server.call('thread/list', { ...params, cursor });
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
    reached = i + 1;
  }
  return { cursor, reached };
}

async function benchHome(info: HomeInfo, opts: { runs: number; readRuns: number; starts: number }): Promise<{ rows: Row[]; memory: Json }> {
  const rows: Row[] = [];
  const size = info.threads;
  const startUp = await measureStartUp(info.home, opts.starts);
  rows.push({ size, name: 'start-up to initialize answer', p50: startUp.p50, p95: startUp.p95, runs: opts.starts });

  const server = new Server(info.home);
  await server.initialize();
  // Let the start-up reconcile finish so it does not run under the timings.
  const settled = await server.waitForStderr('index is up to date with the rollouts', 300_000);
  if (!settled) console.log('warning: the start-up reconcile did not report completion; timings may include it');
  const memAfterStart = server.memory();

  const list = async (name: string, params: Json, runs = opts.runs) => {
    const r = await timeRequest(server, 'thread/list', params, runs);
    rows.push({ size, name: `thread/list ${name}`, p50: r.p50, p95: r.p95, runs, target: TARGET_LIST_P50_MS, note: `${r.last.data.length} rows` });
    return r.last;
  };
  await list('first page (created_at)', { limit: 25 });
  await list('first page (updated_at)', { limit: 25, sortKey: 'updated_at' });
  for (const sortKey of ['created_at', 'updated_at']) {
    const deep = await deepCursor(server, { limit: 25, sortKey }, 50);
    await list(`page ${deep.reached + 1} (${sortKey})`, { limit: 25, sortKey, cursor: deep.cursor });
  }
  await list('cwd filter', { limit: 25, cwd: '/home/dev/src/beta' });
  await list('cwd filter (updated_at)', { limit: 25, cwd: '/srv/mono/repo', sortKey: 'updated_at' });
  await list('searchTerm "deploy"', { limit: 25, searchTerm: 'deploy' });
  await list('searchTerm, no match', { limit: 25, searchTerm: 'no-such-title-anywhere' }, Math.max(10, Math.floor(opts.runs / 10)));
  await list('all providers/sources, archived', { limit: 25, archived: true, modelProviders: [], sourceKinds: [] });
  const memAfterList = server.memory();

  for (const file of info.bigFiles) {
    const id = /-([0-9a-f-]{36})\.jsonl$/.exec(basename(file))![1];
    const cli = /"cli_version":"([^"]*)"/.exec(headOf(file))?.[1] ?? '?';
    const r = await timeRequest(server, 'thread/read', { threadId: id, includeTurns: true }, opts.readRuns, 1);
    rows.push({ size, name: `thread/read includeTurns, ${(statSync(file).size / MB).toFixed(0)} MB (${cli})`, p50: r.p50, p95: r.p95, runs: opts.readRuns, target: TARGET_READ_MS, note: `${r.last.thread.turns.length} turns` });
  }
  const memEnd = server.memory();
  await server.close();
  return { rows, memory: { afterStart: memAfterStart, afterList: memAfterList, end: memEnd } };
}

function fmt(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string' }, sizes: { type: 'string', default: '10000,100000' }, big: { type: 'string', default: '2' },
      runs: { type: 'string', default: '200' }, 'read-runs': { type: 'string', default: '10' }, starts: { type: 'string', default: '5' },
      json: { type: 'boolean', default: false }, real: { type: 'boolean', default: false },
    },
  });
  const temp = values.dir === undefined;
  const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'threadstate-bench-api-'));
  mkdirSync(dir, { recursive: true });
  const opts = { runs: Number(values.runs), readRuns: Number(values['read-runs']), starts: Number(values.starts) };
  const all: Row[] = [];
  const memories: Record<number, Json> = {};
  let ok = true;
  try {
    for (const size of values.sizes.split(',').map(Number)) {
      const info = ensureHome(dir, size, Number(values.big), values.real === true);
      backfill(info.home);
      const { rows, memory } = await benchHome(info, opts);
      all.push(...rows);
      memories[size] = memory;
    }
  } finally {
    if (temp) rmSync(dir, { recursive: true, force: true });
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ rows: all, memory: memories })}\n`);
    return;
  }
  console.log('');
  console.log(`${'threads'.padStart(7)}  ${'request'.padEnd(54)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)}  ${'runs'.padStart(4)}  target`);
  for (const r of all) {
    // The list target is stated for 100,000 threads; smaller homes are shown against it too.
    const verdict = r.target === undefined ? '' : `${r.p50 < r.target ? 'ok' : 'MISSED'} (p50 < ${r.target} ms)`;
    if (r.target !== undefined && r.p50 >= r.target && (r.target !== TARGET_LIST_P50_MS || r.size >= 100_000)) ok = false;
    console.log(`${String(r.size).padStart(7)}  ${`${r.name}${r.note ? ` [${r.note}]` : ''}`.padEnd(54)} ${fmt(r.p50).padStart(8)} ${fmt(r.p95).padStart(8)}  ${String(r.runs).padStart(4)}  ${verdict}`);
  }
  console.log('');
  for (const [size, m] of Object.entries(memories)) {
    const rssOk = m.end.hwmMb < TARGET_RSS_MB;
    if (!rssOk) ok = false;
    console.log(`${String(size).padStart(7)}  server RSS: after start ${m.afterStart.rssMb.toFixed(0)} MB, after lists ${m.afterList.rssMb.toFixed(0)} MB, ` +
      `end ${m.end.rssMb.toFixed(0)} MB, peak (VmHWM) ${m.end.hwmMb.toFixed(0)} MB — target < ${TARGET_RSS_MB} MB: ${rssOk ? 'ok' : 'MISSED'}`);
  }
  console.log(`\nall targets met: ${ok ? 'yes' : 'NO'}`);
}

await main();
