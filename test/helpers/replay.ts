// Replays a fixture's recorded exchange against a running threadstate and compares every answer
// with the real Codex answer, following the rules of test/fixtures/README.md ("Comparing answers"):
// new fork ids are carried over, cursors are replaced by the ones this server returned at the same
// step (only their null-ness is compared), times of the recording run accept any time of this run,
// and notifications are compared by method and count.
//
// One documented superset (test/fixtures/README.md, "threadstate's superset"): Codex 0.169 answers
// `thread/items/list` on an older-format (legacy) thread with -32601; threadstate answers it. Such a
// request is compared exactly with the answer Codex gives for a 0.169 thread, built from the turns
// Codex itself returned for that thread (`thread/read {includeTurns: true}` or `thread/fork`).

import type { AppServerProcess, Json } from './app-server.ts';
import { differences } from './compare.ts';
import { RECORDED_HOME, recordedExchanges, rehome, type FixtureEra, type RecordedExchange } from './home.ts';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FIXTURES } from './home.ts';

const CURSOR_KEYS = ['nextCursor', 'backwardsCursor', 'turnsBackwardsCursor', 'itemsBackwardsCursor'];
const TIME_KEYS = /(^|\.)(createdAt|updatedAt|recencyAt)$/;
/** Notifications threadstate emits; the others are about Codex's agent (token usage, goals, config). */
export const COMPARED_NOTIFICATIONS = ['thread/started', 'thread/status/changed', 'deprecationNotice'];
const NOT_SUPPORTED = 'thread/items/list is not supported yet';
/** Requests that may write a rollout (an older-format resume appends to it; a fork creates one). */
const WRITES_ROLLOUT = new Set(['thread/resume', 'thread/fork']);

/**
 * The filesystem's clock, in whole milliseconds: the mtime the kernel stamps on a write to a probe
 * file next to the home (same filesystem). The kernel stamps file times from a coarse clock that
 * moves in ticks (4 ms here), not from `Date.now()`.
 */
function fsClockMs(probe: string): bigint {
  writeFileSync(probe, '');
  return statSync(probe, { bigint: true }).mtimeNs / 1_000_000n;
}

/**
 * Keeps the recorded order of rollout writes visible in their mtimes. The recording's resumes and
 * forks landed at distinct, increasing times (Codex took milliseconds per request), and `updated_at`
 * order is (mtime desc, id desc) in Codex and threadstate alike. Replayed at full speed, two
 * consecutive writes can fall in one tick of the filesystem clock, get the same mtime, and be
 * ordered by id instead (request #264 of codex-0.98.0 under load). Before each writing request
 * this waits until the filesystem clock has passed the millisecond (threadstate's sort precision)
 * of the previous write, so every write gets a later time, as in the recording.
 */
class RolloutWriteClock {
  private lastWriteMs: bigint | null = null;
  private readonly probe: string;

  constructor(home: string) {
    this.probe = join(home, '..', 'replay-clock-probe');
  }

  async beforeWrite(): Promise<void> {
    if (this.lastWriteMs === null) return;
    while (fsClockMs(this.probe) <= this.lastWriteMs) await sleep(1);
  }

  /** Called once the writing request was answered: its write is at or before this time. */
  afterWrite(): void {
    this.lastWriteMs = fsClockMs(this.probe);
  }
}

export interface Outcome {
  id: number;
  label: string;
  method: string;
  problems: string[];
}

export type ServeMode = 'index' | 'fallback' | 'backfilling';

export interface ReplayOptions {
  mode?: ServeMode;
  /** Leave out exchanges (e.g. `useStateDbOnly` while half indexed). */
  skip?: (ex: RecordedExchange) => boolean;
}

/** Known, documented differences from the recorded answers (see test/fixtures/README.md). */
export function documentedDifferences(era: FixtureEra, mode: ServeMode, method: string, params: Json): RegExp[] {
  const ignored: RegExp[] = [];
  // Read receipts live in Codex's own database; threadstate has none and answers `initial:<id>`.
  if (era === 'codex-0.169.0') ignored.push(/^readStates\b/, /^readState\b/);
  // threadstate orders recency_at by the latest activity it indexes (the file mtime), so its
  // cursors carry that time rather than Codex's database value.
  if (method === 'thread/list' && params.sortKey === 'recency_at') ignored.push(/^(nextCursor|backwardsCursor)$/);
  // Without a full read (fallback listing) the latest turn start is unknown: recencyAt is the mtime.
  if (mode !== 'index' && method === 'thread/list') ignored.push(/^data\[\d+\]\.recencyAt$/);
  // Codex 0.169 reading a database-less 0.98 home answers the first plain read with the creation
  // time as updatedAt, and the file mtime everywhere else; threadstate always answers the mtime.
  if (era === 'codex-0.98.0' && method === 'thread/read' && !params.includeTurns) ignored.push(/^thread\.updatedAt$/);
  // Codex builds this backwards cursor from whole seconds on its database path.
  if (method === 'thread/list' && (params.searchTerm || params.useStateDbOnly)) ignored.push(/^backwardsCursor$/);
  return ignored;
}

