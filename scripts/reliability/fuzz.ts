// Scenario 5: protocol fuzzing. Generated and mutated messages (random params for every method,
// wrong types, huge strings, deep nesting, invalid UTF-8, unknown methods, missing, numeric and
// duplicate ids, junk lines) go to a live server, which must stay up, answer every well-formed
// request (a string method and a string id or an integer id of the signed 64-bit range: Codex
// ignores other ids) once with a result or an error
// {code, message}, write nothing but JSON object lines, and keep its memory bounded.

import { join } from 'node:path';
import { METHOD_NAMES } from '../../src/protocol/methods.ts';
import { MAX_LINE_BYTES } from '../../src/server/ndjson.ts';
import { generateHome } from '../bench/gen-home.ts';
import { type AppServerProcess, ask, rng, rssKb, sleep, startServer } from './lib.ts';

export interface FuzzOptions {
  workDir: string;
  messages: number;
  seed?: number;
  /** Upper bound of the huge strings (bytes). */
  hugeBytes?: number;
  /** Also send one line over the server's line limit (it must be dropped, not buffered). */
  oversizeLine?: boolean;
}

export interface FuzzFigures {
  sent: number;
  wellFormed: number;
  answered: number;
  unanswered: string[];
  badLines: string[];
  badErrors: string[];
  internalErrors: string[];
  rssStartKb: number;
  rssPeakKb: number;
  rssEndKb: number;
  alive: boolean;
  kinds: Record<string, number>;
  /** Answers by outcome: `result` or the error code. */
  outcomes: Record<string, number>;
}

type Rand = () => number;
const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)];
const INVALID_UTF8 = [Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xf4, 0x90, 0x80, 0x80]), Buffer.from([0x80, 0x80])];
const MARK = '\u0001UTF8\u0001';

function randomString(rand: Rand, max = 40): string {
  const pools = ['abc', '../../etc/passwd', '\u0000', '\u2028', '😀', '\\', '"', '%s%n', ' ', 'thread', '-', '019b76db-2eb8-75d2-8f88-15cb9798b858', '\ud800'];
  let s = '';
  const n = Math.floor(rand() * max);
  for (let i = 0; i < n; i++) s += rand() < 0.5 ? String.fromCharCode(32 + Math.floor(rand() * 95)) : pick(rand, pools);
  return s;
}

function randomJson(rand: Rand, depth = 0): unknown {
  const r = rand();
  if (depth > 4 || r < 0.15) return pick(rand, [null, true, false, 0, -1, 1.5, 1e308, -0, Number.MAX_SAFE_INTEGER + 2]);
  if (r < 0.45) return randomString(rand);
  if (r < 0.6) return Math.floor(rand() * 2 ** 32) - 2 ** 31;
  if (r < 0.8) return Array.from({ length: Math.floor(rand() * 4) }, () => randomJson(rand, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = Math.floor(rand() * 4); i > 0; i--) o[pick(rand, ['threadId', 'cursor', 'limit', 'items', 'name', 'path', 'archived', randomString(rand, 8)])] = randomJson(rand, depth + 1);
  return o;
}

/** Plausible params per method, built on real thread ids so handlers really run. */
function template(method: string, rand: Rand, ids: string[]): Record<string, unknown> {
  const threadId = rand() < 0.8 ? pick(rand, ids) : randomString(rand);
  switch (method) {
    case 'initialize': return { clientInfo: { name: 'fuzz', version: '1' }, capabilities: { experimentalApi: true } };
    case 'thread/start': return { cwd: '/tmp/fuzz', ephemeral: rand() < 0.5 };
    case 'thread/list': return { limit: Math.floor(rand() * 120) - 10, sortKey: pick(rand, ['created_at', 'updated_at']), modelProviders: [], archived: rand() < 0.3, cursor: rand() < 0.3 ? randomString(rand) : null, searchTerm: rand() < 0.3 ? 'parser' : null };
    case 'thread/loaded/list': return { limit: Math.floor(rand() * 10) };
    case 'thread/read': return { threadId, includeTurns: rand() < 0.5 };
    case 'thread/turns/list': case 'thread/items/list': return { threadId, limit: Math.floor(rand() * 20), cursor: rand() < 0.3 ? randomString(rand) : null };
    case 'thread/name/set': return { threadId, name: randomString(rand, 20) };
    case 'thread/metadata/update': return { threadId, gitInfo: { sha: randomString(rand, 10), branch: null } };
    case 'thread/inject_items': return { threadId, items: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: randomString(rand) }] }] };
    case 'thread/resume': return { threadId, excludeTurns: rand() < 0.5 };
    case 'thread/memory/write': return { threadId, traceSummary: randomString(rand), memorySummary: randomString(rand) };
    case 'thread/search': return { query: randomString(rand, 10), limit: 5 };
    case 'getConversationSummary': return rand() < 0.5 ? { conversationId: threadId } : { rolloutPath: randomString(rand) };
    default: return { threadId };
  }
}

