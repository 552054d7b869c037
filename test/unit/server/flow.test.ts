// server/flow.ts on its own: the backlog hands messages over one per turn and only while the gate
// is open, pauses the input past its bound and resumes it once drained, refuses requests past the
// in-flight bound, and announces the end of input after the last message.

import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { flowGate, InboundBacklog, type Outbound } from '../../../src/server/flow.ts';

type Msg = { id?: number; method: string };

/** An output whose state the test sets, with the progress wake-ups a real one gives. */
class TestOutput implements Outbound {
  closed = false;
  congested = false;
  pendingMessages = 0;
  private waiters: Array<() => void> = [];
  whenProgress(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  progress(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
}

function backlogOn(output: TestOutput, inFlight: () => number) {
  const seen = { delivered: [] as Msg[], refused: [] as Msg[], paused: 0, resumed: 0, ended: false };
  const backlog = new InboundBacklog<Msg>(flowGate(output, inFlight, { maxInFlight: 2, maxQueuedMessages: 3 }), {
    deliver: (m) => seen.delivered.push(m),
    refuse: (m) => seen.refused.push(m),
    isRequest: (m) => m.id !== undefined,
    pauseInput: () => seen.paused++,
    resumeInput: () => seen.resumed++,
    ended: () => { seen.ended = true; },
  });
  return { backlog, seen };
}

async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await nextTurn();
}

describe('server flow control', () => {
  it('hands nothing over while the output is congested or too many messages wait, and everything in order after', async () => {
    const output = new TestOutput();
    const { backlog, seen } = backlogOn(output, () => 0);
    output.congested = true;
    for (let i = 0; i < 5; i++) backlog.push({ method: `n${i}` }, 10);
    await turns(10);
    assert.equal(seen.delivered.length, 0);
    output.congested = false;
    output.pendingMessages = 3;
    output.progress();
    await turns(10);
    assert.equal(seen.delivered.length, 0, 'the queued-messages bound holds too');
    output.pendingMessages = 0;
    output.progress();
    await turns(20);
    assert.deepEqual(seen.delivered.map((m) => m.method), ['n0', 'n1', 'n2', 'n3', 'n4']);
  });

  it('pauses the input past 1,000 waiting messages and resumes it once under 100', async () => {
    const output = new TestOutput();
    const { backlog, seen } = backlogOn(output, () => 0);
    output.congested = true;
    for (let i = 0; i < 1001; i++) backlog.push({ method: 'n' }, 1);
    assert.equal(seen.paused, 1);
    output.congested = false;
    output.progress();
    while (seen.delivered.length < 1001) await nextTurn();
    assert.equal(seen.resumed, 1);
  });

  it('refuses requests past the in-flight bound, never notifications, and ends after the last message', async () => {
    const output = new TestOutput();
    let inFlight = 0;
    const { backlog, seen } = backlogOn(output, () => inFlight);
    backlog.push({ id: 1, method: 'a' }, 1);
    await turns(3);
    inFlight = 2;
    backlog.push({ id: 2, method: 'b' }, 1);
    backlog.push({ method: 'note' }, 1);
    backlog.end();
    await turns(10);
    assert.deepEqual(seen.delivered, [{ id: 1, method: 'a' }, { method: 'note' }]);
    assert.deepEqual(seen.refused, [{ id: 2, method: 'b' }]);
    assert.equal(seen.ended, true);
  });

  it('hands nothing more over once stopped, and a closed output opens the gate wait', async () => {
    const output = new TestOutput();
    const { backlog, seen } = backlogOn(output, () => 0);
    output.congested = true;
    backlog.push({ method: 'late' }, 1);
    const gate = flowGate(output, () => 0);
    const waited = gate.whenOpen();
    output.closed = true;
    output.progress();
    await waited;
    backlog.stop();
    output.congested = false;
    output.closed = false;
    output.progress();
    await turns(10);
    assert.equal(seen.delivered.length, 0);
  });
});
