// Start-up benchmark: spawns `threadstate app-server` the way an editor does and times, from the
// spawn, the `initialize` answer and the first `thread/list` answer (sent as soon as `initialize`
// is answered).
//
//   node scripts/bench/startup.ts --home DIR[,DIR…] [--runs 7] [--server REPO[,REPO]]   restart on an indexed home
//   node scripts/bench/startup.ts --cold --home DIR [--runs 3] [--server REPO[,REPO]]  cold start, no index yet
//
// Restart: each home is cloned once (hard links to its rollouts, so nothing is copied) into
// `<home>.idx-<server>` and indexed there with `threadstate backfill`; then the server is started
// `--runs` times (with several `--server`s, their runs alternate, so each sees the same load), and
// the server's CPU time when each answer arrives is given next to the wall time, with the load average. Cold: each run clones the home afresh, starts the server with no index, and
// polls the index (read-only) every 20 ms: "listable" is when the backfill is complete (thread/list
// answers from the index), "full" when no thread still waits for its turn-derived fields and search
// text. Each is also given as the server's CPU time (user + system) by then, which the load other
// processes put on the machine does not inflate. The server's peak RSS (VmHWM) covers the backfill and the thread/list and thread/search
// calls made while and after it runs. `--server A,B` runs other checkouts (e.g. main and a branch,
// for a before/after table); every figure is printed as median and min over the runs, as this
// machine is shared. From listable until full, `thread/list` is sent one at a time, 5–15 ms apart,
// and its latencies (p50, p95, max per run) are what a client waits while phase 2 runs.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RpcChild } from '../rpc-child.ts';

const HERE = fileURLToPath(new URL('../../', import.meta.url));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function fmt(xs: number[], unit = 'ms'): string {
  if (xs.length === 0) return 'n/a';
  const d = unit === 's' ? (n: number) => (n / 1000).toFixed(2) : (n: number) => n.toFixed(0);
  return `median ${d(median(xs))} ${unit}, min ${d(Math.min(...xs))} ${unit} (${xs.length} runs)`;
}

/** Median and spread of per-run figures that need a decimal (latencies of a few ms). */
function fmtFine(xs: number[]): string {
  const ok = xs.filter((x) => Number.isFinite(x));
  if (ok.length === 0) return 'n/a';
  return `median ${median(ok).toFixed(1)} ms (${Math.min(...ok).toFixed(1)}–${Math.max(...ok).toFixed(1)})`;
}

/** A clone of the home's rollouts and config by hard links: same inodes, sizes and mtimes, no copy. */
function cloneInto(home: string, to: string): void {
  rmSync(to, { recursive: true, force: true });
  execFileSync('mkdir', ['-p', to]);
  const entries = readdirSync(home).filter((n) => !n.startsWith('threadstate'));
  if (entries.length > 0) execFileSync('cp', ['-al', ...entries.map((n) => join(home, n)), to], { stdio: 'ignore' });
}

function vmHwmMb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * CPU milliseconds every thread of the process has run so far, to the nanosecond (the scheduler's
 * own account, /proc/<pid>/task/<tid>/schedstat): precise enough for the ~50 ms of a restart, where
 * /proc/<pid>/stat counts 10 ms ticks.
 */
function cpuMsPrecise(pid: number): number {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    return ns / 1e6;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds (user + system) the process has used so far: a figure the machine's load does not inflate. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** A server under measurement: requests through RpcChild, its stderr kept, closed by ending stdin. */
class Client extends RpcChild {
  readonly pid: number;
  private err = '';
  private readonly exited: Promise<number | null>;

  constructor(server: string, home: string) {
    super(spawn(process.execPath, [join(server, 'bin', 'threadstate.mjs'), 'app-server', '--codex-home', home, '--log-level', 'info'], {
      cwd: server, stdio: ['pipe', 'pipe', 'pipe'],
    }), 'startup bench');
    this.pid = this.child.pid!;
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (c: string) => { this.err += c; });
    this.exited = new Promise((res) => this.child.on('exit', (code) => res(code)));
  }

  close(): Promise<number | null> {
    this.child.stdin.end();
    return this.exited;
  }

  stderr(): string {
    return this.err;
  }
}

const INIT = { clientInfo: { name: 'threadstate_bench', title: null, version: '1.0.0' } };
const LIST = { limit: 25, sortKey: 'updated_at', sourceKinds: [] };

