import assert from 'node:assert/strict';
import { confinement } from '../../scripts/reliability/confinement.ts';
import { fuzzProtocol } from '../../scripts/reliability/fuzz.ts';
import { scratchDir } from '../helpers/served-home.ts';

describe('reliability: protocol fuzzing and confinement', function () {
  this.timeout(180_000);
  const scratch = scratchDir('threadstate-reliability-');

  it('survives 2,000 generated and mutated messages, answering every well-formed request properly', async () => {
    const f = await fuzzProtocol({ workDir: scratch.path, messages: 2000, seed: 31, hugeBytes: 512 * 1024 });
    assert.equal(f.alive, true, 'the server still answers afterwards');
    assert.ok(f.wellFormed > 1000, `well-formed requests: ${f.wellFormed}`);
    assert.deepEqual(f.unanswered, []);
    assert.equal(f.answered, f.wellFormed);
    assert.deepEqual(f.badLines, [], 'stdout carries JSON object lines only');
    assert.deepEqual(f.badErrors, []);
    assert.deepEqual(f.internalErrors, [], 'no fuzzed input reaches an unhandled exception');
    assert.ok((f.outcomes.result ?? 0) > 100, 'handlers really ran');
    assert.ok(f.rssPeakKb < 768 * 1024, `peak RSS ${f.rssPeakKb} kB`);
  });

  it('refuses client paths and ids that leave the home and touches nothing outside', async () => {
    const f = await confinement(scratch.path);
    assert.ok(f.attempts > 100);
    assert.deepEqual(f.leaks, []);
    assert.deepEqual(f.problems, []);
    assert.equal(f.sentinelChanged, false, 'the file outside keeps its bytes, inode and mtime');
  });

  it('does not serve a rollout whose link in sessions/ points outside the home', async () => {
    const f = await confinement(scratch.path);
    assert.deepEqual(f.linkReads, []);
  });
});
