// Shared tools of the reliability scenarios: running the real CLI, dumping the index for
// comparison, hashing and parsing rollouts, listing every thread through a server, sampling RSS.

import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { raiseStderrLevel } from '../../src/logs/logger.ts';
import { AppServerProcess, CLI, NODE_BIN, REPO_ROOT, type Json } from '../../test/helpers/app-server.ts';

export { AppServerProcess, type Json };

export const STATE_DB = 'threadstate_1.sqlite';
export const ALL_SOURCE_KINDS = ['cli', 'vscode', 'exec', 'appServer', 'subAgent', 'unknown'];
/** Columns that record when a row was written, not what the file says. */
export const BOOKKEEPING_COLUMNS = new Set(['indexed_at_ms']);

export { rng } from '../bench/gen-home.ts';

/** Spawns the CLI; `stdin: 'pipe'` keeps an app-server alive until the pipe is closed. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}, stdin: 'ignore' | 'pipe' = 'ignore'): ChildProcess {
  return spawn(NODE_BIN, [CLI, ...args], { cwd: REPO_ROOT, env: { ...process.env, THREADSTATE_LOG: 'info', ...env }, stdio: [stdin, 'pipe', 'pipe'] });
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function collect(child: ChildProcess): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => { stdout += c; });
  child.stderr?.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/** A CLI process to SIGKILL mid-run: `waitFor` polls its stderr for a marker until the marker shows, the
 * process ends or `timeoutMs` passes; `kill` kills it if still running and resolves once it is gone,
 * with 'finished' if it had ended on its own. */
export function spawnToKill(args: string[], stdin: 'ignore' | 'pipe' = 'ignore'): { waitFor(marker: string, timeoutMs: number): Promise<void>; kill(): Promise<'killed' | 'finished'> } {
  const child = spawnCli(args, {}, stdin);
  child.stdin?.on('error', () => undefined);
  const done = collect(child);
  let stderr = '';
  child.stderr?.on('data', (c: string) => { stderr += c; });
  return {
    async waitFor(marker, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!stderr.includes(marker) && child.exitCode === null && Date.now() < deadline) await sleep(2);
    },
    async kill() {
      const alive = child.exitCode === null && child.signalCode === null;
      if (alive) child.kill('SIGKILL');
      await done;
      return alive ? 'killed' : 'finished';
    },
  };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return collect(spawnCli(args, env));
}