async function restartOnce(server: string, home: string): Promise<{ init: number; list: number; cpuInit: number; cpuList: number; listed: number }> {
  const t0 = performance.now();
  const c = new Client(server, home);
  await c.call('initialize', INIT);
  const tInit = performance.now() - t0;
  const cpuInit = cpuMsPrecise(c.pid);
  const list = await c.call('thread/list', LIST);
  const tList = performance.now() - t0;
  const cpuList = cpuMsPrecise(c.pid);
  await c.close();
  return { init: tInit, list: tList, cpuInit, cpuList, listed: list.data.length };
}

function dbFile(home: string): string | null {
  const name = readdirSync(home).find((n) => /^threadstate_\d+\.sqlite$/.test(n));
  return name ? join(home, name) : null;
}

/** backfill_state and the number of rows still waiting for phase 2 (0 when the column does not exist). */
function indexState(home: string): { complete: boolean; pending: number } | null {
  const path = dbFile(home);
  if (!path) return null;
  let db: DatabaseSync | null = null;
  try {
    db = new DatabaseSync(path, { readOnly: true });
    db.exec('PRAGMA busy_timeout = 100');
    const status = (db.prepare('SELECT status FROM backfill_state WHERE id = 1').get() as { status: string } | undefined)?.status;
    const cols = db.prepare("SELECT name FROM pragma_table_info('threads')").all().map((r) => (r as { name: string }).name);
    const pending = cols.includes('details_pending')
      ? (db.prepare('SELECT count(*) AS n FROM threads WHERE details_pending = 1').get() as { n: number }).n : 0;
    return { complete: status === 'complete', pending };
  } catch {
    return null;
  } finally {
    db?.close();
  }
}

function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/**
 * Sends `thread/list` one at a time, 5–15 ms apart (so requests land at random points of phase 2's
 * transactions, like an editor's), until `stop()`; the latencies are what a client waits while the
 * index is being built.
 */
function probeLatency(c: Client): { stop(): Promise<number[]> } {
  const latencies: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const t = performance.now();
      await c.call('thread/list', LIST);
      latencies.push(performance.now() - t);
      await new Promise((res) => setTimeout(res, 5 + Math.random() * 10));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return latencies;
    },
  };
}

