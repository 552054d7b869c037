// threadstate following a home that the real Codex 0.169 app-server changes: Codex starts a
// thread, names, renames, archives, unarchives and deletes it while a threadstate server (file
// watches, opted in to thread/index/changed) serves the same home. Prints how long each step took
// to show in threadstate and the notifications it sent; exits 1 when a step never shows.
// The steps and what each must show are test/helpers/live-codex.ts's, which
// test/interop/live-codex.test.ts asserts in `npm test`.
//
//   node scripts/interop/live-with-codex.ts [--codex PATH]   (default: scripts/interop/install-codex.sh's launcher)

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, type Json } from '../../test/helpers/app-server.ts';
import { CODEX_STEPS, indexChanges, shows, startLivePair, viewThread, waitUntil } from '../../test/helpers/live-codex.ts';

const { values } = parseArgs({ options: { codex: { type: 'string' } } });
const codexBin = values.codex ?? execFileSync('bash', [join(REPO_ROOT, 'scripts/interop/install-codex.sh')], { encoding: 'utf8' }).trim().split('\n').pop()!;
const pair = await startLivePair(codexBin);
let failed = 0;
try {
  let id = '';
  for (const step of CODEX_STEPS) {
    const seen = pair.threadstate.notifications('thread/index/changed').length;
    id = await step.act(pair.codex, id, pair.home);
    const lag = await waitUntil(async () => shows(await viewThread(pair.threadstate, id), step.expected), step.label, 10_000).catch(() => null);
    const notified = await waitUntil(() => indexChanges(pair.threadstate, id, seen).some(step.notified), step.label, 2_000).then(() => true, () => false);
    if (lag === null || !notified) failed++;
    const notes = indexChanges(pair.threadstate, id, seen).map((c: Json) => c.change + (c.archived === null ? '' : c.archived ? ' (archived)' : ' (active)'));
    console.log(`${step.label.padEnd(42)} ${lag === null ? 'NOT SHOWN after 10 s' : `shown after ${lag.toFixed(0)} ms`}; thread/index/changed: ${JSON.stringify(notes)}${notified ? '' : ' (expected one missing)'}`);
  }
  if (/SQLITE_BUSY|database is locked/i.test(pair.threadstate.stderr)) {
    failed++;
    console.log('threadstate logged a busy database');
  }
} finally {
  await pair.close();
}
console.log(failed === 0 ? 'every step showed' : `${failed} step(s) never showed`);
process.exitCode = failed === 0 ? 0 : 1;
