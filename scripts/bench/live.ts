// Live index benchmark on a generated home (10,000 rollouts by default, one 50 MB): a real
// app-server follows the home while this script changes it, once with file watches and once with
// periodic checks only (THREADSTATE_WATCH=0). It prints, per kind of change (create, append, name,
// archive move, unarchive move, delete, restore), the lag from the change on disk to its
// visibility in thread/list and in thread/search (p50/p95 over --changes changes, made --batch at a
// time, half of them probed by each method; each request applies pending changes first and checks
// its rows against their files, as it does for any client); the server
// CPU of an appended turn, on a small rollout and on the 50 MB one (the first append after start
// reads the big file once; later ones read the appended bytes); and the server's idle CPU.
//
//   node scripts/bench/live.ts [--home DIR] [--threads 10000] [--changes 400] [--batch 10] [--idle-s 60] [--modes watch,poll]
//   targets: p95 lag <= 250 ms with watches, <= 2 s with periodic checks; append cost O(appended bytes); idle CPU < 1%

import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RpcChild, type Json } from '../rpc-child.ts';
import { generateHome } from './gen-home.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(REPO, 'bin', 'threadstate.mjs');
const TICK_MS = 1000 / 100; // /proc/<pid>/stat counts clock ticks (USER_HZ, 100 on Linux)

class Server extends RpcChild {
  stderr = '';
  ready: Promise<void>;

  constructor(home: string, env: Record<string, string>) {
    super(spawn(process.execPath, [CLI, 'app-server', '--codex-home', home, '--log-level', 'info'], { cwd: REPO, env: { ...process.env, ...env } }), 'threadstate');
    this.child.stderr.setEncoding('utf8');
    this.ready = new Promise((resolve) => {
      this.child.stderr.on('data', (chunk: string) => {
        this.stderr += chunk;
        if (this.stderr.length > 1_000_000) this.stderr = this.stderr.slice(-100_000);
        if (chunk.includes('index is up to date with the rollouts')) resolve();
      });
    });
  }

  /** User + system CPU of the server process so far, in ms. */
  cpuMs(): number {
    const fields = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  }

  async close(): Promise<void> {
    this.child.stdin.end();
    await new Promise((r) => this.child.on('exit', r));
  }
}

/** A word FTS5 and substring filters both find, unique per change. */
function word(prefix: string, i: number): string {
  let s = '';
  let n = i;
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26);
  } while (n > 0);
  return `${prefix}q${s}z`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function rolloutName(id: string, at: Date): { dir: string[]; name: string } {
  const y = String(at.getFullYear());
  const stamp = `${y}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}-${pad(at.getMinutes())}-${pad(at.getSeconds())}`;
  return { dir: [y, pad(at.getMonth() + 1), pad(at.getDate())], name: `rollout-${stamp}-${id}.jsonl` };
}

const ev = (payload: Json): string => JSON.stringify({ timestamp: new Date().toISOString(), type: 'event_msg', payload });
function turnLines(text: string): string {
  return [
    JSON.stringify({ timestamp: new Date().toISOString(), type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } }),
    ev({ type: 'user_message', message: text, images: [], local_images: [], text_elements: [] }),
    ev({ type: 'agent_reasoning', text: 'thinking about it '.repeat(20) }),
    ev({ type: 'exec_command_end', call_id: `call_${Math.random()}`, command: ['ls'], cwd: '/w', aggregated_output: 'output line\n'.repeat(200), exit_code: 0, status: 'completed' }),
    ev({ type: 'agent_message', message: `Answer to ${text}: ${'words '.repeat(80)}` }),
    ev({ type: 'token_count', info: { total_token_usage: { total_tokens: 1234 } } }),
  ].join('\n') + '\n';
}

interface BenchThread {
  id: string;
  word: string;
  path: string;
  archivedPath: string;
  content?: Buffer;
}

function uuid(): string {
  return crypto.randomUUID();
}

