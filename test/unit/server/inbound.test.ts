import assert from 'node:assert/strict';
import { IdEcho, parseInbound, type Inbound } from '../../../src/server/inbound.ts';

/** The id a parsed message carries (after the echo placeholder, if any). */
function idOf(inbound: Inbound): unknown {
  assert.equal(inbound.kind, 'message');
  return (inbound as { message: { id?: unknown } }).message.id;
}

const nested = (n: number): string => '['.repeat(n) + ']'.repeat(n);

describe('inbound lines, as Codex 0.169 takes them', () => {
  it('accepts 127 levels of nesting and refuses 128 with -32600 for the request id', () => {
    const ids = new IdEcho();
    // message (1) > params (2) > x: arrays from level 3
    assert.equal(parseInbound(`{"id":1,"method":"thread/list","params":{"x":${nested(125)}}}`, ids).kind, 'message');
    const refused = parseInbound(`{"id":1,"method":"thread/list","params":{"x":${nested(126)}}}`, ids);
    assert.equal(refused.kind, 'reject');
    assert.match((refused as { message: string }).message, /nests 128 levels deep or more \(at params\.x/);
    assert.equal(parseInbound(`{"id":1,"method":"thread/list","params":{"x":${nested(100_000)}}}`, ids).kind, 'reject');
    assert.equal(parseInbound(`{"method":"initialized","params":{"x":${nested(200)}}}`, ids).kind, 'drop');
  });

  it('names the field holding an unpaired surrogate, in values and in keys', () => {
    const ids = new IdEcho();
    const text = parseInbound('{"id":"a","method":"m","params":{"items":[{"content":[{"text":"lone \\ud800 here"}]}]}}', ids);
    assert.deepEqual(text, { kind: 'reject', id: 'a', message: 'Invalid request: params.items[0].content[0].text holds an unpaired UTF-16 surrogate' });
    const low = parseInbound('{"id":"b","method":"m","params":{"name":"x\\udc00"}}', ids);
    assert.match((low as { message: string }).message, /params\.name holds/);
    const key = parseInbound('{"id":"c","method":"m","params":{"a":{"\\ud800":1}}}', ids);
    assert.match((key as { message: string }).message, /member name in params\.a/);
    assert.equal(parseInbound('{"id":"d","method":"m","params":{"ok":"\\ud83d\\ude00"}}', ids).kind, 'message');
  });

  it('keeps safe integer and string ids, holds bigger integers for an exact echo, and drops ids Codex ignores', () => {
    const ids = new IdEcho();
    assert.equal(idOf(parseInbound('{"id":42,"method":"m","params":{}}', ids)), 42);
    const big = idOf(parseInbound('{"id":9007199254740993,"method":"m","params":{}}', ids));
    assert.equal(typeof big, 'string');
    assert.equal(ids.release(big), '9007199254740993');
    assert.equal(ids.release(big), null);
    for (const raw of ['-9223372036854775808', '9223372036854775807']) {
      assert.equal(ids.release(idOf(parseInbound(`{"id":${raw},"method":"m","params":{}}`, ids))), raw);
    }
    for (const raw of ['1e300', '1.5', '1.0', '1e2', '9223372036854775808', '-9223372036854775809', 'true', 'null', '{}', '"\\ud800"']) {
      assert.equal(parseInbound(`{"id":${raw},"method":"m","params":{}}`, ids).kind, 'drop', raw);
    }
    assert.equal(parseInbound('[{"id":1,"method":"m"}]', ids).kind, 'drop');
    assert.equal(parseInbound('{"id":1,"result":{}}', ids).kind, 'message');
  });
});