function mutate(params: Record<string, unknown>, rand: Rand): unknown {
  const copy: Record<string, unknown> = { ...params };
  const keys = Object.keys(copy);
  const r = rand();
  if (r < 0.25 && keys.length > 0) delete copy[pick(rand, keys)];
  else if (r < 0.6 && keys.length > 0) copy[pick(rand, keys)] = randomJson(rand);
  else if (r < 0.8) copy[randomString(rand, 10)] = randomJson(rand);
  else return randomJson(rand);
  return copy;
}

interface Generated {
  kind: string;
  line: Buffer;
}

function nestedValue(depth: number): string {
  return rngDepthOpen(depth) + ']'.repeat(depth);
}
function rngDepthOpen(depth: number): string {
  return '['.repeat(depth);
}

/** One message (or a pair, for duplicate ids) as the exact bytes to send. */
function generate(rand: Rand, n: number, ids: string[], hugeBytes: number): Generated[] {
  const method = pick(rand, METHOD_NAMES);
  const id: unknown = rand() < 0.5 ? n : `f-${n}`;
  const asLine = (kind: string, msg: unknown): Generated => ({ kind, line: Buffer.from(`${JSON.stringify(msg)}\n`) });
  const r = rand();
  if (r < 0.25) return [asLine('valid params', { id, method, params: template(method, rand, ids) })];
  if (r < 0.45) return [asLine('mutated params', { id, method, params: mutate(template(method, rand, ids), rand) })];
  if (r < 0.52) return [asLine('random params', rand() < 0.2 ? { id, method } : { id, method, params: randomJson(rand) })];
  if (r < 0.56) return [asLine('unknown method', { id, method: pick(rand, [randomString(rand, 30), '', 'thread/', 'rpc.internal', '$/cancelRequest', '__proto__', 'constructor']), params: {} })];
  if (r < 0.6) return [asLine('notification', { method, params: template(method, rand, ids) })];
  if (r < 0.64) return [asLine('wrong-type id', { id: pick(rand, [null, true, {}, [], [1], { a: 1 }]), method, params: template(method, rand, ids) })];
  if (r < 0.68) return [asLine('numeric id', { id: pick(rand, [0, -1, 1.5, 2 ** 53 + 7, 1e300, -1e-300, n + 0.25]), method, params: template(method, rand, ids) })];
  if (r < 0.72) {
    const dup = rand() < 0.5 ? `dup-${n}` : 900_000_000 + n;
    return [asLine('duplicate id', { id: dup, method, params: template(method, rand, ids) }), asLine('duplicate id', { id: dup, method: 'thread/loaded/list', params: {} })];
  }
  if (r < 0.76) {
    const params = template(method, rand, ids);
    const key = pick(rand, [...Object.keys(params), 'threadId', 'name']);
    params[key] = 'z'.repeat(Math.floor(hugeBytes / 4 + rand() * hugeBytes * 0.75));
    return [asLine('huge string', { id, method, params })];
  }
  if (r < 0.8) {
    const depth = pick(rand, [100, 1000, 10_000, 100_000]);
    const where = rand() < 0.5 ? 'items' : 'threadId';
    const text = `{"id":${JSON.stringify(id)},"method":${JSON.stringify(method)},"params":{"threadId":${JSON.stringify(pick(rand, ids))},"${where === 'items' ? 'items' : 'extra'}":${nestedValue(depth)}}}\n`;
    return [{ kind: 'deep nesting', line: Buffer.from(text) }];
  }
  if (r < 0.86) {
    const params = template(method, rand, ids);
    const key = pick(rand, Object.keys(params));
    params[key] = `before${MARK}after`;
    const text = `${JSON.stringify({ id, method: rand() < 0.2 ? `thread/${MARK}` : method, params })}\n`;
    const parts = text.split(MARK);
    const bytes: Buffer[] = [];
    parts.forEach((p, i) => { bytes.push(Buffer.from(p)); if (i < parts.length - 1) bytes.push(pick(rand, INVALID_UTF8)); });
    return [{ kind: 'invalid utf-8', line: Buffer.concat(bytes) }];
  }
  if (r < 0.93) {
    const full = JSON.stringify({ id, method, params: template(method, rand, ids) });
    const junk = pick(rand, [
      full.slice(0, Math.floor(rand() * full.length)), `[${full}]`, '"a string"', '42', 'null', '', '   ', `${full}\r`, `${full} trailing`,
      '{"id":1,"method":"initialize","params":', '}{', randomString(rand, 200), `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":${JSON.stringify(method)},"params":{}}`,
    ]);
    return [{ kind: 'junk line', line: Buffer.from(`${junk}\n`) }];
  }
  if (r < 0.97) return [asLine('response-shaped', rand() < 0.5 ? { id, result: randomJson(rand) } : { id, error: { code: 1, message: 'x' } })];
  return [asLine('wrong-type method', { id, method: pick(rand, [1, null, {}, ['thread/list'], true]), params: {} })];
}

