// The real Codex answers are the oracle: every request the Codex client sent must pass our params
// schemas, and every answer Codex gave must pass our result schemas.

import assert from 'node:assert/strict';
import { Compile } from 'typebox/compile';
import { ClientMethods, isMethodName, ServerNotifications } from '../../../src/protocol/methods.ts';
import { THREAD_KEYS, Thread } from '../../../src/protocol/thread.ts';
import { Turn } from '../../../src/protocol/turn.ts';
import { validateNotification, validateParams, validateResult } from '../../../src/protocol/validate.ts';
import { FIXTURES, loadAnswers } from './fixture-answers.ts';

const checkThread = Compile(Thread);
const checkTurn = Compile(Turn);

for (const fixture of FIXTURES) {
  describe(`protocol oracle: ${fixture} answers`, () => {
    const { exchanges, notifications } = loadAnswers(fixture);
    const answered = exchanges.filter((e) => e.result !== undefined);

    it('covers thread/list, thread/read and thread/turns/list answers', () => {
      const methods = new Set(answered.map((e) => e.method));
      for (const m of ['initialize', 'thread/list', 'thread/read', 'thread/turns/list']) assert.ok(methods.has(m), m);
      assert.ok(answered.length > 70, `only ${answered.length} answers`);
    });

    it('every request the Codex client sent passes the params schema', () => {
      for (const e of exchanges) {
        assert.ok(isMethodName(e.method), e.method);
        const checked = validateParams(e.method, e.params);
        assert.ok(checked.ok, `${e.label}: ${checked.ok ? '' : checked.message}`);
      }
    });

    it('every result Codex gave passes the result schema of its method', () => {
      for (const e of answered) {
        assert.ok(isMethodName(e.method));
        const checked = validateResult(e.method, e.result);
        assert.ok(checked.ok, `${e.label}: ${checked.ok ? '' : checked.message}`);
      }
    });

    it('every Thread and Turn in the answers passes Thread / Turn, with all 33 keys in Codex order', () => {
      let threads = 0;
      let turns = 0;
      for (const e of answered) {
        const result = e.result as { data?: unknown[]; thread?: unknown };
        const found = e.method === 'thread/list' ? result.data! : e.method === 'thread/read' ? [result.thread] : [];
        for (const thread of found) {
          assert.ok(checkThread.Check(thread), e.label);
          assert.deepEqual(Object.keys(thread as object), THREAD_KEYS);
          threads++;
          for (const turn of (thread as { turns: unknown[] }).turns) {
            assert.ok(checkTurn.Check(turn));
            turns++;
          }
        }
        if (e.method === 'thread/turns/list') for (const turn of result.data!) assert.ok(checkTurn.Check(turn), e.label);
      }
      assert.equal(THREAD_KEYS.length, 33);
      assert.ok(threads > 20 && turns > 10, `${threads} threads, ${turns} turns`);
    });

    it('known notifications in the exchange pass their schemas', () => {
      const known = notifications.filter((n) => Object.hasOwn(ServerNotifications, n.method));
      for (const n of known) {
        const checked = validateNotification(n.method as keyof typeof ServerNotifications, n.params);
        assert.ok(checked.ok, `${n.method}: ${checked.ok ? '' : checked.message}`);
      }
      if (fixture === 'codex-0.169.0') assert.ok(known.some((n) => n.method === 'deprecationNotice'));
    });

    it('rejects a Codex answer with a key removed or a wrong type, naming where', () => {
      const list = answered.find((e) => e.method === 'thread/list' && (e.result as { data: unknown[] }).data.length > 0)!;
      const broken = structuredClone(list.result) as { data: Record<string, unknown>[] };
      delete broken.data[0].cliVersion;
      assert.deepEqual(validateResult('thread/list', broken), {
        ok: false, message: 'Invalid request: missing field `cliVersion` at `data[0]`',
      });
      const wrong = structuredClone(list.result) as { data: Record<string, unknown>[] };
      wrong.data[0].status = { type: 'sleeping' };
      const checked = validateResult('thread/list', wrong);
      assert.ok(!checked.ok);
      assert.match(checked.message, /unknown variant `sleeping`, expected one of `notLoaded`, `idle`, `systemError`, `active` at `data\[0\]\.status\.type`/);
    });
  });
}

describe('protocol: result schemas compile', () => {
  it('compiles every params and result schema of the table', () => {
    for (const [name, def] of Object.entries(ClientMethods)) {
      assert.doesNotThrow(() => Compile(def.params), name);
      assert.doesNotThrow(() => Compile(def.result), name);
    }
  });
});
