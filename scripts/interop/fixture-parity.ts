// Prints how many of the real Codex answers of each fixture threadstate matches, per method:
//   node scripts/interop/fixture-parity.ts [--no-index] [--verbose]
// (the fixture-answer tests assert that all of them match; this prints the figures behind that).

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { AppServerProcess, CLI, NODE_BIN } from '../../test/helpers/app-server.ts';
import { FIXTURE_ERAS, copyFixtureHome, removeDir } from '../../test/helpers/home.ts';
import { replayFixture, tally } from '../../test/helpers/replay.ts';

const noIndex = process.argv.includes('--no-index');
const verbose = process.argv.includes('--verbose');
for (const era of FIXTURE_ERAS) {
  const home = copyFixtureHome(era);
  if (!noIndex) execFileSync(NODE_BIN, [CLI, 'backfill', '--codex-home', home], { stdio: 'pipe' });
  const server = new AppServerProcess(home, noIndex ? ['--no-index'] : []);
  try {
    await server.initialize();
    const outcomes = await replayFixture(era, server, home, { mode: noIndex ? 'fallback' : 'index' });
    const ok = outcomes.filter((o) => o.problems.length === 0).length + 1;
    console.log(`${era}: ${ok}/${outcomes.length + 1} requests match (initialize counted as matching)`);
    for (const [method, t] of tally(outcomes)) console.log(`  ${method.padEnd(20)} ${t.ok}/${t.total}`);
    if (verbose) for (const o of outcomes) for (const p of o.problems.slice(0, 4)) console.log(`    #${o.id} ${o.label}: ${p}`);
  } finally {
    server.kill();
    removeDir(join(home, '..'));
  }
}
