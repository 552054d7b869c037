import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { jsonChunks, jsonPieces } from '../../../src/server/json-chunks.ts';

const samples: unknown[] = [
  null, 0, -1.5, 'text "quoted" \\ \n \u2028 é 😀', true, [], {}, [1, 'a', null],
  { a: undefined, b: () => 1, c: Symbol('s'), d: [undefined, () => 1, Symbol('t')], e: null },
  { nested: { deeper: { deepest: { bottom: { floor: { below: [1, { x: 2 }] } } } } } },
  { date: new Date(0), big: 'x'.repeat(300_000), list: Array.from({ length: 50 }, (_, i) => ({ i, s: `#${i}` })) },
  { toJSON: () => ({ replaced: true }) }, { inner: { toJSON: () => undefined }, kept: 1 },
  Object.assign(Object.create(null), { bare: 1 }), [new Map([[1, 2]]), new Set([1])],
  { 'key "with" quotes': 1, '': 2, 10: 'numeric key first', z: 3 },
];

describe('server json-chunks', () => {
  it('joins to exactly JSON.stringify for every sample, at every depth', () => {
    for (const sample of samples) {
      for (const depth of [0, 1, 2, 6, 20]) {
        assert.equal([...jsonPieces(sample, depth)].join(''), JSON.stringify(sample) ?? 'null', `depth ${depth}: ${String(JSON.stringify(sample)).slice(0, 80)}`);
      }
    }
  });

  it('matches JSON.stringify on real Codex answers', () => {
    const lines = readFileSync(new URL('../../fixtures/codex-0.169.0/answers.jsonl', import.meta.url), 'utf8').split('\n').filter(Boolean);
    for (const line of lines) {
      const value = JSON.parse(line);
      assert.equal([...jsonChunks(value, 64)].join(''), JSON.stringify(value));
    }
  });

  it('cuts big values into chunks of at least the requested size', () => {
    const value = { items: Array.from({ length: 40 }, (_, i) => ({ id: i, out: 'y'.repeat(10_000) })) };
    const chunks = [...jsonChunks(value, 50_000)];
    assert.ok(chunks.length > 5);
    for (const chunk of chunks.slice(0, -1)) assert.ok(chunk.length >= 50_000);
    assert.equal(chunks.join(''), JSON.stringify(value));
  });

  it('throws as JSON.stringify does on BigInt and cycles', () => {
    assert.throws(() => [...jsonPieces({ n: 1n })], TypeError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = { back: cyclic };
    assert.throws(() => [...jsonPieces(cyclic, 3)], TypeError);
  });
});