/** The id key of a request the server must answer, or null when the line is not one. */
function expectedAnswerKey(line: Buffer): string | null {
  if (line.length > MAX_LINE_BYTES) return null;
  let text = line.toString('utf8').replace(/\n$/, '');
  if (text.endsWith('\r')) text = text.slice(0, -1);
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return null;
  }
  if (!msg || typeof msg !== 'object' || Array.isArray(msg)) return null;
  const { id, method } = msg as { id?: unknown; method?: unknown };
  if (typeof method !== 'string') return null;
  // Codex answers string ids and integers of the signed 64-bit range; it ignores other numbers.
  if (typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id) && id >= -(2 ** 63) && id < 2 ** 63)) return `${typeof id}:${String(id)}`;
  return null;
}

function write(server: AppServerProcess, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (server.child.stdin.write(bytes)) resolve();
    else server.child.stdin.once('drain', () => resolve());
  });
}

export async function fuzzProtocol(opts: FuzzOptions): Promise<FuzzFigures> {
  const rand = rng(opts.seed ?? 31);
  const home = join(opts.workDir, 'home');
  const { ids } = generateHome({ out: home, threads: 20, seed: opts.seed ?? 31 });
  const server = await startServer(home, [], true);
  const pid = server.child.pid ?? 0;
  const figures: FuzzFigures = {
    sent: 0, wellFormed: 0, answered: 0, unanswered: [], badLines: [], badErrors: [], internalErrors: [],
    rssStartKb: rssKb(pid) ?? 0, rssPeakKb: 0, rssEndKb: 0, alive: false, kinds: {}, outcomes: {},
  };
  const expected = new Map<string, number>();
  const examples = new Map<string, string>();
  let answersSeen = 0;
  const answered = new Map<string, number>();
  const collectAnswers = (): void => {
    for (; answersSeen < server.messages.length; answersSeen++) {
      const m = server.messages[answersSeen];
      if (m.method !== undefined || m.id === undefined) continue;
      const key = `${typeof m.id}:${String(m.id)}`;
      answered.set(key, (answered.get(key) ?? 0) + 1);
      const hasResult = m.result !== undefined;
      const hasError = m.error !== undefined;
      const outcome = hasResult ? 'result' : String(m.error?.code);
      figures.outcomes[outcome] = (figures.outcomes[outcome] ?? 0) + 1;
      if (hasResult === hasError) figures.badErrors.push(`answer with ${hasResult ? 'both' : 'neither'} result and error: ${JSON.stringify(m).slice(0, 200)}`);
      if (hasError && (!Number.isInteger(m.error.code) || typeof m.error.message !== 'string' || m.error.message === '')) figures.badErrors.push(`malformed error: ${JSON.stringify(m.error).slice(0, 200)}`);
      if (hasError && m.error.code === -32603) figures.internalErrors.push(`${examples.get(key) ?? key}: ${String(m.error.message).slice(0, 200)}`);
      if (hasError && /\n\s+at /.test(String(m.error.message))) figures.badErrors.push(`stack trace in an error: ${String(m.error.message).slice(0, 200)}`);
    }
  };
  const pending = (): number => {
    collectAnswers();
    let missing = 0;
    for (const [k, n] of expected) missing += Math.max(0, n - (answered.get(k) ?? 0));
    return missing;
  };

  const chunk = 50;
  for (let n = 0; n < opts.messages;) {
    for (let i = 0; i < chunk && n < opts.messages; i++) {
      for (const g of generate(rand, n, ids, opts.hugeBytes ?? 2 * 1024 * 1024)) {
        figures.kinds[g.kind] = (figures.kinds[g.kind] ?? 0) + 1;
        const key = expectedAnswerKey(g.line);
        if (key) {
          figures.wellFormed++;
          expected.set(key, (expected.get(key) ?? 0) + 1);
          if (!examples.has(key)) examples.set(key, `${g.kind} ${g.line.subarray(0, 160).toString('utf8')}`);
        }
        await write(server, g.line);
        figures.sent++;
        n++;
      }
    }
    if (opts.oversizeLine && n >= opts.messages / 2 && figures.kinds['oversize line'] === undefined) {
      figures.kinds['oversize line'] = 1;
      // 1 MB over: the reader checks the limit on chunks that end without a newline, so a line
      // at most one read chunk (64 KB) over the limit still gets through (see the report).
      await write(server, Buffer.from(`{"id":"oversize","method":"thread/list","params":{"searchTerm":"${'o'.repeat(MAX_LINE_BYTES + 1024 * 1024)}"}}\n`));
      figures.sent++;
      n++;
    }
    const deadline = Date.now() + 60_000;
    while (pending() > 0 && Date.now() < deadline && server.child.exitCode === null) await sleep(5);
    figures.rssPeakKb = Math.max(figures.rssPeakKb, rssKb(pid) ?? 0);
  }
  collectAnswers();
  for (const [k, n] of expected) {
    const got = answered.get(k) ?? 0;
    if (got < n) figures.unanswered.push(`${k} answered ${got} of ${n}: ${examples.get(k)}`);
    figures.answered += Math.min(got, n);
  }
  if (answered.has('string:oversize')) figures.badErrors.push('the oversize line was answered (it should be dropped)');
  for (const line of server.stdoutLines) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      figures.badLines.push(line.slice(0, 200));
      continue;
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) figures.badLines.push(line.slice(0, 200));
  }
  const last = await ask(server, 'thread/list', { limit: 5, modelProviders: [] }, 60_000);
  figures.alive = server.child.exitCode === null && last?.result !== undefined;
  figures.rssEndKb = rssKb(pid) ?? 0;
  await server.close();
  return figures;
}
