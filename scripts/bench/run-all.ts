// Runs every benchmark in turn and prints their figures (`npm run bench`). Each one can also be
// run alone with its own flags (see the header of each script). Extra arguments are passed to the
// thread API benchmark, e.g. `npm run bench -- --sizes 10000`.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const extra = process.argv.slice(2);
const benches: Array<[string, string[]]> = [
  ['rollout-read.ts', []],
  ['backfill.ts', []],
  ['thread-api.ts', extra],
  ['search.ts', []],
  ['logs.ts', []],
  ['codex-db.ts', []],
];

let failed = 0;
for (const [script, args] of benches) {
  process.stdout.write(`\n=== ${script} ${args.join(' ')}\n`);
  const run = spawnSync(process.execPath, [`${here}${script}`, ...args], { stdio: 'inherit' });
  if (run.error && (run.error as NodeJS.ErrnoException).code === 'ENOENT') continue;
  if (run.status !== 0) failed++;
}
process.exitCode = failed === 0 ? 0 : 1;
