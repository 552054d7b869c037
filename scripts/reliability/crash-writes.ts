// Scenario 2: kill -9 the app-server while a client starts threads, injects user messages, names
// and archives them. Afterwards every rollout parses (a cut last line is tolerated), every write
// the server acknowledged is on disk, and the index converges to the files.

import { join } from 'node:path';
import { buildDoctorReport } from '../../src/store/doctor.ts';
import { generateHome } from '../bench/gen-home.ts';
import { type AppServerProcess, type Json, ask, callLong, listAll, listKey, rng, rolloutFiles, sleep, startServer, unparsableLines, waitForBackfill } from './lib.ts';

export interface CrashWritesOptions {
  workDir: string;
  rounds: number;
  seedThreads?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface CrashWritesFigures {
  rounds: number;
  acknowledged: { started: number; injected: number; named: number; archived: number };
  rollouts: number;
  unparsable: string[];
  lost: string[];
  indexVsFiles: string[];
  listedThreads: number;
  doctorHealthy: boolean;
  doctorProblems: string[];
}

interface Acked {
  injected: Map<string, string[]>;
  named: Map<string, string>;
  archived: Set<string>;
  started: number;
}

/** Mutates through the server until it dies; every answered request is recorded as acknowledged. */
async function workload(server: AppServerProcess, acked: Acked, rand: () => number, round: number): Promise<void> {
  for (let n = 0; ; n++) {
    const start = await ask(server, 'thread/start', { cwd: '/tmp/reliability', ephemeral: false });
    if (!start?.result) return;
    acked.started++;
    const id: string = start.result.thread.id;
    const text = `crash-writes r${round} n${n} ${Math.floor(rand() * 1e9)}`;
    const injected = await ask(server, 'thread/inject_items', {
      threadId: id, items: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text }] }],
    });
    if (!injected?.result) return;
    acked.injected.set(id, [...(acked.injected.get(id) ?? []), text]);
    if (rand() < 0.6) {
      const name = `name ${round}.${n}`;
      if (!(await ask(server, 'thread/name/set', { threadId: id, name }))?.result) return;
      acked.named.set(id, name);
    }
    if (rand() < 0.3) {
      if (!(await ask(server, 'thread/archive', { threadId: id }))?.result) return;
      acked.archived.add(id);
    }
  }
}

export async function crashDuringWrites(opts: CrashWritesOptions): Promise<CrashWritesFigures> {
  const rand = rng(opts.seed ?? 11);
  const log = opts.log ?? (() => undefined);
  const home = join(opts.workDir, 'home');
  generateHome({ out: home, threads: opts.seedThreads ?? 40, seed: opts.seed ?? 11 });
  const acked: Acked = { injected: new Map(), named: new Map(), archived: new Set(), started: 0 };

  for (let round = 0; round < opts.rounds; round++) {
    const server = await startServer(home);
    const running = workload(server, acked, rand, round).catch(() => undefined);
    await sleep(200 + Math.floor(rand() * 1500));
    server.kill();
    await server.exited;
    await running;
    log(`round ${round + 1}: killed after ${acked.started} starts in total`);
  }

  const figures: CrashWritesFigures = {
    rounds: opts.rounds,
    acknowledged: { started: acked.started, injected: acked.injected.size, named: acked.named.size, archived: acked.archived.size },
    rollouts: 0, unparsable: [], lost: [], indexVsFiles: [], listedThreads: 0, doctorHealthy: false, doctorProblems: [],
  };
  const files = rolloutFiles(home);
  figures.rollouts = files.length;
  for (const file of files) figures.unparsable.push(...unparsableLines(file));

  // Restart once with the index (start-up reconcile repairs what the kills left) and once from
  // the files alone; the two must list the same threads.
  const indexed = await startServer(home);
  const walked = await startServer(home, ['--no-index']);
  try {
    await waitForBackfill(home);
    await callLong(indexed, 'thread/list', { limit: 1 }); // let the start-up reconcile finish first
    for (const archived of [false, true]) {
      const a = (await listAll(indexed, archived)).map(listKey).sort();
      const b = (await listAll(walked, archived)).map(listKey).sort();
      figures.listedThreads += b.length;
      const setA = new Set(a);
      const setB = new Set(b);
      for (const k of b) if (!setA.has(k)) figures.indexVsFiles.push(`archived=${archived} only in the files: ${k}`);
      for (const k of a) if (!setB.has(k)) figures.indexVsFiles.push(`archived=${archived} only in the index: ${k}`);
    }
    const archivedIds = new Set((await listAll(walked, true)).map((t: Json) => t.id));
    for (const [id, texts] of acked.injected) {
      const read = await ask(walked, 'thread/read', { threadId: id, includeTurns: true });
      if (!read?.result) { figures.lost.push(`${id}: acknowledged thread unreadable: ${JSON.stringify(read?.error)}`); continue; }
      const body = JSON.stringify(read.result.thread.turns);
      for (const text of texts) if (!body.includes(text)) figures.lost.push(`${id}: injected message "${text}" missing`);
      const name = acked.named.get(id);
      if (name !== undefined && read.result.thread.name !== name) figures.lost.push(`${id}: name ${JSON.stringify(name)} lost (got ${JSON.stringify(read.result.thread.name)})`);
      if (acked.archived.has(id) && !archivedIds.has(id)) figures.lost.push(`${id}: acknowledged archive lost`);
    }
  } finally {
    await indexed.close();
    await walked.close();
  }
  const report = await buildDoctorReport(home);
  figures.doctorHealthy = report.healthy;
  if (!report.healthy) figures.doctorProblems.push(JSON.stringify({ backfill: report.backfill?.status, failed: report.failedFiles, disk: report.disk }).slice(0, 2000));
  return figures;
}
