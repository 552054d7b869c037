import assert from 'node:assert/strict';
import { capYoungGeneration, newSpaceBytes } from '../../../src/state/heap.ts';

describe('state/heap capYoungGeneration', () => {
  it('keeps the young generation from growing under allocation with survivors', () => {
    capYoungGeneration();
    capYoungGeneration(); // idempotent
    const before = newSpaceBytes();
    assert.ok(before > 0);
    // Many short-lived objects with a rolling set of survivors: without the cap V8 doubles the
    // semi-spaces each time the surviving bytes add up to their capacity.
    let keep: { a: number; b: string }[] = [];
    for (let i = 0; i < 3_000_000; i++) {
      keep.push({ a: i, b: `x${i}` });
      if (keep.length > 200_000) keep = [];
    }
    assert.ok(keep.length >= 0);
    assert.ok(newSpaceBytes() <= before, `new space grew from ${before} to ${newSpaceBytes()}`);
  });
});
