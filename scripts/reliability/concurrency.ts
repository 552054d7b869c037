// Scenario 3: two app-servers on one home plus a third process appending to rollouts, with
// clients listing, reading and mutating through both servers at once. No answer may mention a
// busy/locked database, no acknowledged write may be lost, and afterwards both servers, a
// file-only server and doctor agree with the files.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { buildDoctorReport } from '../../src/store/doctor.ts';
import { openStateStore } from '../../src/store/open.ts';
import { generateHome } from '../bench/gen-home.ts';
import { NODE_BIN } from '../../test/helpers/app-server.ts';
import { type AppServerProcess, type Json, ask, listAll, listKey, rng, rolloutFiles, startServer, waitForBackfill } from './lib.ts';

export interface ConcurrencyOptions {
  workDir: string;
  threads: number;
  durationMs: number;
  seed?: number;
}

export interface ConcurrencyFigures {
  requests: number;
  errors: string[];
  busyErrors: string[];
  lostUpdates: string[];
  appendedLines: number;
  disagreements: string[];
  doctorHealthy: boolean;
}

// The appender: plain fs, no imports of ours, so it starts fast and writes like Codex would
// (whole lines, one append each).
const APPENDER = `
const fs = require('node:fs');
const files = JSON.parse(process.argv[1]);
const until = Date.now() + Number(process.argv[2]);
let n = 0;
while (Date.now() < until) {
  const file = files[n % files.length];
  const ts = new Date().toISOString();
  const text = 'appended by a third process #' + n;
  fs.appendFileSync(file, JSON.stringify({ timestamp: ts, type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } }) + '\\n' +
    JSON.stringify({ timestamp: ts, type: 'event_msg', payload: { type: 'user_message', message: text, images: [], local_images: [], text_elements: [] } }) + '\\n');
  n++;
  const wait = Date.now() + 5; while (Date.now() < wait) {}
}
process.stdout.write(String(n * 2));
`;

function appender(files: string[], durationMs: number): Promise<number> {
  const child = spawn(NODE_BIN, ['-e', APPENDER, JSON.stringify(files), String(durationMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => { out += c; });
  return new Promise((resolve) => child.on('exit', () => resolve(Number(out) || 0)));
}

interface Tally {
  requests: number;
  errors: string[];
  names: Map<string, string>;
}

async function client(tag: string, mine: AppServerProcess, other: AppServerProcess, ids: string[], own: string[], until: number, rand: () => number, tally: Tally): Promise<void> {
  const call = async (server: AppServerProcess, method: string, params: Json): Promise<Json | null> => {
    tally.requests++;
    const answer = await ask(server, method, params);
    if (!answer) tally.errors.push(`${tag} ${method}: no answer`);
    else if (answer.error) tally.errors.push(`${tag} ${method} ${JSON.stringify(params).slice(0, 120)}: ${JSON.stringify(answer.error)}`);
    return answer?.result ?? null;
  };
  let n = 0;
  while (Date.now() < until) {
    n++;
    const id = ids[Math.floor(rand() * ids.length)];
    const roll = rand();
    const server = rand() < 0.5 ? mine : other;
    if (roll < 0.25) await call(server, 'thread/list', { limit: 50, modelProviders: [], sortKey: rand() < 0.5 ? 'updated_at' : 'created_at' });
    else if (roll < 0.45) await call(server, 'thread/read', { threadId: id, includeTurns: rand() < 0.5 });
    else if (roll < 0.6) {
      // Rename one of this client's own threads through one server, read it back through the
      // other: the name must be there.
      const target = own[Math.floor(rand() * own.length)];
      const name = `${tag} ${n}`;
      if (await call(server, 'thread/name/set', { threadId: target, name })) {
        tally.names.set(target, name);
        const back = await call(server === mine ? other : mine, 'thread/read', { threadId: target });
        if (back && back.thread.name !== name) tally.errors.push(`lost update: ${target} named ${name}, other server read ${back.thread.name}`);
      }
    } else if (roll < 0.8) {
      const start = await call(server, 'thread/start', { cwd: `/tmp/${tag}` });
      if (start) {
        const text = `${tag} injected ${n}`;
        await call(server, 'thread/inject_items', { threadId: start.thread.id, items: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text }] }] });
        const back = await call(server === mine ? other : mine, 'thread/read', { threadId: start.thread.id, includeTurns: true });
        if (back && !JSON.stringify(back.thread.turns).includes(text)) tally.errors.push(`lost update: ${start.thread.id} injected "${text}" not seen by the other server`);
      }
    } else await call(server, 'thread/turns/list', { threadId: id, limit: 5 });
  }
}

