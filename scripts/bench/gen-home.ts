// Generates a synthetic Codex home for benchmarks: N rollouts of realistic sizes in both eras
// (Feb-2026 event_msg style and 0.169 item_completed style), several cwds, providers and sources,
// some archived, a few very large ones, and spread-out mtimes.
//
//   node scripts/bench/gen-home.ts --out DIR --threads 10000 --big 3 [--big-mb 50] [--seed 1]
//   node scripts/bench/gen-home.ts --out DIR --threads 10000 --sizes real
//
// `--sizes real` draws each file's size from the distribution of real Codex homes (median 100 KB,
// p90 300 KB, p99 1.7 MB) and adds five files of 20-63 MB: the 10k home is ~2 GiB. The default
// (`small`) keeps the older 1-25 KB rollouts plus `--big` files of `--big-mb`.

import { mkdirSync, utimesSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

export interface GenOptions {
  out: string;
  threads: number;
  big?: number;
  bigMb?: number;
  seed?: number;
  archivedRatio?: number;
  /** `real`: sizes drawn from REAL_SIZE_QUANTILES plus REAL_BIG_MB files; `small` (default): 1-25 KB files plus `big`. */
  sizes?: 'small' | 'real';
}

/**
 * Quantiles of rollout sizes in real Codex homes (fraction, bytes); sizes between two knots are
 * drawn log-uniformly. Median 100 KB, p90 300 KB, p99 1.7 MB.
 */
export const REAL_SIZE_QUANTILES: ReadonlyArray<readonly [number, number]> = [
  [0, 20_000], [0.1, 35_000], [0.5, 100_000], [0.9, 300_000], [0.99, 1_700_000], [1, 8_000_000],
];
/** The five very large rollouts of a real-sized home (MB). */
export const REAL_BIG_MB = [20, 28, 37, 48, 63];

/** A size drawn from REAL_SIZE_QUANTILES for a uniform `u` in [0, 1). */
export function realSize(u: number): number {
  for (let k = 1; k < REAL_SIZE_QUANTILES.length; k++) {
    const [q1, s1] = REAL_SIZE_QUANTILES[k];
    if (u > q1 && k < REAL_SIZE_QUANTILES.length - 1) continue;
    const [q0, s0] = REAL_SIZE_QUANTILES[k - 1];
    const f = (u - q0) / (q1 - q0);
    return Math.round(Math.exp(Math.log(s0) + f * (Math.log(s1) - Math.log(s0))));
  }
  return REAL_SIZE_QUANTILES[REAL_SIZE_QUANTILES.length - 1][1];
}

export interface GenResult {
  files: number;
  bytes: number;
  bigFiles: string[];
  ids: string[];
}

const CWDS = ['/home/dev/src/alpha', '/home/dev/src/beta', '/home/dev/src/gamma', '/home/dev/src/delta space', '/srv/mono/repo'];
const PROVIDERS = ['openai', 'openai', 'openai', 'azure', 'local_mock', null];
const SOURCES: unknown[] = ['vscode', 'vscode', 'cli', 'exec', 'mcp', { subagent: 'review' }];
const INSTRUCTIONS = 'You are Codex, a coding agent. '.repeat(450); // ~14 KB, like real base instructions
const WORDS = ['refactor', 'parser', 'test', 'cache', 'index', 'deploy', 'bug', 'docs', 'release', 'schema', 'query', 'build'];

/** A seeded PRNG (mulberry32): the same seed gives the same home, and replays a failing run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uuid7(ms: number, rand: () => number): string {
  const hex = (n: number, width: number) => Math.floor(n).toString(16).padStart(width, '0');
  const r = () => hex(rand() * 0x10000, 4);
  const t = hex(ms, 12);
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${r().slice(1)}-${(8 + Math.floor(rand() * 4)).toString(16)}${r().slice(1)}-${r()}${r()}${r()}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function fileTime(ms: number): { dir: string[]; stamp: string } {
  const d = new Date(ms);
  const y = String(d.getUTCFullYear());
  const mo = pad(d.getUTCMonth() + 1);
  const day = pad(d.getUTCDate());
  return { dir: [y, mo, day], stamp: `${y}-${mo}-${day}T${pad(d.getUTCHours())}-${pad(d.getUTCMinutes())}-${pad(d.getUTCSeconds())}` };
}

function line(ts: number, type: string, payload: unknown, ordinal?: number): string {
  const o: Record<string, unknown> = { timestamp: new Date(ts).toISOString() };
  if (ordinal !== undefined) o.ordinal = ordinal;
  o.type = type;
  o.payload = payload;
  return JSON.stringify(o);
}

function sentence(rand: () => number, words: number): string {
  return Array.from({ length: words }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(' ');
}

/** The lines of one thread; `outputBytes` sets the size of each tool output (the big-file knob). */
function threadLines(id: string, createdMs: number, rand: () => number, era: 'feb' | '0.169', turns: number, outputBytes: number): string[] {
  const cwd = CWDS[Math.floor(rand() * CWDS.length)];
  const provider = PROVIDERS[Math.floor(rand() * PROVIDERS.length)];
  const source = SOURCES[Math.floor(rand() * SOURCES.length)];
  const ord = era === '0.169' ? { n: 0 } : null;
  const next = () => (ord ? ord.n++ : undefined);
  let t = createdMs;
  const meta: Record<string, unknown> = {
    id, timestamp: new Date(t).toISOString(), cwd, originator: 'bench_gen', cli_version: era === 'feb' ? '0.98.0' : '0.169.0',
    source, model_provider: provider, base_instructions: { text: INSTRUCTIONS },
  };
  if (era === '0.169') Object.assign(meta, { session_id: id, history_mode: 'paginated' });
  if (rand() < 0.5) meta.git = { commit_hash: 'a'.repeat(40), branch: 'main' };
  const out = [line(t, 'session_meta', meta, next())];
  const output = 'x'.repeat(outputBytes);
  for (let k = 0; k < turns; k++) {
    const turnId = uuid7(t, rand);
    const prompt = `${sentence(rand, 8)} #${k}`;
    t += 1000;
    if (era === 'feb') {
      out.push(line(t, 'response_item', { type: 'message', role: 'user', content: [{ type: 'input_text', text: prompt }] }));
      out.push(line(t, 'event_msg', { type: 'user_message', message: prompt, images: [], local_images: [], text_elements: [] }));
      out.push(line(t, 'turn_context', { cwd, approval_policy: 'on-request', sandbox_policy: { type: 'read-only' }, model: 'gpt-5.2-codex', summary: 'auto' }));
      out.push(line(t, 'event_msg', { type: 'agent_reasoning', text: sentence(rand, 12) }));
      out.push(line(t, 'response_item', { type: 'function_call', name: 'exec_command', arguments: '{"cmd":"ls"}', call_id: `call_${k}` }));
      out.push(line(t, 'response_item', { type: 'function_call_output', call_id: `call_${k}`, output }));
      out.push(line(t, 'event_msg', { type: 'agent_message', message: sentence(rand, 30) }));
      out.push(line(t, 'event_msg', { type: 'token_count', info: { total_token_usage: { total_tokens: 1000 * (k + 1) } } }));
    } else {
      out.push(line(t, 'event_msg', { type: 'task_started', turn_id: turnId, root_turn_id: turnId, started_at: Math.floor(t / 1000) }, next()));
      out.push(line(t, 'turn_context', { turn_id: turnId, cwd, approval_policy: 'never', sandbox_policy: { type: 'read-only' }, model: 'gpt-5.5' }, next()));
      out.push(line(t, 'response_item', { type: 'message', role: 'user', content: [{ type: 'input_text', text: prompt }] }, next()));
      out.push(line(t, 'event_msg', { type: 'item_completed', turn_id: turnId, item: { type: 'UserMessage', id: uuid7(t, rand), content: [{ type: 'text', text: prompt, text_elements: [] }] }, started_at_ms: t, completed_at_ms: t }, next()));
      out.push(line(t, 'event_msg', { type: 'item_completed', turn_id: turnId, item: { type: 'CommandExecution', id: `call_${k}`, process_id: '1', command: ['/bin/bash', '-lc', 'ls'], cwd: `file://${cwd}`, parsed_cmd: [], source: 'unified_exec_startup', status: 'completed', aggregated_output: output, exit_code: 0, duration: { secs: 0, nanos: 5000 } }, started_at_ms: t, completed_at_ms: t }, next()));
      out.push(line(t, 'event_msg', { type: 'item_completed', turn_id: turnId, item: { type: 'AgentMessage', id: `msg_${k}`, content: [{ type: 'Text', text: sentence(rand, 30) }] }, started_at_ms: t, completed_at_ms: t }, next()));
      out.push(line(t, 'event_msg', { type: 'token_count', info: { total_token_usage: { total_tokens: 1000 * (k + 1) } } }, next()));
      out.push(line(t, 'event_msg', { type: 'task_complete', turn_id: turnId, completed_at: Math.floor(t / 1000), duration_ms: 50 }, next()));
    }
  }
  return out;
}

/**
 * Writes turns of `outputBytes` outputs (the last chunk's outputs cut to what is left) until the
 * file holds about `targetBytes`; returns its size.
 */
function writeSized(path: string, id: string, createdMs: number, rand: () => number, era: 'feb' | '0.169', targetBytes: number, outputBytes: number, turnsPerChunk: number): number {
  const fd = openSync(path, 'w');
  let size = 0;
  let chunkNo = 0;
  try {
    while (size < targetBytes) {
      const left = Math.floor((targetBytes - size - (chunkNo === 0 ? 15_000 : 0)) / turnsPerChunk) - 1_500;
      const lines = threadLines(id, createdMs, rand, era, turnsPerChunk, Math.max(200, Math.min(outputBytes, left)));
      const text = `${(chunkNo === 0 ? lines : lines.slice(1)).join('\n')}\n`;
      size += writeSync(fd, text);
      chunkNo += 1;
    }
  } finally {
    closeSync(fd);
  }
  return size;
}

export function generateHome(opts: GenOptions): GenResult {
  const rand = rng(opts.seed ?? 1);
  const real = opts.sizes === 'real';
  // Sizes come from their own stream: draws taken at a fixed place in the main stream's cycle are not uniform enough.
  const sizeRand = rng(((opts.seed ?? 1) * 7919 + 17) >>> 0);
  const big = real ? Math.min(REAL_BIG_MB.length, opts.threads) : Math.min(opts.big ?? 0, opts.threads);
  const bigBytes = (opts.bigMb ?? 50) * 1024 * 1024;
  const archivedRatio = opts.archivedRatio ?? 0.1;
  const startMs = Date.UTC(2026, 0, 1);
  const result: GenResult = { files: 0, bytes: 0, bigFiles: [], ids: [] };
  mkdirSync(join(opts.out, 'archived_sessions'), { recursive: true });
  writeFileSync(join(opts.out, 'config.toml'), 'model_provider = "openai"\n');
  for (let i = 0; i < opts.threads; i++) {
    const createdMs = startMs + i * 60_000 + Math.floor(rand() * 50_000);
    const id = uuid7(createdMs, rand);
    const era = rand() < 0.5 ? 'feb' : '0.169';
    const isBig = i < big;
    const { dir, stamp } = fileTime(createdMs);
    const archived = !isBig && rand() < archivedRatio;
    const folder = archived ? join(opts.out, 'archived_sessions') : join(opts.out, 'sessions', ...dir);
    mkdirSync(folder, { recursive: true });
    const path = join(folder, `rollout-${stamp}-${id}.jsonl`);
    if (isBig) {
      // Many turns with 64 KB outputs until the file reaches the target size; written in pieces.
      const target = real ? REAL_BIG_MB[i] * 1024 * 1024 : bigBytes;
      result.bytes += writeSized(path, id, createdMs, rand, era, target, 64 * 1024, 20);
      result.bigFiles.push(path);
    } else if (real) {
      // ~15 KB of session_meta and ~1.5 KB of messages per turn; the rest is tool output, at most
      // 64 KB per call (as in real rollouts, a big file has many calls rather than one huge one).
      const target = realSize(sizeRand());
      const turns = 1 + Math.floor(rand() * 8);
      const perTurn = Math.max(200, Math.floor((target - 15_000) / turns) - 1_500);
      // One turn per chunk, so the file stops within one turn of its target.
      result.bytes += writeSized(path, id, createdMs, rand, era, target, Math.min(64 * 1024, perTurn), 1);
    } else {
      const turns = 1 + Math.floor(rand() * 6);
      const text = `${threadLines(id, createdMs, rand, era, turns, 200 + Math.floor(rand() * 4000)).join('\n')}\n`;
      writeFileSync(path, text);
      result.bytes += Buffer.byteLength(text);
    }
    const mtime = (createdMs + 1000 * (5 + Math.floor(rand() * 86_400))) / 1000;
    utimesSync(path, mtime, mtime);
    result.files += 1;
    result.ids.push(id);
  }
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' }, threads: { type: 'string', default: '1000' }, big: { type: 'string', default: '0' },
      'big-mb': { type: 'string', default: '50' }, seed: { type: 'string', default: '1' }, sizes: { type: 'string', default: 'small' },
    },
  });
  if (!values.out) {
    process.stderr.write('usage: node scripts/bench/gen-home.ts --out DIR [--threads N] [--big N] [--big-mb MB] [--seed S] [--sizes small|real]\n');
    process.exit(2);
  }
  if (values.sizes !== 'small' && values.sizes !== 'real') {
    process.stderr.write(`--sizes expects small or real, got '${values.sizes}'\n`);
    process.exit(2);
  }
  const started = Date.now();
  const r = generateHome({ out: values.out, threads: Number(values.threads), big: Number(values.big), bigMb: Number(values['big-mb']), seed: Number(values.seed), sizes: values.sizes });
  process.stdout.write(`generated ${r.files} rollouts, ${(r.bytes / 1048576).toFixed(1)} MB, ${r.bigFiles.length} big, in ${((Date.now() - started) / 1000).toFixed(1)} s -> ${values.out}\n`);
}