export interface FixtureSummary {
  startedAt: string;
  tuiFromId: number;
}

export function fixtureSummary(era: FixtureEra): FixtureSummary {
  const lines = readFileSync(join(FIXTURES, era, 'answers.jsonl'), 'utf8').trim().split('\n');
  return JSON.parse(lines[lines.length - 1]).summary as FixtureSummary;
}

/** The recorded notifications of a fixture, counted by method (only the compared ones). */
export function recordedNotificationCounts(era: FixtureEra): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of readFileSync(join(FIXTURES, era, 'answers.jsonl'), 'utf8').trim().split('\n')) {
    const entry = JSON.parse(line);
    if (entry.dir !== 'recv' || entry.msg.method === undefined || entry.msg.id !== undefined) continue;
    if (COMPARED_NOTIFICATIONS.includes(entry.msg.method)) counts.set(entry.msg.method, (counts.get(entry.msg.method) ?? 0) + 1);
  }
  return counts;
}

function replaceAll(value: Json, map: Map<string, string>): Json {
  if (map.size === 0 || value === undefined) return value;
  let text = JSON.stringify(value);
  for (const [from, to] of map) text = text.split(from).join(to);
  return JSON.parse(text);
}

/** The turns Codex recorded for each thread id (full reads, resumes with turns, forks). */
function recordedTurns(exchanges: RecordedExchange[]): Map<string, Json[]> {
  const turns = new Map<string, Json[]>();
  for (const ex of exchanges) {
    const thread = ex.response.result?.thread;
    if (thread && Array.isArray(thread.turns) && thread.turns.length > 0) turns.set(thread.id, thread.turns);
  }
  return turns;
}

/** Ids of threads Codex answered with `historyMode: "legacy"` anywhere in the exchange. */
function legacyThreads(exchanges: RecordedExchange[]): Set<string> {
  const ids = new Set<string>();
  for (const ex of exchanges) {
    const result = ex.response.result;
    const threads: Json[] = result?.thread ? [result.thread] : Array.isArray(result?.data) && ex.request.method === 'thread/list' ? result.data : [];
    for (const t of threads) if (t?.historyMode === 'legacy') ids.add(t.id);
  }
  return ids;
}

/**
 * What Codex answers `thread/items/list` with on a 0.169 thread, for a legacy thread whose turns
 * Codex recorded: entries in the asked direction, the asked turn only, a page of the clamped limit.
 */