export async function concurrentAccess(opts: ConcurrencyOptions): Promise<ConcurrencyFigures> {
  const rand = rng(opts.seed ?? 23);
  const home = join(opts.workDir, 'home');
  const generated = generateHome({ out: home, threads: opts.threads, seed: opts.seed ?? 23, archivedRatio: 0 });
  const [a, b] = await Promise.all([startServer(home), startServer(home)]);
  const tally: Tally = { requests: 0, errors: [], names: new Map() };
  const figures: ConcurrencyFigures = { requests: 0, errors: [], busyErrors: [], lostUpdates: [], appendedLines: 0, disagreements: [], doctorHealthy: false };
  try {
    const files = rolloutFiles(home);
    // Names go to a set of threads the appender leaves alone, so a read-back is never racing it.
    const appended = files.slice(0, Math.ceil(files.length / 3));
    const ids = generated.ids.filter((id) => !appended.some((f) => f.includes(id)));
    const until = Date.now() + opts.durationMs;
    const [lines] = await Promise.all([
      appender(appended, opts.durationMs),
      client('clientA', a, b, ids, ids.filter((_, i) => i % 3 === 0), until, rng(opts.seed ?? 23), tally),
      client('clientB', b, a, ids, ids.filter((_, i) => i % 3 === 1), until, rng((opts.seed ?? 23) + 1), tally),
      client('clientC', a, b, ids, ids.filter((_, i) => i % 3 === 2), until, rand, tally),
    ]);
    figures.appendedLines = lines;
    figures.requests = tally.requests;
    figures.lostUpdates = tally.errors.filter((e) => e.startsWith('lost update'));
    figures.errors = tally.errors.filter((e) => !e.startsWith('lost update'));
    figures.busyErrors = figures.errors.filter((e) => /SQLITE_BUSY|locked/i.test(e));
    // Every acknowledged name is the one both servers and the files report at the end.
    for (const [id, name] of tally.names) {
      const got = await ask(b, 'thread/read', { threadId: id });
      if (got?.result?.thread.name !== name) figures.lostUpdates.push(`final name of ${id}: expected ${name}, got ${JSON.stringify(got?.result?.thread.name ?? got?.error)}`);
    }

    // Settled: both live servers and a file-only server must list the same threads.
    await waitForBackfill(home);
    const walked = await startServer(home, ['--no-index']);
    try {
      for (const archived of [false, true]) {
        const truth = (await listAll(walked, archived)).map(listKey).sort();
        for (const [label, server] of [['server A', a], ['server B', b]] as const) {
          const seen = (await listAll(server, archived)).map(listKey).sort();
          if (JSON.stringify(seen) !== JSON.stringify(truth)) {
            const s = new Set(seen);
            const t = new Set(truth);
            figures.disagreements.push(`${label} archived=${archived}: ${truth.filter((k) => !s.has(k)).length} missing, ${seen.filter((k) => !t.has(k)).length} extra; e.g. ${[...truth.filter((k) => !s.has(k)), ...seen.filter((k) => !t.has(k))].slice(0, 2).join(' | ')}`);
          }
        }
      }
    } finally {
      await walked.close();
    }
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
  // One reconcile pass (what the next start runs) picks up the appends; doctor must then find
  // nothing left to repair.
  const store = openStateStore(home);
  try {
    await store.startBackgroundIndexing();
  } finally {
    store.close();
  }
  figures.doctorHealthy = (await buildDoctorReport(home)).healthy;
  return figures;
}