async function coldOnce(server: string, home: string, scratch: string): Promise<{ init: number; listable: number; full: number; cpuListable: number; cpuFull: number; hwm: number; rows: number; searchDuring: string; listDuring: number[] }> {
  cloneInto(home, scratch);
  const t0 = performance.now();
  const c = new Client(server, scratch);
  await c.call('initialize', INIT);
  const tInit = performance.now() - t0;
  let listable = 0;
  let full = 0;
  let cpuListable = 0;
  let cpuFull = 0;
  let searchDuring = 'not tried';
  let probe: { stop(): Promise<number[]> } | null = null;
  let listDuring: number[] = [];
  for (;;) {
    await new Promise((r) => setTimeout(r, 20));
    const st = indexState(scratch);
    if (!st) continue;
    const now = performance.now() - t0;
    if (st.complete && listable === 0) {
      listable = now;
      cpuListable = cpuSeconds(c.pid);
      // A list and a search while phase 2 runs: what does search say?
      await c.call('thread/list', LIST);
      try {
        searchDuring = JSON.stringify((await c.call('thread/search', { query: 'refactor parser', limit: 10 })).indexing ?? null);
      } catch (err) {
        searchDuring = (err as Error).message;
      }
      probe = probeLatency(c);
    }
    if (st.complete && st.pending === 0) {
      full = now;
      cpuFull = cpuSeconds(c.pid);
      if (probe) listDuring = await probe.stop();
      break;
    }
  }
  // The server logs once its start-up indexing is over; wait for that, then list and search once.
  while (!/index is up to date/.test(c.stderr())) await new Promise((r) => setTimeout(r, 20));
  await c.call('thread/list', LIST);
  await c.call('thread/search', { query: 'refactor parser', limit: 10 });
  const hwm = vmHwmMb(c.pid);
  const db = new DatabaseSync(dbFile(scratch)!, { readOnly: true });
  const rows = (db.prepare('SELECT count(*) AS n FROM threads').get() as { n: number }).n;
  db.close();
  await c.close();
  rmSync(scratch, { recursive: true, force: true });
  return { init: tInit, listable, full, cpuListable, cpuFull, hwm, rows, searchDuring, listDuring };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      home: { type: 'string' }, runs: { type: 'string' }, server: { type: 'string', default: HERE }, cold: { type: 'boolean', default: false },
    },
  });
  if (!values.home) {
    process.stderr.write('usage: node scripts/bench/startup.ts --home DIR[,DIR…] [--runs N] [--server REPO] [--cold]\n');
    process.exit(2);
  }
  const servers = values.server!.split(',').map((p) => resolve(p));
  const homes = values.home.split(',').map((h) => resolve(h));
  if (values.cold) {
    const runs = Number(values.runs ?? 3);
    for (const home of homes) {
      const out = new Map(servers.map((s) => [s, { init: [] as number[], listable: [] as number[], full: [] as number[], cpuListable: [] as number[], cpuFull: [] as number[], hwm: [] as number[], p50: [] as number[], p95: [] as number[], max: [] as number[] }]));
      for (let i = 0; i < runs; i++) {
        for (const server of servers) {
          const r = await coldOnce(server, home, `${home}.cold-${basename(server)}`);
          const o = out.get(server)!;
          o.init.push(r.init);
          o.listable.push(r.listable);
          o.full.push(r.full);
          o.cpuListable.push(r.cpuListable * 1000);
          o.cpuFull.push(r.cpuFull * 1000);
          o.hwm.push(r.hwm);
          const [p50, p95, max] = [percentile(r.listDuring, 50), percentile(r.listDuring, 95), Math.max(...r.listDuring)];
          o.p50.push(p50);
          o.p95.push(p95);
          o.max.push(max);
          const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
          console.log(`  ${basename(server)} run ${i + 1}: initialize ${r.init.toFixed(0)} ms, listable ${(r.listable / 1000).toFixed(2)} s, full ${(r.full / 1000).toFixed(2)} s (server CPU ${r.cpuListable.toFixed(2)} s / ${r.cpuFull.toFixed(2)} s), peak RSS ${r.hwm.toFixed(0)} MB, ${r.rows} rows; thread/search while indexing: ${r.searchDuring}`);
          console.log(`    thread/list during phase 2: ${r.listDuring.length} calls, p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${max.toFixed(1)} ms; load average ${load}`);
        }
      }
      for (const [server, o] of out) {
        console.log(`cold start ${home} (server ${server}):`);
        console.log(`  initialize answered:           ${fmt(o.init)}`);
        console.log(`  every thread listable (index): ${fmt(o.listable, 's')}`);
        console.log(`  full index with search text:   ${fmt(o.full, 's')}`);
        console.log(`  server CPU until listable:     ${fmt(o.cpuListable, 's')}`);
        console.log(`  server CPU until full:         ${fmt(o.cpuFull, 's')}`);
        console.log(`  server peak RSS (VmHWM):       ${fmt(o.hwm, 'MB')}`);
        console.log(`  thread/list during phase 2:    p50 ${fmtFine(o.p50)}; p95 ${fmtFine(o.p95)}; max ${fmtFine(o.max)}`);
      }
    }
    return;
  }
  const runs = Number(values.runs ?? 7);
  for (const home of homes) {
    const idxOf = (server: string) => `${home}.idx-${basename(server)}`;
    for (const server of servers) {
      const idx = idxOf(server);
      if (!existsSync(idx) || !dbFile(idx) || !indexState(idx)?.complete) {
        cloneInto(home, idx);
        const t = performance.now();
        execFileSync(process.execPath, [join(server, 'bin', 'threadstate.mjs'), 'backfill', '--codex-home', idx], { stdio: ['ignore', 'ignore', 'inherit'], cwd: server });
        console.log(`indexed ${idx} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      }
      // One start first so every run finds the same warm caches (page cache, compile cache).
      await restartOnce(server, idx);
    }
    const out = new Map(servers.map((s) => [s, { init: [] as number[], list: [] as number[], cpuInit: [] as number[], cpuList: [] as number[], listed: 0 }]));
    for (let i = 0; i < runs; i++) {
      for (const server of servers) {
        const r = await restartOnce(server, idxOf(server));
        const o = out.get(server)!;
        o.init.push(r.init);
        o.list.push(r.list);
        o.cpuInit.push(r.cpuInit);
        o.cpuList.push(r.cpuList);
        o.listed = r.listed;
      }
    }
    console.log(`load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} after the runs`);
    for (const [server, o] of out) {
      console.log(`restart on ${idxOf(server)} (server ${server}):`);
      console.log(`  initialize answered:        ${fmt(o.init)}`);
      console.log(`  first thread/list answered: ${fmt(o.list)} (${o.listed} threads in the page)`);
      console.log(`  server CPU to initialize:   ${fmt(o.cpuInit)}`);
      console.log(`  server CPU to thread/list:  ${fmt(o.cpuList)}`);
    }
  }
}

await main();