function createThread(home: string, w: string): BenchThread {
  const id = uuid();
  const now = new Date();
  const { dir, name } = rolloutName(id, now);
  const folder = join(home, 'sessions', ...dir);
  mkdirSync(folder, { recursive: true });
  const path = join(folder, name);
  const meta = JSON.stringify({ timestamp: now.toISOString(), type: 'session_meta', payload: { id, timestamp: now.toISOString(), cwd: '/home/dev/src/alpha', originator: 'codex_cli_rs', cli_version: '0.98.0', source: 'vscode', model_provider: 'openai' } });
  writeFileSync(path, `${meta}\n${turnLines(`${w} please look`)}`);
  return { id, word: w, path, archivedPath: join(home, 'archived_sessions', name) };
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function fmt(values: number[]): string {
  const s = [...values].sort((a, b) => a - b);
  return `p50 ${quantile(s, 0.5).toFixed(0).padStart(5)} ms  p95 ${quantile(s, 0.95).toFixed(0).padStart(5)} ms  max ${s[s.length - 1].toFixed(0).padStart(5)} ms`;
}

interface Visibility {
  list: (s: Server, t: BenchThread) => Promise<boolean>;
  search: (s: Server, t: BenchThread) => Promise<boolean>;
}

const inList = async (s: Server, t: BenchThread, archived: boolean) =>
  (await s.call('thread/list', { searchTerm: t.word, archived, sourceKinds: [], limit: 5 })).data.some((x: Json) => x.id === t.id);
const inSearch = async (s: Server, t: BenchThread, query: string, archived: boolean) =>
  (await s.call('thread/search', { query, archived, limit: 5 })).data.some((x: Json) => x.thread.id === t.id);

/**
 * Makes the changes `batch` at a time, each measured from its own write until visible. Half of
 * each batch is probed with thread/list only and half with thread/search only: a list repairs the
 * rows it finds behind their files, which would otherwise make a search right after it look faster.
 */
async function measure(s: Server, threads: BenchThread[], batch: number, change: (t: BenchThread) => void, vis: Visibility): Promise<{ list: number[]; search: number[] }> {
  const out = { list: [] as number[], search: [] as number[] };
  for (let i = 0; i < threads.length; i += batch) {
    const group = threads.slice(i, i + batch).map((t, k) => {
      const at = performance.now();
      change(t);
      return { t, at, by: k % 2 === 0 ? 'list' as const : 'search' as const, lag: -1 };
    });
    const deadline = performance.now() + 30_000;
    while (group.some((g) => g.lag < 0)) {
      if (performance.now() > deadline) {
        const left = group.filter((g) => g.lag < 0);
        const tail = s.stderr.split('\n').filter((l) => / (WARN|ERROR) /.test(l)).slice(-5).join('\n');
        throw new Error(`changes not visible after 30 s (${left.length} left, by ${left.map((g) => g.by).join(',')}: ${left.map((g) => g.t.path).slice(0, 2).join(' ')}); last server warnings:\n${tail}`);
      }
      for (const g of group) {
        if (g.lag < 0 && (await vis[g.by](s, g.t))) g.lag = performance.now() - g.at;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    for (const g of group) out[g.by].push(g.lag);
  }
  return out;
}

async function appendCost(s: Server, path: string, label: string, count: number, settleMs: number, prefix: string, checkSearch: boolean): Promise<void> {
  // The first append after start: the file is read once in full (it is not in the resumable-read cache).
  const c0 = s.cpuMs();
  appendFileSync(path, turnLines(word(`${prefix}first`, 0)));
  await new Promise((r) => setTimeout(r, settleMs * 3));
  const first = s.cpuMs() - c0;
  const c1 = s.cpuMs();
  const t1 = performance.now();
  for (let i = 0; i < count; i++) {
    appendFileSync(path, turnLines(word(`${prefix}cost`, i)));
    await new Promise((r) => setTimeout(r, settleMs));
  }
  const cpu = s.cpuMs() - c1;
  const wall = performance.now() - t1;
  // A small rollout's new words become searchable; the 50 MB one's search document is already at
  // its cap (the first 96 Ki characters), so its appends change the list fields only.
  let ok = !checkSearch;
  for (let i = 0; i < 100 && !ok; i++) {
    ok = (await s.call('thread/search', { query: word(`${prefix}cost`, count - 1), limit: 5 })).data.length === 1;
    if (!ok) await new Promise((r) => setTimeout(r, 50));
  }
  const bytes = Buffer.byteLength(turnLines(word(`${prefix}cost`, 0)));
  process.stdout.write(`  appended turn (${(bytes / 1024).toFixed(1)} KB) to ${label}: first ${first.toFixed(0)} ms CPU, then ${(cpu / count).toFixed(2)} ms CPU each over ${count} (${(wall / 1000).toFixed(1)} s)${ok ? '' : '  [last append NOT visible]'}\n`);
}

async function runMode(home: string, mode: 'watch' | 'poll', opts: { changes: number; batch: number; idleS: number; big: string | null; prefix: string }): Promise<void> {
  const env: Record<string, string> = mode === 'watch' ? { THREADSTATE_WATCH: '1' } : { THREADSTATE_WATCH: '0' };
  const started = performance.now();
  const s = new Server(home, env);
  await s.call('initialize', { clientInfo: { name: 'live_bench', title: null, version: '1' } });
  await s.ready;
  const modeLine = /following the home with [^{]*\{[^}]*\}/.exec(s.stderr)?.[0] ?? '(no start-up line)';
  process.stdout.write(`\n[${mode}] load ${loadavg().map((l) => l.toFixed(1)).join(' ')}; server ready in ${((performance.now() - started) / 1000).toFixed(1)} s; ${modeLine}\n`);

  // Idle first, while the home is as generated: nothing changes and no client asks anything.
  await new Promise((r) => setTimeout(r, 3000));
  const c0 = s.cpuMs();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, opts.idleS * 1000));
  const idle = s.cpuMs() - c0;
  process.stdout.write(`  idle: ${idle.toFixed(0)} ms CPU over ${((performance.now() - t0) / 1000).toFixed(0)} s = ${((idle / (performance.now() - t0)) * 100).toFixed(2)}% of a core\n`);

  const threads: BenchThread[] = Array.from({ length: opts.changes }, (_, i) => ({ id: '', word: word(opts.prefix, i), path: '', archivedPath: '' }));
  const report = (kind: string, r: { list: number[]; search: number[] }) =>
    process.stdout.write(`  ${kind.padEnd(10)} list ${fmt(r.list)}   search ${fmt(r.search)}\n`);

  report('create', await measure(s, threads, opts.batch, (t) => Object.assign(t, createThread(home, t.word)), {
    list: (sv, t) => inList(sv, t, false), search: (sv, t) => inSearch(sv, t, t.word, false),
  }));
  await new Promise((r) => setTimeout(r, 1100)); // updatedAt has a one-second grain
  const appendedAt = new Map<string, number>();
  report('append', await measure(s, threads, opts.batch, (t) => {
    appendFileSync(t.path, turnLines(`${t.word}x appended`));
    // The file's own mtime (the kernel's clock is coarser than Date.now() at a second's edge).
    appendedAt.set(t.id, Math.floor(statSync(t.path).mtimeMs / 1000));
  }, {
    list: async (sv, t) => ((await sv.call('thread/list', { searchTerm: t.word, sourceKinds: [], limit: 5 })).data.find((x: Json) => x.id === t.id)?.updatedAt ?? 0) >= appendedAt.get(t.id)!,
    search: (sv, t) => inSearch(sv, t, `${t.word}x`, false),
  }));
  report('name', await measure(s, threads, opts.batch, (t) => {
    appendFileSync(join(home, 'session_index.jsonl'), `${JSON.stringify({ id: t.id, thread_name: `Name ${t.word}`, updated_at: new Date().toISOString() })}\n`);
  }, {
    list: async (sv, t) => (await sv.call('thread/list', { searchTerm: t.word, sourceKinds: [], limit: 5 })).data.find((x: Json) => x.id === t.id)?.name === `Name ${t.word}`,
    search: async (sv, t) => (await sv.call('thread/search', { query: t.word, limit: 5 })).data.find((x: Json) => x.thread.id === t.id)?.thread.name === `Name ${t.word}`,
  }));
  report('archive', await measure(s, threads, opts.batch, (t) => renameSync(t.path, t.archivedPath), {
    list: (sv, t) => inList(sv, t, true), search: (sv, t) => inSearch(sv, t, t.word, true),
  }));
  report('unarchive', await measure(s, threads, opts.batch, (t) => renameSync(t.archivedPath, t.path), {
    list: (sv, t) => inList(sv, t, false), search: (sv, t) => inSearch(sv, t, t.word, false),
  }));
  report('delete', await measure(s, threads, opts.batch, (t) => {
    t.content = readFileSync(t.path);
    rmSync(t.path);
  }, {
    list: async (sv, t) => !(await inList(sv, t, false)), search: async (sv, t) => !(await inSearch(sv, t, t.word, false)),
  }));
  report('restore', await measure(s, threads, opts.batch, (t) => writeFileSync(t.path, t.content!), {
    list: (sv, t) => inList(sv, t, false), search: (sv, t) => inSearch(sv, t, t.word, false),
  }));

  // The cost of an append is the same in both modes (only how it is noticed differs): measured
  // with watches, where each append is applied on its own.
  if (mode === 'watch') {
    await appendCost(s, threads[0].path, 'a small rollout', 20, 150, `${opts.prefix}s`, true);
    if (opts.big) await appendCost(s, opts.big, 'the 50 MB rollout', 20, 150, `${opts.prefix}b`, false);
  }

  const problems = s.stderr.split('\n').filter((l) => / (WARN|ERROR) /.test(l) && !l.includes('failed to index'));
  if (problems.length > 0) process.stdout.write(`  server warnings: ${problems.length} (first: ${problems[0].slice(0, 200)})\n`);
  await s.close();
}

/** The biggest rollout under `dir` (the generator's 50 MB one), or null when none is over 10 MB. */
function largestRollout(dir: string): string | null {
  let best: { path: string; size: number } | null = null;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !e.name.endsWith('.jsonl')) continue;
    const path = join(e.parentPath, e.name);
    const size = statSync(path).size;
    if (!best || size > best.size) best = { path, size };
  }
  return best && best.size > 10 * 1048576 ? best.path : null;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      home: { type: 'string' }, threads: { type: 'string', default: '10000' }, changes: { type: 'string', default: '400' },
      batch: { type: 'string', default: '10' }, 'idle-s': { type: 'string', default: '60' }, modes: { type: 'string', default: 'watch,poll' },
      keep: { type: 'boolean', default: false },
    },
  });
  const owned = values.home === undefined;
  const home = values.home ?? join(mkdtempSync(join(tmpdir(), 'threadstate-bench-live-')), 'home');
  process.stdout.write(`live index bench: ${availableParallelism()} cores, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  if (!existsSync(join(home, 'sessions'))) {
    const t0 = performance.now();
    const gen = generateHome({ out: home, threads: Number(values.threads), big: 1, seed: 1 });
    process.stdout.write(`generated ${gen.files} rollouts (${(gen.bytes / 1048576).toFixed(0)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  const big = largestRollout(join(home, 'sessions'));
  try {
    for (const mode of values.modes!.split(',') as Array<'watch' | 'poll'>) {
      await runMode(home, mode, { changes: Number(values.changes), batch: Number(values.batch), idleS: Number(values['idle-s']), big, prefix: `lb${mode}${Date.now() % 100000}` });
    }
  } finally {
    if (owned && !values.keep) rmSync(join(home, '..'), { recursive: true, force: true });
  }
}

await main();
