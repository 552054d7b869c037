import assert from 'node:assert/strict';
import { uncleanStartGate } from '../../../src/server/unclean-start.ts';
import { recordLogs } from '../../helpers/logs.ts';

describe('server: first answers after an unclean stop', () => {
  it('the first wait starts the indexing once and lasts until the reconcile has run', async () => {
    let starts = 0;
    const gate = uncleanStartGate(() => starts++, 60_000);
    let released = 0;
    const waits = [gate.wait().then(() => released++), gate.wait().then(() => released++)];
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(starts, 1, 'indexing started at once, once');
    assert.equal(released, 0, 'no answer before the reconcile');
    gate.open();
    await Promise.all(waits);
    assert.equal(released, 2);
    await gate.wait();
    assert.equal(starts, 1, 'an open gate starts nothing');
  });

  it('answers after the bound when the reconcile takes longer, and says so in the log', async () => {
    const logs = recordLogs('WARN');
    try {
      const gate = uncleanStartGate(() => undefined, 50);
      const started = Date.now();
      await gate.wait();
      assert.ok(Date.now() - started >= 45, 'waited for the bound');
      const again = Date.now();
      await gate.wait();
      assert.ok(Date.now() - again < 20, 'later answers do not wait again');
      assert.deepEqual(logs.lines(), ['WARN server.unclean-start: the start-up reconcile after an unclean stop is still running; answering from the index as it is']);
    } finally {
      logs.stop();
    }
  });
});
