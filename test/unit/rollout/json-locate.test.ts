import assert from 'node:assert/strict';
import { stringLiteralRange, type KeyPath } from '../../../src/rollout/json-locate.ts';

/** Every string leaf of `value` with its key path. */
function stringLeaves(value: unknown, path: Array<string | number> = [], out: Array<[KeyPath, string]> = []): Array<[KeyPath, string]> {
  if (typeof value === 'string') out.push([[...path], value]);
  else if (Array.isArray(value)) value.forEach((v, i) => stringLeaves(v, [...path, i], out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) stringLeaves(v, [...path, k], out);
  return out;
}

/** A seeded pseudo-random JSON value with awkward strings. */
function randomValue(next: () => number, depth: number): unknown {
  const pick = next();
  const strings = ['', 'plain', 'quote " inside', 'back\\slash\\', '\\"', 'nl\nand\ttab', 'é ✓ 😀', '\u0000\u001f', '}],:{[', 'x'.repeat(5000) + '"'];
  if (depth <= 0 || pick < 0.4) {
    const kind = Math.floor(next() * 5);
    if (kind === 0) return strings[Math.floor(next() * strings.length)];
    if (kind === 1) return Math.floor(next() * 1e6) / 100 - 5000;
    if (kind === 2) return next() < 0.5;
    if (kind === 3) return null;
    return strings[Math.floor(next() * strings.length)] + String(Math.floor(next() * 100));
  }
  if (pick < 0.7) return Array.from({ length: Math.floor(next() * 5) }, () => randomValue(next, depth - 1));
  const obj: Record<string, unknown> = {};
  for (let i = Math.floor(next() * 5); i > 0; i--) obj[strings[Math.floor(next() * strings.length)].slice(0, 12) + i] = randomValue(next, depth - 1);
  return obj;
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('stringLiteralRange', () => {
  it('finds the literal of every string leaf, compact or indented, as JSON.parse reads it', () => {
    const next = seeded(7);
    let checked = 0;
    for (let n = 0; n < 300; n++) {
      const value = { payload: randomValue(next, 4), after: [1, { k: 'v' }] };
      for (const text of [JSON.stringify(value), JSON.stringify(value, null, n % 3)]) {
        for (const [path, expected] of stringLeaves(value)) {
          const range = stringLiteralRange(text, path);
          assert.ok(range, `no range for ${JSON.stringify(path)} in ${text.slice(0, 200)}`);
          assert.equal(JSON.parse(text.slice(range[0], range[1])), expected);
          checked++;
        }
      }
    }
    assert.ok(checked > 1000, `only ${checked} leaves checked`);
  });

  it('takes the last of duplicate keys, as JSON.parse does', () => {
    const text = '{"a":"first","b":{"a":"nested"},"a":"last"}';
    const range = stringLiteralRange(text, ['a'])!;
    assert.equal(text.slice(range[0], range[1]), '"last"');
  });

  it('returns null for paths that lead elsewhere and for malformed text', () => {
    const text = '{"a":["x",{"b":1}],"c":"s"}';
    assert.equal(stringLiteralRange(text, ['a', 1, 'b']), null); // a number
    assert.equal(stringLiteralRange(text, ['a', 5]), null);
    assert.equal(stringLiteralRange(text, ['missing']), null);
    assert.equal(stringLiteralRange(text, [0]), null);
    assert.equal(stringLiteralRange('{"c":"unterminated', ['c']), null);
    assert.equal(stringLiteralRange('{"c" "s"}', ['c']), null);
    assert.equal(stringLiteralRange('', ['c']), null);
    assert.deepEqual(stringLiteralRange(text, ['a', 0]), [6, 9]);
  });
});
