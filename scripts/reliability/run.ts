// Runs every reliability scenario and prints its figures; exits 1 when any scenario finds a problem.
//
//   node scripts/reliability/run.ts            the sizes `npm test` uses
//   node scripts/reliability/run.ts --long     ~2,000 rollouts / 20 kills, ≥10,000 fuzzed messages, …
//   node scripts/reliability/run.ts --long --only fuzz,crash-backfill [--keep] [--seed N]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { confinement } from './confinement.ts';
import { concurrentAccess } from './concurrency.ts';
import { DB_CASES, runDbCase, runRolloutCase } from './corruption.ts';
import { crashDuringBackfill } from './crash-backfill.ts';
import { crashDuringDetails } from './crash-details.ts';
import { crashDuringWrites } from './crash-writes.ts';
import { fuzzProtocol } from './fuzz.ts';
import { changedUnderAnswer, clientGone, fullDisk, hostileFiles, hostileInput, overload, readOnlyHome, slowReader } from './hardening.ts';
import { quietly } from './lib.ts';

const { values } = parseArgs({
  options: { long: { type: 'boolean', default: false }, only: { type: 'string' }, keep: { type: 'boolean', default: false }, seed: { type: 'string', default: '1' } },
});
const long = values.long === true;
const seed = Number(values.seed);
const only = values.only ? new Set(values.only.split(',')) : null;
const root = mkdtempSync(join(tmpdir(), 'threadstate-reliability-'));
const out = (line: string): void => { process.stdout.write(`${line}\n`); };

/** A scenario returns its figures and the list of problems it found (empty = pass). */
type Scenario = (dir: string) => Promise<{ figures: Record<string, unknown>; problems: string[] }>;

const scenarios: Record<string, Scenario> = {
  'crash-backfill': async (dir) => {
    const f = await crashDuringBackfill({ workDir: dir, threads: long ? 2000 : 300, kills: long ? 20 : 4, seed: 7 + seed, log: (l) => out(`  ${l}`) });
    const problems = [...f.differences];
    if (f.backfillStatus !== 'complete') problems.push(`backfill ${f.backfillStatus}`);
    if (!f.doctorHealthy) problems.push('doctor: not healthy');
    return { figures: { ...f, differences: f.differences.length }, problems };
  },
  'crash-details': async (dir) => {
    const f = await crashDuringDetails({ workDir: dir, threads: long ? 2000 : 300, kills: long ? 12 : 3, seed: 13 + seed, log: (l) => out(`  ${l}`) });
    const problems = [...f.differences];
    if (f.killsMidDetails === 0) problems.push('no kill landed inside phase 2');
    if (!f.doctorHealthy) problems.push('doctor: not healthy');
    return { figures: { ...f, differences: f.differences.length }, problems };
  },
  'crash-writes': async (dir) => {
    const f = await crashDuringWrites({ workDir: dir, rounds: long ? 12 : 3, seedThreads: long ? 200 : 30, seed: 11 + seed, log: (l) => out(`  ${l}`) });
    return { figures: { ...f, unparsable: f.unparsable.length, lost: f.lost.length, indexVsFiles: f.indexVsFiles.length }, problems: [...f.unparsable, ...f.lost, ...f.indexVsFiles, ...f.doctorProblems] };
  },
  concurrency: async (dir) => {
    const f = await concurrentAccess({ workDir: dir, threads: long ? 300 : 40, durationMs: long ? 60_000 : 4000, seed: 23 + seed });
    const problems = [...f.errors, ...f.lostUpdates, ...f.disagreements];
    if (!f.doctorHealthy) problems.push('doctor: not healthy');
    return { figures: { ...f, errors: f.errors.length, busyErrors: f.busyErrors.length, lostUpdates: f.lostUpdates.length, disagreements: f.disagreements.length }, problems };
  },
  corruption: async (dir) => {
    const threads = long ? 500 : 25;
    const outcomes = await Promise.all([...DB_CASES.map((c, i) => runDbCase(dir, c, threads, 100 + i + seed)), runRolloutCase(dir, threads, 5 + seed, long ? 64 : 12)]);
    for (const o of outcomes) out(`  ${o.name}: listed ${o.listed}; doctor before ${o.doctorBefore}; after ${o.doctorAfter}`);
    return { figures: { cases: outcomes.length }, problems: outcomes.flatMap((o) => o.problems.map((p) => `${o.name}: ${p}`)) };
  },
  fuzz: async (dir) => {
    const f = await fuzzProtocol({ workDir: dir, messages: long ? 12_000 : 2000, seed: 31 + seed, hugeBytes: long ? 4 * 1024 * 1024 : 512 * 1024, oversizeLine: long });
    const problems = [...f.unanswered, ...f.badLines, ...f.badErrors, ...f.internalErrors];
    if (!f.alive) problems.push('the server did not survive');
    if (f.answered !== f.wellFormed) problems.push(`answered ${f.answered} of ${f.wellFormed}`);
    return { figures: { ...f, unanswered: f.unanswered.length, badLines: f.badLines.length, badErrors: f.badErrors.length, internalErrors: f.internalErrors.length }, problems };
  },
  'client-gone': (dir) => clientGone(dir, long ? 30 : 4, 61 + seed),
  'slow-reader': (dir) => slowReader(dir, 10_000, long ? 15_000 : 3000, 67 + seed),
  overload: (dir) => overload(dir, long ? 2000 : 300, 71 + seed),
  'hostile-input': (dir) => hostileInput(dir),
  'hostile-files': (dir) => hostileFiles(dir, long ? 20_000 : 3000),
  'full-disk': (dir) => fullDisk(dir, long ? 20 : 3),
  'changed-under-answer': (dir) => changedUnderAnswer(dir, long ? 30 : 6, 73 + seed),
  'read-only-home': (dir) => readOnlyHome(dir),
  confinement: async (dir) => {
    const f = await confinement(dir);
    const problems = [...f.leaks, ...f.problems];
    if (f.sentinelChanged) problems.push('the sentinel outside the home changed');
    return { figures: f as unknown as Record<string, unknown>, problems };
  },
};

let failed = 0;
const started = Date.now();
out(`threadstate reliability (${long ? 'long' : 'fast'} run, seed ${seed}) in ${root}`);
for (const [name, run] of Object.entries(scenarios)) {
  if (only && !only.has(name)) continue;
  const t = Date.now();
  out(`\n== ${name}`);
  const dir = join(root, name);
  try {
    const { figures, problems } = await quietly(() => run(mkdtempSync(`${dir}-`)));
    out(`  figures: ${JSON.stringify(figures)}`);
    out(`  ${problems.length === 0 ? 'PASS' : `FAIL (${problems.length})`} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    for (const p of problems.slice(0, 20)) out(`    - ${p}`);
    if (problems.length > 0) failed++;
  } catch (err) {
    failed++;
    out(`  ERROR: ${err instanceof Error ? err.stack : String(err)}`);
  }
}
out(`\n${failed === 0 ? 'all scenarios passed' : `${failed} scenario(s) failed`} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
if (!values.keep) rmSync(root, { recursive: true, force: true });
process.exit(failed === 0 ? 0 : 1);
