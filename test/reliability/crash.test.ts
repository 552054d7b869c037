// Fast variants of the crash scenarios (scripts/reliability/run.ts --long runs the big ones).

import assert from 'node:assert/strict';
import { crashDuringBackfill } from '../../scripts/reliability/crash-backfill.ts';
import { crashDuringDetails } from '../../scripts/reliability/crash-details.ts';
import { crashDuringWrites } from '../../scripts/reliability/crash-writes.ts';
import { quietly } from '../../scripts/reliability/lib.ts';
import { scratchDir } from '../helpers/served-home.ts';

describe('reliability: kill -9', function () {
  this.timeout(180_000);
  const scratch = scratchDir('threadstate-reliability-');

  it('backfill killed at random moments and restarted ends with the index of an uninterrupted run', async () => {
    const f = await quietly(() => crashDuringBackfill({ workDir: scratch.path, threads: 300, kills: 4, seed: 7 }));
    assert.equal(f.kills, 4, 'every crash point was a real kill');
    assert.deepEqual(f.differences, [], 'same rows, same values as the uninterrupted index');
    assert.ok(f.rowsCompared >= 300, `rows compared: ${f.rowsCompared}`);
    assert.ok(f.toolRowsCompared > 0, 'dynamic tool rows are compared too');
    assert.equal(f.backfillStatus, 'complete');
    assert.equal(f.doctorHealthy, true);
  });

  it('phase 2 killed at random moments resumes from the rows still pending: the same rows and search documents, none twice', async () => {
    const f = await quietly(() => crashDuringDetails({ workDir: scratch.path, threads: 300, kills: 3, seed: 13 }));
    assert.ok(f.killsMidDetails >= 1, `kills inside phase 2: ${f.killsMidDetails} of ${f.attempts} attempts`);
    assert.deepEqual(f.differences, [], 'same rows, same documents in the same order as the uninterrupted index');
    assert.ok(f.documentsCompared >= 300, `documents compared: ${f.documentsCompared}`);
    assert.equal(f.doctorHealthy, true);
  });

  it('server killed while starting, injecting, naming and archiving loses no acknowledged write', async () => {
    const f = await quietly(() => crashDuringWrites({ workDir: scratch.path, rounds: 3, seedThreads: 30, seed: 11 }));
    assert.ok(f.acknowledged.injected > 0, 'the workload wrote something before each kill');
    assert.deepEqual(f.unparsable, [], 'every rollout parses (a cut last line is tolerated)');
    assert.deepEqual(f.lost, [], 'acknowledged messages, names and archives are on disk');
    assert.deepEqual(f.indexVsFiles, [], 'thread/list from the index equals the --no-index answer');
    assert.deepEqual(f.doctorProblems, []);
    assert.equal(f.doctorHealthy, true);
  });
});
