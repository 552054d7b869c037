// Scenario 1: kill -9 the indexing process (`threadstate backfill` or the app-server) at random
// moments while it imports a generated home, restart each time, and compare the final index with
// the index of an uninterrupted run over an identical home, row by row and column by column.

import { cpSync, existsSync, readFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateHome } from '../bench/gen-home.ts';
import { FIXTURES } from '../../test/helpers/home.ts';
import { STATE_DB, diffDumps, doctorJson, dumpIndex, rng, runCli, sleep, spawnToKill } from './lib.ts';
import { DatabaseSync } from 'node:sqlite';
import { moveDbAside } from '../../src/sqlite/files.ts';

export interface CrashBackfillOptions {
  workDir: string;
  threads: number;
  kills: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface CrashBackfillFigures {
  threads: number;
  kills: number;
  /** Kills after which the backfill was still incomplete (the import really was interrupted). */
  killsMidBackfill: number;
  /** Kills that landed before the index had any schema (creation, migrations). */
  killsBeforeSchema: number;
  rowsCompared: number;
  columnsCompared: number;
  toolRowsCompared: number;
  differences: string[];
  backfillStatus: string | null;
  doctorHealthy: boolean;
}

/** A generated home plus the real fixture rollouts (dynamic tools, names, both eras). */
export function buildHome(home: string, threads: number, seed: number): void {
  generateHome({ out: home, threads, seed, archivedRatio: 0.1 });
  for (const era of ['codex-0.169.0', 'codex-0.98.0']) {
    for (const dir of ['sessions', 'archived_sessions']) {
      const from = join(FIXTURES, era, 'home', dir);
      if (existsSync(from)) cpSync(from, join(home, dir), { recursive: true, preserveTimestamps: true });
    }
    const index = join(FIXTURES, era, 'home', 'session_index.jsonl');
    if (existsSync(index)) appendFileSync(join(home, 'session_index.jsonl'), readFileSync(index));
  }
}

function backfillStatus(home: string): string | null {
  try {
    const db = new DatabaseSync(join(home, STATE_DB), { readOnly: true });
    try {
      return (db.prepare('SELECT status FROM backfill_state WHERE id = 1').get() as { status: string } | undefined)?.status ?? null;
    } finally {
      db.close();
    }
  } catch {
    return null;
  }
}

/** Spawns one indexing process and SIGKILLs it at a random moment; resolves once it is dead. */
async function killOnce(home: string, rand: () => number, useServer: boolean, backfillMs: number): Promise<'killed' | 'finished'> {
  const args = useServer ? ['app-server', '--codex-home', home] : ['backfill', '--codex-home', home];
  const run = spawnToKill(args, useServer ? 'pipe' : 'ignore');
  const early = rand() < 0.25;
  if (early) {
    // Anywhere from process start to the start of the import: opening, creating, migrating.
    await sleep(Math.floor(rand() * 900));
  } else {
    await run.waitFor('state backfill started', 15_000);
    await sleep(Math.floor(rand() * backfillMs));
  }
  return run.kill();
}

export async function crashDuringBackfill(opts: CrashBackfillOptions): Promise<CrashBackfillFigures> {
  const seed = opts.seed ?? 7;
  const rand = rng(seed);
  const log = opts.log ?? (() => undefined);
  const refHome = join(opts.workDir, 'reference');
  const home = join(opts.workDir, 'crashed');
  buildHome(refHome, opts.threads, seed);
  buildHome(home, opts.threads, seed);

  const ref = await runCli(['backfill', '--codex-home', refHome]);
  if (ref.code !== 0) throw new Error(`reference backfill failed (${ref.code}): ${ref.stderr}`);
  const tookMs = Number(/"durationMs":(\d+)/.exec(ref.stderr)?.[1] ?? 500);
  const expected = dumpIndex(refHome);

  const figures: CrashBackfillFigures = {
    threads: expected.threads.length, kills: 0, killsMidBackfill: 0, killsBeforeSchema: 0, rowsCompared: 0, columnsCompared: 0,
    toolRowsCompared: 0, differences: [], backfillStatus: null, doctorHealthy: false,
  };
  let attempts = 0;
  while (figures.kills < opts.kills && attempts < opts.kills * 4) {
    attempts++;
    const outcome = await killOnce(home, rand, attempts % 2 === 0, Math.max(20, tookMs));
    if (outcome !== 'killed') continue;
    figures.kills++;
    const status = backfillStatus(home);
    if (status === null) figures.killsBeforeSchema++;
    else if (status !== 'complete') figures.killsMidBackfill++;
    log(`kill ${figures.kills} (${attempts % 2 === 0 ? "server" : "backfill"}, attempt ${attempts}): backfill ${status ?? "no schema yet"}`);
    // A complete import leaves nothing to interrupt: start the next round from an empty index
    // again so every kill can land inside an import (the files stay as they are).
    if (status === 'complete') {
      moveDbAside(join(home, STATE_DB), 'reset');
    }
  }

  const final = await runCli(['backfill', '--codex-home', home]);
  if (final.code !== 0) throw new Error(`final backfill failed (${final.code}): ${final.stderr}`);
  const actual = dumpIndex(home);
  figures.differences = diffDumps(expected, actual);
  figures.rowsCompared = actual.threads.length;
  figures.columnsCompared = actual.threads.length * Object.keys(actual.threads[0] ?? {}).length;
  figures.toolRowsCompared = actual.tools.length;
  figures.backfillStatus = actual.backfillStatus;
  figures.doctorHealthy = (await doctorJson(home)).healthy === true;
  return figures;
}
