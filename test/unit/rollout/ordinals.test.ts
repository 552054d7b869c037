// Line ordinals of 0.169 rollouts: the next one is read from the last line, however long it is.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nextLineOrdinal, withOrdinals } from '../../../src/rollout/ordinals.ts';
import { makeTempDir, removeDir } from '../../helpers/home.ts';

describe('rollout: line ordinals', () => {
  let dir: string;
  beforeEach(() => { dir = makeTempDir(); });
  afterEach(() => removeDir(dir));

  const file = (text: string) => {
    const path = join(dir, 'rollout.jsonl');
    writeFileSync(path, text);
    return path;
  };
  const line = (ordinal: number | null, payload: unknown = {}) =>
    `${JSON.stringify(ordinal === null ? { timestamp: '2026-11-25T09:52:25.000Z', type: 'event_msg', payload } : { timestamp: '2026-11-25T09:52:25.000Z', ordinal, type: 'event_msg', payload })}\n`;

  it('continues the count of a 0.169 rollout, and is null for legacy and empty files', async () => {
    assert.equal(await nextLineOrdinal(file(line(0) + line(1) + line(2))), 3);
    assert.equal(await nextLineOrdinal(file(line(0) + line(1) + '\n\n')), 2);
    assert.equal(await nextLineOrdinal(file(line(null) + line(null))), null);
    assert.equal(await nextLineOrdinal(file('')), null);
    assert.equal(await nextLineOrdinal(file(line(0, { ordinal: 7 }).replace(',"ordinal":0', ''))), null, 'an ordinal inside the payload does not count');
  });

  it('finds the start of a last line longer than its read chunk', async () => {
    const long = line(41, { text: 'x'.repeat(300_000) });
    assert.equal(await nextLineOrdinal(file(line(40) + long)), 42);
    assert.equal(await nextLineOrdinal(file(long)), 42);
  });

  it('puts the ordinal right after the timestamp, as Codex does', () => {
    const out = withOrdinals([{ timestamp: 't', type: 'response_item', payload: { a: 1 } }, { timestamp: 't', type: 'event_msg', payload: {} }], 5);
    assert.deepEqual(out.map((l) => JSON.stringify(l)), [
      '{"timestamp":"t","ordinal":5,"type":"response_item","payload":{"a":1}}',
      '{"timestamp":"t","ordinal":6,"type":"event_msg","payload":{}}',
    ]);
  });
});
