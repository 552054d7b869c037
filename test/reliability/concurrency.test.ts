import assert from 'node:assert/strict';
import { concurrentAccess } from '../../scripts/reliability/concurrency.ts';
import { quietly } from '../../scripts/reliability/lib.ts';
import { scratchDir } from '../helpers/served-home.ts';

describe('reliability: two servers and an appender on one home', function () {
  this.timeout(180_000);
  const scratch = scratchDir('threadstate-reliability-');

  it('answers every request without busy/locked errors or lost updates, then agrees with the files', async () => {
    const f = await quietly(() => concurrentAccess({ workDir: scratch.path, threads: 40, durationMs: 4000, seed: 23 }));
    assert.ok(f.requests > 50, `requests: ${f.requests}`);
    assert.ok(f.appendedLines > 0, 'the third process appended');
    assert.deepEqual(f.busyErrors, []);
    assert.deepEqual(f.errors, []);
    assert.deepEqual(f.lostUpdates, []);
    assert.deepEqual(f.disagreements, [], 'both servers list what a file-only server lists');
    assert.equal(f.doctorHealthy, true);
  });
});
