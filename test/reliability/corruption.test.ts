import assert from 'node:assert/strict';
import { DB_CASES, runDbCase, runRolloutCase } from '../../scripts/reliability/corruption.ts';
import { quietly } from '../../scripts/reliability/lib.ts';
import { scratchDir } from '../helpers/served-home.ts';

describe('reliability: damaged index and rollouts', function () {
  this.timeout(180_000);
  const scratch = scratchDir('threadstate-reliability-', { each: false });

  // The cases are independent homes; they run side by side to keep the suite short.
  let outcomes: Map<string, Awaited<ReturnType<typeof runDbCase>>>;
  before(async () => {
    const all = await quietly(() => Promise.all([
      ...DB_CASES.map((c, i) => runDbCase(scratch.path, c, 25, 100 + i)),
      runRolloutCase(scratch.path, 25, 5, 12),
    ]));
    outcomes = new Map(all.map((o) => [o.name, o]));
  });

  for (const name of [...DB_CASES.map((c) => c.name), 'damaged rollouts']) {
    it(`${name}: the server starts and answers, doctor reports it, no rollout is lost or changed`, () => {
      const o = outcomes.get(name);
      assert.ok(o);
      assert.deepEqual(o.problems, [], `doctor before: ${o.doctorBefore}; after: ${o.doctorAfter}`);
      assert.ok(o.listed > 0);
    });
  }
});