export async function doctorJson(home: string): Promise<Json> {
  const run = await runCli(['doctor', '--codex-home', home, '--json'], { THREADSTATE_LOG: 'error' });
  try {
    return JSON.parse(run.stdout);
  } catch {
    throw new Error(`doctor --json printed no JSON (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface IndexDump {
  threads: Record<string, unknown>[];
  tools: Record<string, unknown>[];
  backfillStatus: string | null;
}

/** Every row of `threads` and `thread_dynamic_tools`, minus bookkeeping, with home-relative paths. */
export function dumpIndex(home: string): IndexDump {
  const db = new DatabaseSync(join(home, STATE_DB), { readOnly: true });
  try {
    const threads = (db.prepare('SELECT * FROM threads ORDER BY id').all() as Record<string, unknown>[]).map((row) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(row)) {
        if (BOOKKEEPING_COLUMNS.has(k)) continue;
        out[k] = k === 'rollout_path' && typeof v === 'string' ? relative(home, v) : v;
      }
      return out;
    });
    const tools = db.prepare('SELECT * FROM thread_dynamic_tools ORDER BY thread_id, position').all() as Record<string, unknown>[];
    const state = db.prepare('SELECT status FROM backfill_state WHERE id = 1').get() as { status: string } | undefined;
    return { threads: threads.map((r) => ({ ...r })), tools: tools.map((r) => ({ ...r })), backfillStatus: state?.status ?? null };
  } finally {
    db.close();
  }
}

/** Row count of `threads`, or -1 when the file cannot be read yet (missing, mid-creation). */
export function countRows(home: string): number {
  try {
    const db = new DatabaseSync(join(home, STATE_DB), { readOnly: true });
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM threads').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return -1;
  }
}

/** Differences between two dumps as readable lines (empty when equal). */
export function diffDumps(expected: IndexDump, actual: IndexDump, max = 10): string[] {
  const out: string[] = [];
  const byId = (rows: Record<string, unknown>[]) => new Map(rows.map((r) => [String(r.id), r]));
  const e = byId(expected.threads);
  const a = byId(actual.threads);
  if (actual.threads.length !== a.size) out.push(`duplicate thread rows: ${actual.threads.length} rows, ${a.size} ids`);
  for (const [id, row] of e) {
    const other = a.get(id);
    if (!other) { out.push(`missing row ${id}`); continue; }
    for (const [k, v] of Object.entries(row)) if (other[k] !== v) out.push(`${id}.${k}: expected ${JSON.stringify(v)}, got ${JSON.stringify(other[k])}`);
  }
  for (const id of a.keys()) if (!e.has(id)) out.push(`unexpected row ${id}`);
  if (JSON.stringify(expected.tools) !== JSON.stringify(actual.tools)) out.push(`thread_dynamic_tools differ (${expected.tools.length} vs ${actual.tools.length} rows)`);
  return out.slice(0, max);
}

export function rolloutFiles(home: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const full = join(dir, name);
      const st = statSync(full, { throwIfNoEntry: false });
      if (st?.isDirectory()) walk(full);
      else if (st?.isFile() && name.endsWith('.jsonl')) out.push(full);
    }
  };
  walk(join(home, 'sessions'));
  walk(join(home, 'archived_sessions'));
  return out.sort();
}

/** sha256 of every rollout, keyed by file name (archiving moves files, names stay). */
export function hashRollouts(home: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of rolloutFiles(home)) out.set(relative(home, file), createHash('sha256').update(readFileSync(file)).digest('hex'));
  return out;
}

/** Lines that do not parse, ignoring a last line without its newline (a write cut short). */
export function unparsableLines(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const last = lines.pop() ?? '';
  const bad: string[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      JSON.parse(line);
    } catch {
      bad.push(`${file}:${i + 1}: ${line.slice(0, 80)}`);
    }
  });
  if (last !== '') {
    try {
      JSON.parse(last);
    } catch {
      // the truncated tail tolerated by the brief
    }
  }
  return bad;
}

/** Every thread a server lists (all providers, all sources), one archived flag, in page order. */
export async function listAll(server: AppServerProcess, archived: boolean): Promise<Json[]> {
  const out: Json[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const result: Json = await callLong(server, 'thread/list', { archived, limit: 100, modelProviders: [], sourceKinds: ALL_SOURCE_KINDS, cursor });
    out.push(...result.data);
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return out;
}

/** The parts of a listed thread that both the index and the file walk must agree on. */
export function listKey(thread: Json): string {
  return JSON.stringify([thread.id, thread.name ?? null, thread.preview, thread.createdAt, thread.path ? relativeTail(thread.path) : null]);
}

function relativeTail(path: string): string {
  const i = path.search(/(archived_)?sessions\//);
  return i >= 0 ? path.slice(i) : path;
}

function statusKb(pid: number, key: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const m = new RegExp(`${key}:\\s+(\\d+)\\s+kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Resident set size of a live process in kB, from /proc (null when it is gone). */
export function rssKb(pid: number): number | null {
  return statusKb(pid, 'VmRSS');
}

/** Peak resident set size (VmHWM) of a live process in kB (null when it is gone). */
export function peakRssKb(pid: number): number | null {
  return statusKb(pid, 'VmHWM');
}

export function fileExists(path: string): boolean {
  return existsSync(path);
}

/** Starts a server and completes the handshake. */
export async function startServer(home: string, args: string[] = [], experimental = false): Promise<AppServerProcess> {
  const server = new AppServerProcess(home, args);
  const params: Json = { clientInfo: { name: 'threadstate_reliability', title: null, version: '1.0.0' } };
  if (experimental) params.capabilities = { experimentalApi: true };
  await callLong(server, 'initialize', params);
  server.send({ method: 'initialized' });
  return server;
}

/** Waits until a server's background indexing has settled: doctor sees a complete backfill. */
export async function waitForBackfill(home: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const db = new DatabaseSync(join(home, STATE_DB), { readOnly: true });
      try {
        const row = db.prepare('SELECT status FROM backfill_state WHERE id = 1').get() as { status: string } | undefined;
        if (row?.status === 'complete') return;
      } finally {
        db.close();
      }
    } catch {
      // not created yet
    }
    await sleep(50);
  }
  throw new Error(`backfill did not complete within ${timeoutMs} ms in ${home}`);
}

/**
 * A request that settles with null as soon as the server dies (or after `timeoutMs`) instead of
 * failing; polls the parsed messages so no timer outlives the answer.
 */
export async function ask(server: AppServerProcess, method: string, params: Json, timeoutMs = 30_000): Promise<Json | null> {
  const id = `ask-${++askCounter}`;
  let seen = server.messages.length;
  server.send(params === undefined ? { id, method } : { id, method, params });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (; seen < server.messages.length; seen++) {
      const m = server.messages[seen];
      if (m && m.id === id && m.method === undefined && (m.result !== undefined || m.error !== undefined)) return m;
    }
    if (server.child.exitCode !== null || server.child.signalCode !== null || Date.now() > deadline) return null;
    await sleep(seen > 0 ? 1 : 5);
  }
}
let askCounter = 0;

/** Like AppServerProcess.call, with a timeout that suits a loaded machine. */
export async function callLong(server: AppServerProcess, method: string, params: Json, timeoutMs = 60_000): Promise<Json> {
  const answer = await ask(server, method, params, timeoutMs);
  if (!answer) throw new Error(`${method}: no answer within ${timeoutMs} ms (server ${server.child.exitCode === null ? 'alive' : 'exited'}); stderr:\n${server.stderr.slice(-2000)}`);
  if (answer.error) throw new Error(`${method} failed: ${JSON.stringify(answer.error)}`);
  return answer.result;
}

/** Runs `fn` with this process's own stderr logging at ERROR at most (in-process indexing and doctor), then restores the level. */
export async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const restore = raiseStderrLevel('ERROR');
  try {
    return await fn();
  } finally {
    restore();
  }
}