function supersetItemsAnswer(turns: Json[], params: Json): Json {
  if (params.cursor !== undefined && params.cursor !== null && !/^\{/.test(params.cursor)) {
    return { error: { code: -32600, message: `invalid cursor: ${params.cursor}` } };
  }
  let scope = turns;
  if (params.turnId !== undefined && params.turnId !== null) scope = turns.filter((t) => t.id === params.turnId);
  const entries = scope.flatMap((t) => t.items.map((item: Json) => ({ turnId: t.id, item, startedAtMs: item.startedAtMs ?? null, completedAtMs: item.completedAtMs ?? null })));
  if (params.sortDirection === 'desc') entries.reverse();
  const limit = Math.min(100, Math.max(1, params.limit ?? 25));
  const data = entries.slice(0, limit);
  return {
    result: {
      data,
      nextCursor: entries.length > limit ? 'some' : null,
      backwardsCursor: data.length > 0 ? 'some' : null,
    },
  };
}

/** Replays every recorded request (but `initialize`) in order and compares the answers. */
export async function replayFixture(era: FixtureEra, server: AppServerProcess, home: string, options: ReplayOptions = {}): Promise<Outcome[]> {
  const exchanges = recordedExchanges(era).filter((e) => e.request.method !== 'initialize');
  const summary = fixtureSummary(era);
  const recordingStart = Math.floor(Date.parse(summary.startedAt) / 1000);
  const runStart = Math.floor(Date.now() / 1000) - 5;
  const forkIds = new Map<string, string>();
  const cursors = new Map<string, string | null>();
  const turnsOf = recordedTurns(exchanges);
  const legacy = legacyThreads(exchanges);
  let stateChanged = false;
  const outcomes: Outcome[] = [];
  const writeClock = new RolloutWriteClock(home);

  for (const ex of exchanges) {
    if (options.skip?.(ex)) continue;
    const method: string = ex.request.method;
    let params = replaceAll(ex.request.params, forkIds);
    if (params && typeof params.cursor === 'string' && cursors.has(params.cursor)) params = { ...params, cursor: cursors.get(params.cursor) };
    if (WRITES_ROLLOUT.has(method)) await writeClock.beforeWrite();
    const got = await server.request(method, params);
    if (WRITES_ROLLOUT.has(method)) writeClock.afterWrite();
    const recordedThreadId: string | undefined = ex.request.params?.threadId;

    let want: Json = rehome(replaceAll(ex.response, forkIds), home);
    const superset = method === 'thread/items/list' && want.error?.code === -32601 && want.error.message === NOT_SUPPORTED
      && recordedThreadId !== undefined && legacy.has(recordedThreadId) && turnsOf.has(recordedThreadId);
    if (superset) want = rehome(replaceAll(supersetItemsAnswer(turnsOf.get(recordedThreadId)!, ex.request.params), forkIds), home);

    if (method === 'thread/fork' && ex.response.result?.thread?.id && got.result?.thread?.id) {
      forkIds.set(ex.response.result.thread.id, got.result.thread.id);
      want = rehome(replaceAll(ex.response, forkIds), home);
    }
    for (const key of CURSOR_KEYS) {
      const recorded = ex.response.result?.[key];
      if (typeof recorded === 'string') cursors.set(recorded, typeof got.result?.[key] === 'string' ? got.result[key] : null);
    }
    if (method === 'thread/resume' || method === 'thread/fork') stateChanged = true;

    const ignored = documentedDifferences(era, options.mode ?? 'index', method, ex.request.params ?? {});
    const newForkPaths = [...forkIds.values()];
    const problems = differences(want.error ?? want.result, got.error ?? got.result, want.error ? 'error' : '', (path, w, g) => {
      if (ignored.some((re) => re.test(path))) return true;
      const key = path.slice(path.lastIndexOf('.') + 1);
      if (CURSOR_KEYS.includes(key)) return true; // compared below by null-ness
      return stateChanged && acceptedRunValue(path, w, g, recordingStart, runStart, newForkPaths, home);
    });
    for (const key of CURSOR_KEYS) {
      const w = (want.result ?? {})[key];
      if (w === undefined || got.result === undefined) continue;
      if ((w === null) !== (got.result[key] === null || got.result[key] === undefined)) {
        problems.push(`${key}: expected ${w === null ? 'null' : 'a cursor'}, got ${JSON.stringify(got.result[key])?.slice(0, 120)}`);
      }
    }
    outcomes.push({ id: ex.request.id, label: ex.label + (superset ? ' [superset]' : ''), method, problems });
  }
  return outcomes;
}

/** A difference that is only a time or a fork path of the recording run (see the README). */
function acceptedRunValue(path: string, w: unknown, g: unknown, recordingStart: number, runStart: number, forks: string[], home: string): boolean {
  if (TIME_KEYS.test(path)) {
    return typeof w === 'number' && typeof g === 'number' && w >= recordingStart && g >= runStart && g <= Math.floor(Date.now() / 1000) + 5;
  }
  if (/(^|\.)path$/.test(path)) {
    if (typeof w !== 'string' || typeof g !== 'string' || !forks.some((id) => w.endsWith(`-${id}.jsonl`))) return false;
    const general = (p: string) => p.replace(/sessions\/\d{4}\/\d{2}\/\d{2}\/rollout-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-/, 'sessions/D/rollout-T-');
    return general(w) === general(g) && g.startsWith(home);
  }
  return false;
}

/** `thread/list` → `{ok, total}` per method. */
export function tally(outcomes: Outcome[]): Map<string, { ok: number; total: number }> {
  const byMethod = new Map<string, { ok: number; total: number }>();
  for (const o of outcomes) {
    const entry = byMethod.get(o.method) ?? { ok: 0, total: 0 };
    entry.total += 1;
    if (o.problems.length === 0) entry.ok += 1;
    byMethod.set(o.method, entry);
  }
  return byMethod;
}

export { RECORDED_HOME };
