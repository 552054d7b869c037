// Scenario: kill -9 the indexing process during phase 2 (turns and search text) at random moments,
// let the next run resume from the rows still pending, and compare the final index with the index
// of an uninterrupted run over an identical home: every thread row, every search document (its
// text, item map, filter columns and the order the documents were written in) and no document
// twice. The home mixes small rollouts (read and written one by one inside phase 2's transactions)
// with a few big ones (read asynchronously) and the fixture rollouts (forks, dynamic tools).

import { appendFileSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { moveDbAside } from '../../src/sqlite/files.ts';
import { buildHome } from './crash-backfill.ts';
import { STATE_DB, diffDumps, doctorJson, dumpIndex, rng, runCli, sleep, spawnToKill } from './lib.ts';

export interface CrashDetailsOptions {
  workDir: string;
  threads: number;
  kills: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface CrashDetailsFigures {
  threads: number;
  /** Kills that left phase 2 unfinished (some rows written, some still pending). */
  killsMidDetails: number;
  attempts: number;
  documentsCompared: number;
  differences: string[];
  doctorHealthy: boolean;
}

const BIG_FILES = 3;
const BIG_FILE_BYTES = 3 * 1024 * 1024;

/** Appends command turns to a few rollouts until each is past the size phase 2 reads asynchronously. */
function growSome(home: string): void {
  const dir = join(home, 'sessions');
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.jsonl')) files.push(join(d, e.name));
    }
  };
  walk(dir);
  files.sort();
  for (const file of files.slice(0, BIG_FILES)) {
    const output = 'x'.repeat(60_000);
    const lines: string[] = [];
    for (let i = 0, bytes = 0; bytes < BIG_FILE_BYTES; i++) {
      const line = JSON.stringify({
        timestamp: '2026-01-01T00:00:00.000Z', type: 'event_msg',
        payload: { type: 'exec_command_end', call_id: `grow_${i}`, command: ['echo', `grown ${i}`], cwd: '/tmp', aggregated_output: `grown output ${i} ${output}`, exit_code: 0 },
      });
      lines.push(line);
      bytes += line.length + 1;
    }
    // Both homes must keep equal mtimes (the index stores them): the file's own one is put back.
    const { atime, mtime } = statSync(file);
    appendFileSync(file, `${lines.join('\n')}\n`);
    utimesSync(file, atime, mtime);
  }
}

interface Documents {
  rows: Record<string, unknown>[];
  distinctThreads: number;
}

/** Every search document in the order of its key, with what thread/search reads of it. */
function dumpDocuments(home: string): Documents {
  const db = new DatabaseSync(join(home, STATE_DB), { readOnly: true });
  try {
    const rows = db.prepare(`SELECT i.thread_id, i.listable, i.archived, i.source_kind, i.cwd, i.items, t.text
      FROM thread_search_items i JOIN thread_search_text t ON t.rowid = i.key ORDER BY i.key`).all() as Record<string, unknown>[];
    const distinct = (db.prepare('SELECT COUNT(DISTINCT thread_id) AS n FROM thread_search_items').get() as { n: number }).n;
    return { rows: rows.map((r) => ({ ...r })), distinctThreads: distinct };
  } finally {
    db.close();
  }
}

/** Rows still waiting for phase 2, or null before phase 1 is complete. */
function detailsPending(home: string): number | null {
  try {
    const db = new DatabaseSync(join(home, STATE_DB), { readOnly: true });
    try {
      const status = (db.prepare('SELECT status FROM backfill_state WHERE id = 1').get() as { status: string } | undefined)?.status;
      if (status !== 'complete') return null;
      return (db.prepare('SELECT COUNT(*) AS n FROM threads WHERE details_pending = 1').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return null;
  }
}

/** Runs `threadstate backfill` and SIGKILLs it `delayMs` after phase 2 started; 'finished' if it ended first. */
async function killInDetails(home: string, delayMs: number): Promise<'killed' | 'finished'> {
  const run = spawnToKill(['backfill', '--codex-home', home]);
  await run.waitFor('reading threads in full', 60_000);
  await sleep(delayMs);
  return run.kill();
}

export async function crashDuringDetails(opts: CrashDetailsOptions): Promise<CrashDetailsFigures> {
  const seed = opts.seed ?? 13;
  const rand = rng(seed);
  const log = opts.log ?? (() => undefined);
  const refHome = join(opts.workDir, 'reference');
  const home = join(opts.workDir, 'crashed');
  for (const h of [refHome, home]) {
    buildHome(h, opts.threads, seed);
    growSome(h);
  }
  const ref = await runCli(['backfill', '--codex-home', refHome]);
  if (ref.code !== 0) throw new Error(`reference backfill failed (${ref.code}): ${ref.stderr}`);
  const detailsMs = Number(/turns and search text indexed.*"durationMs":(\d+)/.exec(ref.stderr)?.[1] ?? 500);

  const figures: CrashDetailsFigures = { threads: 0, killsMidDetails: 0, attempts: 0, documentsCompared: 0, differences: [], doctorHealthy: false };
  while (figures.killsMidDetails < opts.kills && figures.attempts < opts.kills * 4) {
    figures.attempts++;
    const outcome = await killInDetails(home, Math.floor(rand() * detailsMs));
    const pending = detailsPending(home);
    log(`attempt ${figures.attempts}: ${outcome}, ${pending ?? 'phase 1 unfinished'} rows still pending`);
    if (outcome === 'killed' && pending !== null && pending > 0) figures.killsMidDetails++;
    // Nothing left to interrupt: start again from an empty index (the next runs resume mid-way).
    if (pending === 0) moveDbAside(join(home, STATE_DB), 'reset');
  }

  const final = await runCli(['backfill', '--codex-home', home]);
  if (final.code !== 0) throw new Error(`final backfill failed (${final.code}): ${final.stderr}`);
  const expected = dumpIndex(refHome);
  const actual = dumpIndex(home);
  figures.threads = actual.threads.length;
  const differences = diffDumps(expected, actual);
  const expectedDocs = dumpDocuments(refHome);
  const actualDocs = dumpDocuments(home);
  figures.documentsCompared = actualDocs.rows.length;
  if (actualDocs.distinctThreads !== actualDocs.rows.length) differences.push(`${actualDocs.rows.length} search documents for ${actualDocs.distinctThreads} threads`);
  if (actualDocs.rows.length !== expectedDocs.rows.length) differences.push(`${actualDocs.rows.length} search documents, expected ${expectedDocs.rows.length}`);
  for (let i = 0; i < Math.min(actualDocs.rows.length, expectedDocs.rows.length); i++) {
    if (JSON.stringify(actualDocs.rows[i]) === JSON.stringify(expectedDocs.rows[i])) continue;
    differences.push(`search document ${i} (by key order): expected thread ${String(expectedDocs.rows[i].thread_id)}, got ${String(actualDocs.rows[i].thread_id)} or different content`);
    break;
  }
  figures.differences = differences;
  figures.doctorHealthy = (await doctorJson(home)).healthy === true;
  return figures;
}
