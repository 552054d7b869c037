// A schema's first checks are interpreted (typebox/value) and the later ones compiled
// (typebox/compile), so the two must agree on every request: the recorded Codex requests of each
// fixture era, and valid and invalid params of every method.

import assert from 'node:assert/strict';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Check } from 'typebox/value';
import { checkAgainst } from '../../../src/protocol/check.ts';
import { ClientMethods, isMethodName } from '../../../src/protocol/methods.ts';
import { FIXTURE_ERAS, recordedExchanges } from '../../helpers/home.ts';

/** Params worth checking for every method: empty, nulls, wrong types at the top and one level down. */
const PROBES: unknown[] = [
  {}, null, 5, 'text', [], { threadId: 't' }, { threadId: 5 }, { limit: 1.5 }, { limit: '10' }, { limit: 25, sortKey: 'updated_at', sourceKinds: [] },
  { sortKey: 'bogus' }, { sourceKinds: ['cli', 'nope'] }, { cwd: 5 }, { cwd: ['/a', '/b'] }, { clientInfo: { name: 'x', title: null, version: '1' } },
  { clientInfo: { name: 'x' } }, { threadId: 't', name: null }, { threadId: 't', items: [{ type: 'message' }] }, { query: 'q', limit: 3 },
  { dynamicTools: [{ type: 'function', name: 'a', description: 'b' }] }, { threadId: 't', includeTurns: 'yes' },
];

describe('protocol check: interpreted and compiled checks agree', () => {
  it('on the recorded requests of every fixture era and on probes of every method', () => {
    let compared = 0;
    const agree = (method: string, schema: TSchema, params: unknown): void => {
      const interpreted = Check(schema, params);
      const compiled = Compile(schema).Check(params);
      assert.equal(interpreted, compiled, `${method} ${JSON.stringify(params)}: interpreted ${interpreted}, compiled ${compiled}`);
      compared++;
    };
    for (const era of FIXTURE_ERAS) {
      for (const { request } of recordedExchanges(era)) {
        const method: string = request.method;
        if (isMethodName(method) && request.params !== undefined) agree(method, ClientMethods[method].params as TSchema, request.params);
      }
    }
    for (const [method, def] of Object.entries(ClientMethods)) for (const params of PROBES) agree(method, def.params as TSchema, params);
    assert.ok(compared > 500, `compared ${compared}`);
  });

  it('checkAgainst gives the same answer from its first (interpreted) to its later (compiled) checks', () => {
    const schema = ClientMethods['thread/read'].params as TSchema;
    const answers = Array.from({ length: 4 }, () => [checkAgainst(schema, { threadId: 't' }), checkAgainst(schema, { threadId: 5 })]);
    for (const answer of answers) assert.deepEqual(answer, answers[0]);
    assert.deepEqual(answers[0][0], { ok: true, value: { threadId: 't' } });
    assert.deepEqual(answers[0][1], { ok: false, message: 'Invalid request: invalid type: integer `5`, expected a string at `threadId`' });
  });
});
